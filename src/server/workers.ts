// Several processes answering on one port (issue 6, "both cores"). The primary runs the one
// source (one API watch per pod, not per worker), the operations endpoints and the lame
// duck; it ships every change of the cluster view to the workers, which answer DNS from their
// own copy. Node's cluster module shares the UDP and TCP sockets between workers (Node 20 has
// no reusePort for dgram). Metrics are summed over workers at scrape time.
import cluster, { type Worker } from 'node:cluster';
import type { Options } from '../config/options';
import { ClusterStore } from '../cluster/store';
import type { ClusterObjects, ClusterSink, KindRecords, ObjectKind } from '../cluster/types';
import { startServer, type Running } from '../app';
import { startSource } from '../sources/start';
import type { Logger } from '../ops/log';
import { QueryStats, type StatsSnapshot } from './stats';
import { ForwardStats, type ForwardSnapshot } from '../ops/forward-stats';
import { upstreamObserver } from '../ops/upstream-log';
import { Consolidator } from '../ops/log';
import type { SourceHooks } from '../sources/start';
import type { CacheCounts } from '../resolve/cache';

type SinkOp = 'upsert' | 'remove' | 'replaceKind' | 'replaceAll' | 'markSynced';

/** Primary -> worker. */
export type ToWorker =
  | { t: 'sink'; op: SinkOp; args: unknown[] }
  | { t: 'stop'; graceMs: number }
  | { t: 'stats?'; id: number }
  | { t: 'reload' }
  | { t: 'reconfigure'; opts: Options };

/** Worker -> primary. */
export type ToPrimary =
  | { t: 'listening'; ports: number[] }
  | { t: 'failed'; message: string }
  | { t: 'stats'; id: number; report: WorkerReport };

/** What a worker tells the primary per scrape: its counters, summed there. */
export interface WorkerReport {
  stats: StatsSnapshot;
  forward: ForwardSnapshot;
  /** null with the cache off. */
  cache: CacheCounts | null;
  panics: number;
}

/** Applies changes to the primary's view and forwards those that changed it to every worker. */
export class BroadcastSink implements ClusterSink {
  constructor(
    readonly store: ClusterStore,
    private readonly send: (m: ToWorker) => void,
  ) {}

  get synced(): boolean {
    return this.store.synced;
  }

  private apply(op: SinkOp, args: unknown[], fn: () => void): void {
    const before = this.store.generation;
    fn();
    if (this.store.generation !== before) this.send({ t: 'sink', op, args });
  }

  upsert<K extends ObjectKind>(kind: K, record: KindRecords[K]): void {
    this.apply('upsert', [kind, record], () => this.store.upsert(kind, record));
  }
  remove(kind: ObjectKind, key: string): void {
    this.apply('remove', [kind, key], () => this.store.remove(kind, key));
  }
  replaceKind<K extends ObjectKind>(kind: K, records: KindRecords[K][]): void {
    this.apply('replaceKind', [kind, records], () => this.store.replaceKind(kind, records));
  }
  replaceAll(objects: ClusterObjects): void {
    this.apply('replaceAll', [objects], () => this.store.replaceAll(objects));
  }
  markSynced(): void {
    this.store.markSynced();
    this.send({ t: 'sink', op: 'markSynced', args: [] });
  }
}

/** The whole view, for a worker that has just started. */
export function currentObjects(store: ClusterStore): ClusterObjects {
  return {
    services: [...store.services.values()],
    endpointSets: [...store.endpointSets.values()],
    pods: [...store.pods.values()],
    namespaces: [...store.namespaces.values()],
  };
}

export interface Primary {
  /** Synced, and every worker is listening. */
  ready(): boolean;
  /** Bound ports, once every worker is listening. */
  ports(): Promise<number[]>;
  /** Counters summed over workers (workers that do not answer within 1 s are left out). */
  collect(): Promise<{ stats: QueryStats; forward: ForwardStats; cache: CacheCounts | null; panics: number }>;
  /** The primary's cluster view (for /metrics). */
  store: ClusterStore;
  reload(): void;
  /** A new config for every worker (ops/reload.ts decided it can be applied in place). */
  reconfigure(next: Options): void;
  /** Stop the workers (their TCP answers drained for graceMs) and the source. */
  stop(graceMs: number): Promise<void>;
}

export async function startPrimary(opts: Options, log: Logger, hooks: SourceHooks = {}): Promise<Primary> {
  const wlog = log.stage('server');
  const store = new ClusterStore();
  const workers = new Set<Worker>();
  const listening = new Set<Worker>();
  let stopping = false;
  let allListening: (ports: number[]) => void = () => {};
  let startFailed: (e: Error) => void = () => {};
  const portsKnown = new Promise<number[]>((resolve, reject) => {
    allListening = resolve;
    startFailed = reject;
  });
  let everListened = false;
  const send = (m: ToWorker) => {
    for (const w of workers) if (w.isConnected()) w.send(m);
  };
  const sink = new BroadcastSink(store, send);
  const src = await startSource(opts, sink, log, hooks);
  let current = opts;

  let nextId = 1;
  const pendingStats = new Map<number, (r: WorkerReport) => void>();

  // Restarts back off (1 s doubling to 30 s) so a worker that keeps dying does not spin.
  let restartDelay = 1000;
  const fork = () => {
    const w = cluster.fork();
    // A restarted worker starts from the argv options: bring it up to the reloaded config.
    if (current !== opts) w.send({ t: 'reconfigure', opts: current } satisfies ToWorker);
    const bornAt = Date.now();
    workers.add(w);
    // Ordered IPC: the full view first, then every later change in the order it happened.
    w.send({ t: 'sink', op: 'replaceAll', args: [currentObjects(store)] } satisfies ToWorker);
    if (store.synced) w.send({ t: 'sink', op: 'markSynced', args: [] } satisfies ToWorker);
    w.on('message', (m: ToPrimary) => {
      if (m.t === 'listening') {
        listening.add(w);
        everListened = true;
        // Start-up is over when every worker listens (later calls, after a restart, do nothing).
        if (listening.size === opts.workers) allListening(m.ports);
      } else if (m.t === 'failed') {
        // A worker that cannot start (port in use, bad upstream option) will not start on a
        // second try either: before any worker listened, that is the process's start-up error.
        if (!everListened) {
          stopping = true;
          startFailed(new Error(m.message));
        }
      } else if (m.t === 'stats') pendingStats.get(m.id)?.(m.report);
    });
    w.on('exit', (code, signal) => {
      workers.delete(w);
      listening.delete(w);
      if (stopping) return;
      if (Date.now() - bornAt > 60_000) restartDelay = 1000;
      wlog.error('worker exited; starting another', { pid: w.process.pid, code, signal, inMs: restartDelay });
      setTimeout(() => { if (!stopping) fork(); }, restartDelay);
      restartDelay = Math.min(restartDelay * 2, 30_000);
    });
  };
  for (let i = 0; i < opts.workers; i++) fork();

  return {
    ready: () => src.synced() && listening.size === opts.workers && !stopping,
    ports: () => portsKnown,
    store,
    async collect() {
      const id = nextId++;
      const total = new QueryStats();
      const agg: Awaited<ReturnType<Primary['collect']>> = { stats: total, forward: new ForwardStats(), cache: null, panics: 0 };
      const expected = [...workers].filter((w) => w.isConnected());
      await new Promise<void>((resolve) => {
        let left = expected.length;
        if (left === 0) return resolve();
        const timer = setTimeout(resolve, 1000);
        pendingStats.set(id, (m) => {
          total.add(m.stats);
          agg.forward.add(m.forward);
          if (m.cache) agg.cache = addCounts(agg.cache, m.cache);
          agg.panics += m.panics;
          if (--left === 0) {
            clearTimeout(timer);
            resolve();
          }
        });
        for (const w of expected) w.send({ t: 'stats?', id } satisfies ToWorker);
      });
      pendingStats.delete(id);
      return agg;
    },
    reload() {
      src.reload();
      send({ t: 'reload' });
    },
    reconfigure(next) {
      current = next;
      send({ t: 'reconfigure', opts: next });
    },
    async stop(graceMs) {
      stopping = true;
      const exits = [...workers].map((w) => new Promise<void>((r) => { if (w.isDead()) r(); else w.once('exit', () => r()); }));
      send({ t: 'stop', graceMs });
      const kill = setTimeout(() => { for (const w of workers) w.kill('SIGKILL'); }, graceMs + 5000);
      await Promise.all(exits);
      clearTimeout(kill);
      await src.close();
    },
  };
}

/** A worker: serves DNS from a view the primary keeps current. */
export async function runWorker(opts: Options, log: Logger): Promise<void> {
  const store = new ClusterStore();
  const forward = new ForwardStats();
  const ulog = log.stage('upstream');
  const upstreamErrors = new Consolidator(ulog);
  let pendingConfig: Options | null = null;
  // Attach before anything awaits: IPC messages that find no listener are lost.
  process.on('message', (m: ToWorker) => {
    if (m.t === 'sink') {
      const fn = (store as unknown as Record<SinkOp, (...a: unknown[]) => void>)[m.op];
      fn.apply(store, m.args);
    } else if (m.t === 'stats?') {
      const r = running;
      const report: WorkerReport = {
        stats: r ? r.totalStats().snapshot() : new QueryStats().snapshot(),
        forward: forward.snapshot(),
        cache: r?.cacheCounts() ?? null,
        panics: r?.panics() ?? 0,
      };
      process.send!({ t: 'stats', id: m.id, report } satisfies ToPrimary);
    } else if (m.t === 'reconfigure') {
      log.setLevel(m.opts.logLevel);
      if (running) applyConfig(running, m.opts);
      else pendingConfig = m.opts;
    } else if (m.t === 'stop') {
      void (running ? running.close(m.graceMs) : Promise.resolve()).then(() => process.exit(0));
    } else if (m.t === 'reload') {
      running?.reload();
    }
  });
  // The primary decides when to stop (lame duck); a signal sent to the whole process group
  // (Ctrl-C) must not cut the workers short.
  process.on('SIGTERM', () => {});
  process.on('SIGINT', () => {});
  // An orphaned worker (primary killed) must not linger holding the port.
  process.on('disconnect', () => process.exit(0));
  let running: Awaited<ReturnType<typeof startServer>> | null = null;
  try {
    running = await startServer(opts, log, { noSource: true, store, forwarderObserver: upstreamObserver(forward, upstreamErrors, ulog) });
    if (pendingConfig) applyConfig(running, pendingConfig);
  } catch (e) {
    const err = e as { code?: string; message?: string };
    const message = err.code && !String(err.message).startsWith(err.code) ? `${err.code}: ${err.message}` : String(err.message ?? e);
    process.send!({ t: 'failed', message } satisfies ToPrimary, () => process.exit(1));
    return;
  }
  process.send!({ t: 'listening', ports: running.ports } satisfies ToPrimary);
}

function addCounts(a: CacheCounts | null, b: CacheCounts): CacheCounts {
  if (a === null) return { ...b };
  return { size: a.size + b.size, hits: a.hits + b.hits, misses: a.misses + b.misses, servedStale: a.servedStale + b.servedStale };
}

function applyConfig(running: Running, next: Options): void {
  try {
    running.reconfigure(next);
  } catch (e) {
    // The primary validated this config; a part that cannot be built here keeps the old one.
    process.stderr.write(`clusterdns worker ${process.pid}: config not applied: ${(e as Error).message}\n`);
  }
}

export function isWorker(): boolean {
  return cluster.isWorker;
}
