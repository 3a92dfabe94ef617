// The composition root: builds the chain once from validated Options (STYLE rule 4) and
// starts the listeners. Everything that varies by option is decided here, not per query.
import type { Options } from './config/options';
import { ClusterStore } from './cluster/store';
import { ClusterZone } from './cluster/zone';
import { selfAddresses } from './cluster/self-address';
import os from 'node:os';
import { AnswerCache } from './resolve/cache';
import { Resolver, type ForwardPath } from './resolve/resolver';
import { autopathFromPlan } from './resolve/autopath';
import { QueryHandler, type HandlerEvents } from './server/handler';
import { QueryStats } from './server/stats';
import { UdpListener } from './server/udp';
import cluster from 'node:cluster';
import { FastUdpListener, nativeUdpAvailable, nativeUdpUnavailableReason } from './server/fast-udp';
import { TcpListener } from './server/tcp';
import { startSource } from './sources/start';
import type { KubernetesObserver } from './sources/kubernetes';
import { Forwarder, type ForwarderObserver } from './upstream/forwarder';
import { readResolvConf } from './upstream/resolvconf';
import { ZoneFileSource } from './zonefile/source';
import { Consolidator, type Logger } from './ops/log';
import { queryLog } from './ops/query-log';

export interface Hooks {
  forwarderObserver?: ForwarderObserver;
  /** Called when the forward path is proven to loop back here; default: log and exit(1). */
  onLoop?: (message: string) => void;
  /** A worker process: the cluster view arrives from the primary, no source is started here. */
  noSource?: boolean;
  /** The view to serve (a worker's, fed by IPC); default a new, empty one. */
  store?: ClusterStore;
  /** A watched reload finished (clusterdns_source_reloads_total); zone files call it here. */
  reloaded?: (source: 'snapshot' | 'zonefile', ok: boolean) => void;
  /** Programming latency of the API source (ops/metrics.ts). */
  kubernetesObserver?: KubernetesObserver;
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
  /**
   * Config reload (ops/reload.ts): rebuilds the chain from `next` on the same store, stats and
   * sockets and swaps it into the handler at once; parts whose options did not change are kept
   * (cache entries, upstream sockets and health). Throws, with nothing swapped, when a part
   * cannot be built. Listen addresses, sources, ops endpoints and workers are not read here:
   * ops/reload-plan.ts keeps their running values.
   */
  reconfigure(next: Options): void;
  /** Stop accepting, finish in-flight TCP answers for up to graceMs, release everything. */
  close(graceMs?: number): Promise<void>;
}

export async function startServer(opts: Options, log: Logger, hooks: Hooks = {}): Promise<Running> {
  const store = hooks.store ?? new ClusterStore();

  // A local generation that moves with the cluster view, with static zone reloads and with
  // config reloads (answers memoised under old settings die with it).
  let zoneVersion = 0;
  const bump = () => (zoneVersion = (zoneVersion + 1) & 0xffff);
  const generation = () => store.generation * 65536 + zoneVersion;

  const errors = new Consolidator(log);
  const closers: (() => unknown)[] = [() => errors.close()];
  const zlog = log.stage('zonefile');
  const ulog = log.stage('upstream');
  const slog = log.stage('server');

  // The option-dependent parts of the chain, built here and again by reconfigure().
  const clusterZone = (o: Options) =>
    new ClusterZone(store, {
      domain: o.clusterDomain.toLowerCase().replace(/\.$/, ''),
      ttl: o.ttl,
      pods: o.pods,
      namespaces: o.namespaces,
      endpointPodNames: o.endpointPodNames,
      ignoreEmptyService: o.ignoreEmptyService,
      reverseZones: o.reverseZones,
      namespacesFromObjectsOnly: o.namespaceSelector !== null,
      selfAddresses: selfAddresses(o.listen.map((l) => l.host), os.networkInterfaces()),
    });
  const zoneFiles = (o: Options): ZoneFileSource | null =>
    o.zoneFiles.length === 0
      ? null
      : new ZoneFileSource(o.zoneFiles, {
          onChange: () => {
            bump();
            zlog.info('zone files reloaded');
            hooks.reloaded?.('zonefile', true);
          },
          onError: (e) => {
            zlog.error(e.message, { code: (e as { code?: string }).code });
            hooks.reloaded?.('zonefile', false);
          },
        });
  const makeForwarder = (o: Options): Forwarder | null => {
    const upstream = o.upstream ?? upstreamsFromResolvConf(o.resolvConf, ulog);
    if (upstream.length === 0 && o.stubDomains.length === 0) {
      ulog.warn('no upstream servers: names outside the served zones get REFUSED', { resolvConf: o.resolvConf });
      return null;
    }
    return new Forwarder({
      upstream,
      stubDomains: o.stubDomains,
      policy: o.upstreamPolicy,
      timeoutMs: o.upstreamTimeoutMs,
      maxConcurrent: o.maxConcurrentForwards,
      observer: hooks.forwarderObserver,
      onLoop:
        hooks.onLoop ??
        ((message) => {
          ulog.error(message, { code: 'CDNS_UPSTREAM_LOOP' });
          process.exit(1);
        }),
    });
  };
  const events = (o: Options): HandlerEvents => ({
    panic: (err) => errors.error('panic', 'server: a link threw; answered SERVFAIL', { err: String((err as Error)?.stack ?? err) }),
    query: queryLog(o.logQueries, slog),
  });

  let zones = zoneFiles(opts);
  closers.push(() => zones?.close());
  let forwarder = makeForwarder(opts);
  // Forwarders replaced by a reload: closed once their queries in flight are answered.
  const retiring = new Set<Forwarder>();
  closers.push(() => Promise.all([forwarder?.close(), ...[...retiring].map((f) => f.close())]));
  const retire = (f: Forwarder, timeoutMs: number) => {
    retiring.add(f);
    const until = Date.now() + 4 * timeoutMs + 1000;
    const check = () => {
      if (f.inFlight > 0 && Date.now() < until) return void setTimeout(check, 100).unref();
      retiring.delete(f);
      void f.close();
    };
    check();
  };

  const stats = new QueryStats();
  // Issue 12 (`--autopath`): the flags' form of the Corefile's `autopath @kubernetes`.
  const autopath = (o: Options, zone: ClusterZone) =>
    !o.autopath
      ? null
      : autopathFromPlan({ origin: 'flags', zone: zone.domain, searchDomains: o.autopathSearch, verified: o.pods === 'verified', namespaces: o.autopathNamespaces }, o.resolvConf, {
          namespaceExists: (ns) => zone.ctx.namespaceVisible(ns),
          podHasIP: (ns, ip) => store.podHasIP(ns, ip),
          succeeded: () => stats.autopath[0]++,
        });
  const chainParts = (o: Options) => {
    const cluster = clusterZone(o);
    return { cluster, autopath: autopath(o, cluster) };
  };

  const cache = opts.cache.enabled ? new AnswerCache(opts.cache) : null;
  // Static zone and config reloads drop the memo of local answers whole; a change of the view
  // drops only the answers that read what it touched (issue 11, resolve/local.ts).
  const localEpoch = () => zoneVersion;
  const resolver = new Resolver({ ...chainParts(opts), zones, forwarder: forwarder as ForwardPath | null, cache, generation, localEpoch });
  const handler = new QueryHandler(resolver, stats, events(opts));

  const reconfigure = (next: Options): void => {
    const prev = running.opts;
    const same = (...keys: (keyof Options)[]) => keys.every((k) => JSON.stringify(prev[k]) === JSON.stringify(next[k]));
    // Build everything first: a throw leaves the running chain untouched.
    const nextZones = same('zoneFiles') ? zones : zoneFiles(next);
    let nextForwarder: Forwarder | null;
    try {
      nextForwarder = same('upstream', 'resolvConf', 'stubDomains', 'upstreamPolicy', 'upstreamTimeoutMs', 'maxConcurrentForwards') ? forwarder : makeForwarder(next);
    } catch (e) {
      if (nextZones !== zones) nextZones?.close();
      throw e;
    }
    let nextCache = running.cache;
    if (!same('cache')) {
      nextCache = next.cache.enabled ? new AnswerCache(next.cache) : null;
      // coredns_cache_hits_total and _misses_total stay monotonic across the swap.
      if (nextCache && running.cache) [nextCache.hits, nextCache.misses] = [running.cache.hits, running.cache.misses];
    }
    // Names a new zone file, reverse zone or domain now answers may sit in the cache as
    // forwarded answers: those must not outlive the reload (issue 4: a change never waits out a TTL).
    if (nextCache === running.cache && !same('zoneFiles', 'reverseZones', 'clusterDomain')) nextCache?.clear();
    const nextResolver = new Resolver({ ...chainParts(next), zones: nextZones, forwarder: nextForwarder as ForwardPath | null, cache: nextCache, generation, localEpoch });
    // The swap: one synchronous step between two packets.
    bump();
    handler.swap(nextResolver, events(next));
    running.resolver.close();
    if (nextZones !== zones) zones?.close();
    if (nextForwarder !== forwarder) {
      if (forwarder) retire(forwarder, prev.upstreamTimeoutMs);
      nextForwarder?.probeLoop().catch(() => undefined);
    }
    zones = nextZones;
    forwarder = nextForwarder;
    Object.assign(running, { opts: next, resolver: nextResolver, cache: nextCache, forwarder: nextForwarder });
  };

  // Sources: a snapshot file or the Kubernetes API; none in a worker, whose view is fed by
  // the primary (server/workers.ts).
  let synced = () => store.synced;
  let reloadSource = () => {};
  if (!hooks.noSource) {
    const src = await startSource(opts, store, log, { kubernetesObserver: hooks.kubernetesObserver, reloaded: hooks.reloaded });
    synced = src.synced;
    reloadSource = src.reload;
    closers.push(() => src.close());
  }

  const listeners: (UdpListener | FastUdpListener | TcpListener)[] = [];
  const ports: number[] = [];
  // Batched native UDP (issue 6: measured 0.9-1.4x Knot on one core where node:dgram gave
  // 0.5-0.6x; bench/micro/README.md). Workers then bind one SO_REUSEPORT socket each, which
  // needs a fixed port: on port 0 (tests) each would get its own, so workers keep dgram there.
  const native = opts.nativeUdp && nativeUdpAvailable();
  if (opts.nativeUdp && !native) slog.info('using node:dgram for UDP', { reason: nativeUdpUnavailableReason() });
  const udpFor = (addr: Options['listen'][number]) =>
    native && !(cluster.isWorker && addr.port === 0) ? new FastUdpListener(addr, handler, onSocketError) : new UdpListener(addr, handler, onSocketError);
  const onSocketError = (e: Error) => errors.error(`socket:${(e as NodeJS.ErrnoException).code}`, `server: socket error: ${e.message}`);
  try {
    for (const addr of opts.listen) {
      // Port 0: TCP takes the number UDP was given, so one port serves both. UDP and TCP
      // numbers are allocated separately, so that TCP port may be taken (an ops endpoint
      // bound a moment earlier): try another UDP port then.
      for (let attempt = 1; ; attempt++) {
        const udp = udpFor(addr);
        const port = await udp.listen();
        const tcp = new TcpListener({ host: addr.host, port }, handler, opts.tcp, onSocketError);
        try {
          await tcp.listen();
        } catch (e) {
          await udp.close();
          if (addr.port === 0 && (e as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 10) continue;
          throw e;
        }
        listeners.push(udp, tcp);
        ports.push(port);
        break;
      }
    }
  } catch (e) {
    await Promise.all(listeners.map((l) => l.close()));
    for (const c of closers) await c();
    throw e;
  }
  if (forwarder) forwarder.probeLoop().catch(() => undefined);

  const running: Running = {
    opts,
    store,
    stats,
    handler,
    resolver,
    cache,
    forwarder,
    ports,
    synced,
    reload: () => {
      reloadSource();
      zones?.reload();
    },
    reconfigure,
    async close(graceMs = 0) {
      await Promise.all(listeners.map((l) => (l instanceof TcpListener ? l.close(graceMs) : l.close())));
      for (const c of closers) await c();
    },
  };
  return running;
}

/**
 * The default upstreams. A missing, empty or broken resolv.conf is not fatal: the cluster zone
 * is still served and names outside it get REFUSED, with one clear warning naming the file and
 * the fault. An explicit --upstream never comes here.
 */
function upstreamsFromResolvConf(path: string, log: Logger) {
  try {
    return readResolvConf(path);
  } catch (e) {
    log.warn(`${(e as Error).message}; serving without upstreams`, { code: (e as { code?: string }).code });
    return [];
  }
}
