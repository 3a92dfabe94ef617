// --workers N without N copies (issue 13 item 3): the main thread keeps the ONE cluster view,
// the ONE memo of local answers, the ONE answer cache, the source, TCP and the operations
// endpoints, and answers UDP on its own SO_REUSEPORT socket; N-1 worker_threads bind theirs on
// the same port and answer from a small memo of encoded answers (server/udp-thread.ts). A query
// a thread cannot answer comes here as bytes (batched per recvmmsg), goes through the same
// handler and chain as any query, and its answer goes back as bytes, with the encoded answer
// and how long it stays valid when any client may have it (Resolver.reusable).
//
// Why threads and not processes: a process is a second Node.js runtime with its own heap and
// its own copy of the view (about 55 MB in a small cluster, the whole view at 150,000
// endpoints) and its own cache (two clients asking one forwarded name reached the upstream
// twice); a thread is an isolate of a few MB that holds no view. One cache also means one TTL
// countdown for everyone and one upstream exchange per name (Resolver's in-flight sharing).
//
// Fatal errors stay fatal: a thread that cannot bind fails start-up with its error, and a
// thread that dies later ends the whole process (onFatal), as a single process would end.
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Running } from '../app';
import type { Resolver } from '../resolve/resolver';
import { ArenaPeer } from './fast-udp';
import { PROTO_UDP } from './handler';
import { QueryStats } from './stats';
import { CELL_EPOCH, CELL_GENERATION, CELL_MEMO, CELLS, THREAD_CACHE_HITS, THREAD_COUNTERS, type MemoEntry, type ThreadData, type ToMain, type ToThread } from './thread-protocol';

/** The compiled thread entry: dist/server/ from dist/server/ and from src/server/ (ts-jest) alike. */
const ENTRY = path.join(__dirname, '../../dist/server/udp-thread.js');
/** How long a thread may take to bind before start-up fails. */
const START_TIMEOUT_MS = 10_000;
/** More keys than this dropped in one turn: the threads drop everything (cheaper than the list). */
const DROP_ALL_OVER = 5_000;

/** The shared cells the threads read per batch; created before the server so its hooks can write them. */
export class ThreadCells {
  readonly buffer = new SharedArrayBuffer(CELLS * 8);
  private readonly cells = new Float64Array(this.buffer);

  constructor(memo: boolean) {
    this.cells[CELL_MEMO] = memo ? 1 : 0;
  }

  /**
   * The main thread's local generation moved (app.ts onGeneration): answers a thread holds
   * for an older generation are stale; after a zone file or config reload (`whole`), all are.
   */
  readonly generation = (g: number, whole = false): void => {
    this.cells[CELL_GENERATION] = g;
    if (whole) this.cells[CELL_EPOCH]++;
  };

  /** A config reload: the cache may be emptied or replaced, query logging switched. */
  reconfigured(memo: boolean): void {
    this.cells[CELL_EPOCH]++;
    this.cells[CELL_MEMO] = memo ? 1 : 0;
  }

  get epoch(): number {
    return this.cells[CELL_EPOCH];
  }
}

export interface Threads {
  /** The threads (tests end one to check that its death is fatal). */
  readonly workers: readonly Worker[];
  /** Each thread's query counters (live, in shared memory): /metrics adds them to the main thread's. */
  readonly stats: QueryStats[];
  /** Cache hits the threads answered from their memo (coredns_cache_hits_total). */
  cacheHits(): number;
  /** Close the threads' sockets and end them. */
  close(): Promise<void>;
}

export interface ThreadOptions {
  /** Threads to start (--workers minus the main thread). */
  count: number;
  /** A thread died after start-up: the process must end (default of the caller: log, exit 1). */
  onFatal(message: string): void;
  /** A thread's socket reported an error after bind (logged, rate-limited, by the caller). */
  onSocketError(e: Error): void;
}

/** Starts the threads on the ports `running` bound; resolves once every one listens. */
export async function startThreads(running: Running, cells: ThreadCells, o: ThreadOptions): Promise<Threads> {
  // One thread socket per listen address, in the order of running.addresses (socket index).
  const listen = running.addresses.map((a) => ({ host: a.addr.host, port: a.port }));
  cells.generation(running.generation());
  const workers: Worker[] = [];
  const stats: QueryStats[] = [];
  const counters: Float64Array[] = [];
  let stopping = false;

  // The main memo's drops (resolve/local.ts onDrop: a change of the view drops the answers that
  // read what it touched), passed on to every thread once per event-loop turn. Order is safe:
  // a memo entry is read from the main memo when its reply is posted, so a drop of it is
  // always posted after it. Followed anew when a config reload swaps the resolver.
  let watched: Running['blocks'] | null = null;
  let unwatch: (() => void)[] = [];
  let drops: string[] | 'all' | null = null;
  const flushDrops = () => {
    const d = drops;
    drops = null;
    if (d !== null && !stopping) for (const w of workers) w.postMessage({ t: 'drop', keys: d } satisfies ToThread);
  };
  const onDrop = (d: string[] | 'all') => {
    if (drops === null) setImmediate(flushDrops);
    if (d === 'all' || drops === 'all' || (drops?.length ?? 0) + d.length > DROP_ALL_OVER) drops = 'all';
    else drops = drops === null ? [...d] : drops.concat(d);
  };
  const follow = () => {
    if (running.blocks === watched) return;
    for (const u of unwatch) u();
    watched = running.blocks;
    unwatch = [...new Set(watched.map((b) => b.chain))].map((c) => c.localAnswers.onDrop(onDrop));
  };
  follow();

  /** Answers a batch a thread passed on, through the main thread's handler and chain. */
  const answer = (w: Worker, m: Extract<ToMain, { t: 'queries' }>): void => {
    const items: Extract<ToThread, { t: 'answers' }>['items'] = [];
    const handler = running.addresses[m.socket].handler;
    for (const it of m.items) {
      const msg = Buffer.from(it.msg.buffer, it.msg.byteOffset, it.msg.byteLength);
      const peer = new ArenaPeer(it.token);
      handler.lastChain = null;
      const out = handler.handle(msg, PROTO_UDP, m.family, it.startedAt - performance.timeOrigin, peer);
      if (out === null) continue;
      const chain = handler.lastChain as Resolver | null;
      if (out instanceof Promise) {
        out.then(
          (b) => {
            if (!stopping) w.postMessage({ t: 'answers', socket: m.socket, items: [reply(it.token, b, it.key, chain)] } satisfies ToThread);
          },
          () => undefined, // the handler turns failures into SERVFAIL; nothing reaches here
        );
      } else items.push(reply(it.token, out, it.key, chain));
    }
    if (items.length > 0) w.postMessage({ t: 'answers', socket: m.socket, items } satisfies ToThread);
  };
  const reply = (token: Uint8Array, out: Buffer, key: string, chain: Resolver | null) => ({
    token,
    // A copy with its own ArrayBuffer: cloning a Buffer would copy its whole 8 KB pool.
    out: new Uint8Array(out),
    key,
    memo: key === '' || chain === null ? null : memoOf(chain, key),
  });
  const memoOf = (chain: Resolver, key: string): MemoEntry | null => {
    follow();
    const r = chain.reusable(key);
    if (r === null) return null;
    return { answer: { ...r.answer, body: new Uint8Array(r.answer.body) }, generation: r.generation, epoch: cells.epoch, storedAt: r.storedAt, expiresAt: r.expiresAt, shuffle: r.shuffle };
  };

  const started = Array.from({ length: o.count }, () => {
    const data: ThreadData = {
      listen,
      cells: cells.buffer,
      stats: new SharedArrayBuffer(QueryStats.BYTES),
      counters: new SharedArrayBuffer(THREAD_COUNTERS * 8),
    };
    const w = new Worker(ENTRY, { workerData: data });
    workers.push(w);
    stats.push(new QueryStats(data.stats));
    counters.push(new Float64Array(data.counters));
    return new Promise<void>((resolve, reject) => {
      let up = false;
      const t = setTimeout(() => reject(new Error(`a UDP thread did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      w.on('message', (m: ToMain) => {
        if (m.t === 'queries') answer(w, m);
        else if (m.t === 'listening') {
          up = true;
          clearTimeout(t);
          resolve();
        } else if (m.t === 'failed') {
          clearTimeout(t);
          // The thread's bind error, as the main thread's own would read (bind EADDRINUSE ...).
          reject(Object.assign(new Error(m.message), m.code ? { code: m.code } : {}));
        } else if (m.t === 'socketError') o.onSocketError(new Error(m.message));
      });
      w.on('error', (e) => {
        clearTimeout(t);
        if (!up) reject(e);
        else if (!stopping) o.onFatal(`a UDP thread failed: ${e.message}`);
      });
      w.on('exit', (code) => {
        clearTimeout(t);
        if (!up) reject(new Error(`a UDP thread exited with code ${code} during start-up`));
        else if (!stopping) o.onFatal(`a UDP thread exited with code ${code}`);
      });
    });
  });

  const close = async () => {
    stopping = true;
    for (const u of unwatch) u();
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            const t = setTimeout(() => void w.terminate().then(() => resolve()), 2000);
            w.once('exit', () => {
              clearTimeout(t);
              resolve();
            });
            w.postMessage({ t: 'stop' } satisfies ToThread);
          }),
      ),
    );
  };

  try {
    await Promise.all(started);
  } catch (e) {
    await close();
    throw e;
  }
  return {
    workers,
    stats,
    cacheHits: () => counters.reduce((n, c) => n + c[THREAD_CACHE_HITS], 0),
    close,
  };
}
