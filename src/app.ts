// The composition root: builds the chain once from validated Options (STYLE rule 4) and
// starts the listeners. Everything that varies by option is decided here, not per query.
import type { Options } from './config/options';
import { ClusterStore } from './cluster/store';
import { ClusterZone } from './cluster/zone';
import { AnswerCache } from './resolve/cache';
import { Resolver, type ForwardPath, type StaticZones } from './resolve/resolver';
import { QueryHandler } from './server/handler';
import { QueryStats } from './server/stats';
import { UdpListener } from './server/udp';
import { TcpListener } from './server/tcp';
import { startSource } from './sources/start';
import { Forwarder, type ForwarderObserver } from './upstream/forwarder';
import { readResolvConf } from './upstream/resolvconf';
import { ZoneFileSource } from './zonefile/source';
import { Consolidator, type Logger } from './ops/log';

export interface Hooks {
  forwarderObserver?: ForwarderObserver;
  /** Called when the forward path is proven to loop back here; default: log and exit(1). */
  onLoop?: (message: string) => void;
  /** A worker process: the cluster view arrives from the primary, no source is started here. */
  noSource?: boolean;
  /** The view to serve (a worker's, fed by IPC); default a new, empty one. */
  store?: ClusterStore;
}

export interface Running {
  opts: Options;
  store: ClusterStore;
  stats: QueryStats;
  handler: QueryHandler;
  resolver: Resolver;
  cache: AnswerCache | null;
  forwarder: Forwarder | null;
  /** Bound ports, in the order of opts.listen (UDP and TCP share the number). */
  ports: number[];
  /** Sources are synced (or the start-up timeout passed): /ready may say yes. */
  synced(): boolean;
  /** SIGHUP: re-read the snapshot and zone files now. */
  reload(): void;
  /** Stop accepting, finish in-flight TCP answers for up to graceMs, release everything. */
  close(graceMs?: number): Promise<void>;
}

export async function startServer(opts: Options, log: Logger, hooks: Hooks = {}): Promise<Running> {
  const store = hooks.store ?? new ClusterStore();
  const cluster = new ClusterZone(store, {
    domain: opts.clusterDomain.toLowerCase().replace(/\.$/, ''),
    ttl: opts.ttl,
    pods: opts.pods,
    namespaces: opts.namespaces,
    endpointPodNames: opts.endpointPodNames,
    ignoreEmptyService: opts.ignoreEmptyService,
    reverseZones: opts.reverseZones,
  });

  // A local generation that moves with the cluster view and with static zone reloads.
  let zoneVersion = 0;
  const generation = () => store.generation * 65536 + zoneVersion;

  const errors = new Consolidator(log);
  const closers: (() => unknown)[] = [() => errors.close()];

  let zones: StaticZones | null = null;
  if (opts.zoneFiles.length) {
    const zlog = log.stage('zonefile');
    const src = new ZoneFileSource(opts.zoneFiles, {
      onChange: () => {
        zoneVersion = (zoneVersion + 1) & 0xffff;
        zlog.info('zone files reloaded');
      },
      onError: (e) => zlog.error(e.message, { code: (e as { code?: string }).code }),
    });
    zones = src;
    closers.push(() => src.close());
  }

  let forwarder: Forwarder | null = null;
  const upstream = opts.upstream ?? readResolvConf(opts.resolvConf);
  if (upstream.length || opts.stubDomains.length) {
    const ulog = log.stage('upstream');
    forwarder = new Forwarder({
      upstream,
      stubDomains: opts.stubDomains,
      policy: opts.upstreamPolicy,
      timeoutMs: opts.upstreamTimeoutMs,
      maxConcurrent: opts.maxConcurrentForwards,
      observer: hooks.forwarderObserver,
      onLoop:
        hooks.onLoop ??
        ((message) => {
          ulog.error(message, { code: 'CDNS_UPSTREAM_LOOP' });
          process.exit(1);
        }),
    });
    const f = forwarder;
    closers.push(() => f.close());
  } else {
    log.stage('upstream').warn('no upstream servers: names outside the served zones get REFUSED', { resolvConf: opts.resolvConf });
  }

  const cache = opts.cache.enabled ? new AnswerCache(opts.cache) : null;
  const resolver = new Resolver({
    cluster,
    zones,
    forwarder: forwarder as ForwardPath | null,
    cache,
    generation,
  });
  const stats = new QueryStats();
  const slog = log.stage('server');
  const handler = new QueryHandler(resolver, stats, {
    panic: (err) => errors.error('panic', 'server: a link threw; answered SERVFAIL', { err: String((err as Error)?.stack ?? err) }),
    query: opts.logQueries
      ? (proto, name, qtype, rcode) => slog.info('query', { proto: proto ? 'tcp' : 'udp', name, qtype, rcode })
      : () => {},
  });

  // Sources: a snapshot file or the Kubernetes API; none in a worker, whose view is fed by
  // the primary (server/workers.ts).
  let synced = () => store.synced;
  let reloadSource = () => {};
  if (!hooks.noSource) {
    const src = await startSource(opts, store, log);
    synced = src.synced;
    reloadSource = src.reload;
    closers.push(() => src.close());
  }

  const listeners: (UdpListener | TcpListener)[] = [];
  const ports: number[] = [];
  const onSocketError = (e: Error) => errors.error(`socket:${(e as NodeJS.ErrnoException).code}`, `server: socket error: ${e.message}`);
  try {
    for (const addr of opts.listen) {
      const udp = new UdpListener(addr, handler, onSocketError);
      const port = await udp.listen();
      listeners.push(udp);
      // Port 0: TCP takes the number UDP was given, so one port serves both.
      const tcp = new TcpListener({ host: addr.host, port }, handler, opts.tcp, onSocketError);
      await tcp.listen();
      listeners.push(tcp);
      ports.push(port);
    }
  } catch (e) {
    await Promise.all(listeners.map((l) => l.close()));
    for (const c of closers) await c();
    throw e;
  }
  if (forwarder) forwarder.probeLoop().catch(() => undefined);

  return {
    opts,
    store,
    stats,
    handler,
    resolver,
    cache,
    forwarder,
    ports,
    synced,
    reload: () => reloadSource(),
    async close(graceMs = 0) {
      await Promise.all(listeners.map((l) => (l instanceof TcpListener ? l.close(graceMs) : l.close())));
      for (const c of closers) await c();
    },
  };
}
