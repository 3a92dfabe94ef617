// The process lifecycle around the server (SPEC §5): the operations endpoints, signals
// (SIGTERM/SIGINT lame duck, SIGHUP reload), config file reload and the start-up hint.
// cli.ts calls runServe once options are valid; tests call startServing.
//
// Order at start: the ops endpoints bind first, so /health answers 200 and /ready 503 while
// the source is still syncing (a kubelet probing during a slow first list sees a live,
// unready pod, not a dead one); then the DNS server starts. Order at stop: /ready turns 503,
// DNS keeps answering for the lame duck, upstream queries in flight are given up to a second
// to be answered, the DNS listeners close (TCP connections finish what they are writing), and
// the ops endpoints close last.
import { performance } from 'node:perf_hooks';
import type { OptionsLayer } from '../config/file';
import { flagsToOptions } from '../config/flags';
import type { Options } from '../config/options';
import { startServer, type Running } from '../app';
import { QueryStats } from '../server/stats';
import { ForwardStats } from './forward-stats';
import type { OpsServer } from './http';
import { startEndpoints } from './endpoints';
import { Consolidator, type Logger } from './log';
import type * as MetricsModule from './metrics';
import type { Metrics, MetricsView } from './metrics';
import { ConfigReloader, type ReloadOutcome } from './reload';
import { CorefileReloader, type CorefileLoad } from './corefile-reload';
import type { ServerPlan } from '../config/plan';
import { upstreamObserver } from './upstream-log';
import { nativeUdpAvailable, nativeUdpUnavailableReason } from '../server/fast-udp';
import { startThreads, ThreadCells, type Threads } from '../server/threads';

export interface ServeOptions {
  /** The command-line layer, re-applied over the config file on every reload (see ConfigReloader.base without it). */
  flags?: OptionsLayer;
  /** Quiet time after a config file event before reloading, ms (default 300). */
  reloadDebounceMs?: number;
  /** process_* / nodejs_* metrics (default: when /metrics is on). */
  processMetrics?: boolean;
  /** A UDP thread died after start-up (default: log CDNS_WORKER_FAILED and exit 1). */
  onFatal?: (message: string) => void;
  /**
   * A Corefile's server blocks (opts.corefile): served instead of the flags' plan, and
   * reloaded with `corefile.load` (the Corefile and its imports watched, SIGHUP, `reload`).
   */
  corefile?: { plan: ServerPlan; files: string[]; load(): CorefileLoad };
}

export interface Serving {
  running: Running;
  ops: OpsServer[];
  /** Ports the ops servers bound: health, ready, metrics (0 when off). */
  opsPorts: { health: number; ready: number; metrics: number };
  /** What /metrics renders; null when /metrics is off (nothing else reads it). */
  metrics: Metrics | null;
  /** The UDP threads of --workers N (null with one worker). */
  threads: Threads | null;
  /** Upstream counters (coredns_forward_*), fed by the forwarder's observer. */
  forward: ForwardStats;
  /** Watches --config; null without one. */
  reloader: ConfigReloader | null;
  /** Watches the Corefile and its imports; null without one. */
  corefileReloader: CorefileReloader | null;
  /** SIGHUP: the snapshot and zone files re-read, the config file re-applied. */
  reload(): ReloadOutcome | null;
  /** True from the first shutdown() on. */
  lameDuck(): boolean;
  /** Begin the lame duck: /ready 503, keep answering for lameDuckMs, then close. A second call ends the lame duck at once. */
  shutdown(): Promise<void>;
}

/**
 * ops/metrics.ts and prom-client (+12 MB RSS at start with the @opentelemetry/api it always
 * loads, bench/deps-rss.mjs), required only when /metrics is served: issue 13.
 */
const metricsModule = () => require('./metrics') as typeof MetricsModule;

/** How long stopped listeners wait for upstream answers still in flight, ms. */
const DRAIN_MS = 1000;

export async function startServing(opts: Options, log: Logger, serve: ServeOptions = {}): Promise<Serving> {
  let running: Running | null = null;
  let threads: Threads | null = null;
  let lameDuck = false;
  const forward = new ForwardStats();
  // /metrics cannot be turned on by a reload (reload-plan.ts: a restart), so without it no
  // Metrics is ever needed.
  const metrics =
    opts.metrics === null
      ? null
      : new (metricsModule().Metrics)({
          server: () => `dns://:${running?.ports[0] ?? opts.listen[0].port}`,
          read: () => view(running, forward, threads),
          // The GC observer and event-loop sampler of the process metrics only run when scraped for.
          processMetrics: serve.processMetrics ?? true,
        });

  const { servers: ops, ports: opsPorts } = await startEndpoints(opts, metrics, () =>
    lameDuck ? 'shutting down' : running === null || !running.synced() ? 'not synced' : null,
  );

  const ulog = log.stage('upstream');
  const upstreamErrors = new Consolidator(ulog);
  // --workers N: N-1 UDP threads beside this one (server/threads.ts). They bind through the
  // native addon, which node:dgram cannot stand in for (no SO_REUSEPORT in Node 20).
  const threaded = opts.workers > 1 && opts.nativeUdp && nativeUdpAvailable();
  if (opts.workers > 1 && !threaded) {
    log.stage('server').warn('--workers needs the native UDP addon: answering on one thread', { reason: opts.nativeUdp ? nativeUdpUnavailableReason() : '--no-native-udp' });
  }
  const cells = threaded ? new ThreadCells(!opts.logQueries) : null;
  try {
    running = await startServer(opts, log, {
      forwarderObserver: upstreamObserver(forward, upstreamErrors, ulog),
      reloaded: (source, ok) => metrics?.sourceReloaded(source, ok),
      kubernetesObserver: metrics?.kubernetesObserver(),
      reusePort: threaded,
      onGeneration: cells?.generation,
    }, serve.corefile?.plan);
    if (cells) {
      const socketErrors = new Consolidator(log.stage('server'));
      threads = await startThreads(running, cells, {
        count: opts.workers - 1,
        onFatal: serve.onFatal ?? ((message) => {
          log.stage('server').error(message, { code: 'CDNS_WORKER_FAILED' });
          process.exit(1);
        }),
        onSocketError: (e) => socketErrors.error('thread-socket', `server: socket error: ${e.message}`),
      });
    }
  } catch (e) {
    upstreamErrors.close();
    await running?.close();
    await Promise.all(ops.map((s) => s.close()));
    throw e;
  }
  const r = running;
  const th = threads;

  const reloader = opts.config
    ? new ConfigReloader({
        file: opts.config,
        // Without the command-line layer, the start-up options stand in for DEFAULTS: the file
        // still overrides them, but a key removed from it keeps its value instead of the default.
        flags: serve.flags ?? {},
        base: serve.flags ? undefined : opts,
        current: () => r.opts,
        apply: (plan) => {
          r.reconfigure(plan.apply);
          cells?.reconfigured(!plan.apply.logQueries);
          log.setLevel(plan.apply.logLevel);
        },
        log,
        onResult: (result, restartPending) => metrics?.configReloaded(result, restartPending),
        debounceMs: serve.reloadDebounceMs,
      })
    : null;
  reloader?.start();
  const cf = serve.corefile;
  const corefileReloader =
    cf && opts.corefile
      ? new CorefileReloader({
          file: opts.corefile,
          files: cf.files,
          load: cf.load,
          current: () => r.opts,
          apply: (o, plan) => {
            r.reconfigure(o, plan);
            log.setLevel(o.logLevel);
          },
          log,
          onResult: (result, restartPending) => metrics?.configReloaded(result, restartPending),
          intervalMs: opts.reloadIntervalMs,
          debounceMs: serve.reloadDebounceMs,
        })
      : null;
  corefileReloader?.start();

  let closing: Promise<void> | null = null;
  let endLameDuck = () => {};
  return {
    running: r,
    threads: th,
    ops,
    opsPorts,
    metrics,
    forward,
    reloader,
    corefileReloader,
    reload() {
      r.reload();
      if (corefileReloader) {
        const o = corefileReloader.reload();
        return { result: o.result, changed: [], restart: [], error: o.error };
      }
      return reloader ? reloader.reload() : null;
    },
    lameDuck: () => lameDuck,
    shutdown() {
      if (closing) {
        endLameDuck();
        return closing;
      }
      lameDuck = true;
      closing = (async () => {
        const ms = r.opts.lameDuckMs;
        log.info('lame duck: still answering DNS, /ready is 503', { ms });
        await new Promise<void>((done) => {
          const t = setTimeout(done, ms);
          endLameDuck = () => {
            clearTimeout(t);
            done();
          };
        });
        reloader?.close();
        corefileReloader?.close();
        await drainUpstreams(r, DRAIN_MS);
        // One more turn through the poll phase: queries that reached the socket before this
        // point are read and answered rather than dropped with the socket.
        await new Promise<void>((done) => setImmediate(done));
        log.info('lame duck over: closing the DNS listeners');
        await th?.close();
        await r.close(DRAIN_MS);
        upstreamErrors.close();
        await Promise.all(ops.map((s) => s.close()));
        log.info('stopped');
      })();
      return closing;
    },
  };
}

/** Before the DNS server is up (source still syncing): zero queries. */
const NO_QUERIES = new QueryStats();

/** What /metrics reads, from one process's own objects (a primary sums its workers instead). */
function view(r: Running | null, forward: ForwardStats, threads: Threads | null): MetricsView | Promise<MetricsView> {
  if (r === null) return { stats: NO_QUERIES, cache: null, panics: 0, forward: null, cluster: null, plugins: [] };
  const c = r.cacheCounts();
  const s = r.store;
  const forwarding = r.blocks.some((b) => b.forwarder !== null);
  let stats = r.totalStats();
  const cache = c;
  let blocks = r.blockSeries();
  if (threads && blocks.length > 0) {
    // The threads answer memo hits without saying for which block: their counters go to the
    // first block's series (exact with one block, the flags/YAML case and most Corefiles).
    const first = new QueryStats();
    for (const t of [blocks[0].stats, ...threads.stats]) first.add(t.snapshot());
    blocks = [{ ...blocks[0], stats: first }, ...blocks.slice(1)];
  }
  if (threads) {
    // The threads count in shared memory: their counters are added here, at scrape time.
    const sum = new QueryStats();
    for (const t of [stats, ...threads.stats]) sum.add(t.snapshot());
    stats = sum;
    if (cache) cache.hits += threads.cacheHits();
  }
  return {
    stats,
    cache,
    panics: r.panics(),
    forward: forwarding || forward.upstreams.size > 0 ? forward : null,
    cluster: {
      generation: s.generation,
      synced: r.synced(),
      objects: { services: s.services.size, endpointsets: s.endpointSets.size, pods: s.pods.size, namespaces: s.namespaces.size },
    },
    plugins: metricsModule().enabledPlugins(r.opts, { forwarder: forwarding, cache: c !== null }),
    blocks,
  };
}

/** Waits (at most maxMs) until no upstream query is in flight, so its answer can still be sent. */
async function drainUpstreams(r: Running, maxMs: number): Promise<void> {
  const until = performance.now() + maxMs;
  while (r.inFlight() > 0 && performance.now() < until) await new Promise((d) => setTimeout(d, 10));
}

/** `clusterdns serve`: serve until SIGTERM/SIGINT (lame duck, exit 0); SIGHUP reloads. */
export async function runServe(opts: Options, log: Logger, flags: Record<string, unknown>, corefile?: ServeOptions['corefile']): Promise<void> {
  const s = await startServing(opts, log, { flags: flagsToOptions(flags), corefile });
  const addrs = opts.listen.map((a, i) => `${a.host}:${s.running.ports[i]}`);
  log.info('clusterdns serving', {
    listen: addrs,
    domain: opts.clusterDomain,
    source: opts.snapshot ? `snapshot ${opts.snapshot}` : 'kubernetes API',
    health: s.opsPorts.health || 'off',
    ready: s.opsPorts.ready || 'off',
    metrics: s.opsPorts.metrics || 'off',
    config: opts.config ?? 'none',
  });
  if (opts.demoHint) {
    const a = opts.listen[0];
    process.stderr.write(`\nTry:  dig @${a.host} -p ${s.running.ports[0]} web.default.svc.${opts.clusterDomain}\n\n`);
  }
  process.on('SIGHUP', () => {
    log.info('SIGHUP: reloading');
    s.reload();
  });
  // CoreDNS reloads its Corefile on SIGUSR1.
  if (corefile) {
    process.on('SIGUSR1', () => {
      log.info('SIGUSR1: reloading the Corefile');
      s.reload();
    });
  }
  // process.on, not once: a second signal ends the lame duck early instead of killing the
  // process with the default action (exit 143 without closing anything).
  const stop = (signal: string) => {
    log.info(`${signal}: shutting down`, { lameDuckMs: s.running.opts.lameDuckMs });
    s.shutdown().then(
      () => process.exit(0),
      (e) => {
        log.error(`shutdown failed: ${(e as Error).message}`, { code: 'CDNS_OPS_SHUTDOWN' });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
