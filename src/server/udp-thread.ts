// A UDP thread of --workers N (issue 13 item 3, issue 11 item 3). The main thread holds the one
// cluster view, the one memo of local answers and the one answer cache; each of the N-1 threads
// binds its own SO_REUSEPORT socket per --listen address (the kernel spreads clients over the
// group by flow hash) and keeps only a bounded memo of encoded answers the main thread said any
// client may have. A memo hit is answered here: query read, one Map lookup, the response
// written straight into the send arena. Anything else (a miss, a malformed query, an answer
// that depends on the client) goes to the main thread as bytes, once per batch, and comes back
// as bytes (server/threads.ts).
//
// Validity of a memoised answer:
// - a local answer stays until the main memo drops it: a change of the view drops the answers
//   that read what it touched (resolve/local.ts onDrop), and the main thread passes the keys
//   on ('drop' messages, once per event-loop turn); a memo keyed to the whole generation
//   instead is checked against the generation cell;
// - a cached forwarded answer is valid until its expiry, its TTLs counting down from when the
//   main thread stored it (so two clients on two threads see one countdown);
// - a zone file or config reload moves the epoch cell: nothing from before it stands.
// The cells are shared memory the main thread writes: a hit costs no message.
//
// This file loads only the addon, the query reader and the response writer: a thread is a V8
// isolate of a few MB, not a second copy of the server.
import { parentPort, workerData } from 'node:worker_threads';
import { isIP } from 'node:net';
import { CLASS_IN, MIN_UDP_SIZE, OUR_UDP_SIZE, TYPE } from '../dns/constants';
import { writeResponse, type EncodedAnswer } from '../dns/encoded';
import { ParsedQuery, readQuery, ReadStatus } from '../dns/query';
import { QueryStats } from './stats';
import { BATCH, SLOT, loadAddon, type Binding, type NativeHandle } from './udp-addon';
import {
  CELL_EPOCH,
  CELL_MEMO,
  CELL_GENERATION,
  THREAD_CACHE_HITS,
  THREAD_MEMO_SIZE,
  type MemoEntry,
  type ThreadData,
  type ThreadQuery,
  type ToMain,
  type ToThread,
} from './thread-protocol';

/** Metrics source label of an answer served from a memo (Source.CACHE in resolve/resolver.ts). */
const SOURCE_CACHE = 0;
const PROTO_UDP = 0;
const perf = performance;

interface Memoised {
  answer: EncodedAnswer;
  generation: number;
  epoch: number;
  storedAt: number;
  expiresAt: number;
  shuffle: boolean;
}

const data = workerData as ThreadData;
const port = parentPort!;
const cells = new Float64Array(data.cells);
const counters = new Float64Array(data.counters);
const stats = new QueryStats(data.stats);

class ThreadSocket {
  private handle: NativeHandle | null = null;
  private readonly recv = new ArrayBuffer(BATCH * SLOT);
  private readonly send = new ArrayBuffer(BATCH * SLOT);
  private readonly recvBuf = Buffer.from(this.recv);
  private readonly sendBuf = Buffer.from(this.send);
  private readonly addrs: Uint8Array;
  private readonly meta = new ArrayBuffer((3 * BATCH + 1) * 4);
  private readonly lens = new Int32Array(this.meta, 0, BATCH);
  private readonly replySrc = new Int32Array(this.meta, BATCH * 4, BATCH);
  private readonly replyLen = new Int32Array(this.meta, 2 * BATCH * 4, BATCH);
  private readonly replyCount = new Int32Array(this.meta, 3 * BATCH * 4, 1);
  private readonly q = new ParsedQuery();
  private readonly memo = new Map<string, Memoised>();
  private readonly family: number;

  constructor(
    private readonly b: Binding,
    private readonly index: number,
    host: string,
    portNo: number,
  ) {
    this.family = isIP(host) === 6 ? 1 : 0;
    const addrs = new ArrayBuffer(BATCH * b.ADDR_SLOT);
    this.addrs = new Uint8Array(addrs);
    this.handle = b.open({
      family: this.family === 1 ? 6 : 4,
      host,
      port: portNo,
      reusePort: true,
      batch: BATCH,
      slot: SLOT,
      recv: this.recv,
      send: this.send,
      addrs,
      meta: this.meta,
      counters: new ArrayBuffer(b.COUNTERS * 8),
      onBatch: (n) => this.onBatch(n),
      onError: (e) => port.postMessage({ t: 'socketError', message: String((e as Error)?.message ?? e) } satisfies ToMain),
    });
  }

  close(): void {
    const h = this.handle;
    this.handle = null;
    if (h) this.b.close(h);
  }

  /** Main's answers to the queries this socket passed on: sent, and memoised when reusable. */
  answered(items: { token: Uint8Array; out: Uint8Array; key: string; memo: MemoEntry | null }[]): void {
    const h = this.handle;
    for (const it of items) {
      if (it.memo !== null) this.remember(it.key, it.memo);
      if (h !== null) this.b.sendTo(h, it.out, it.token);
    }
  }

  /** Main dropped these keys from its memo (or everything): so do we. */
  drop(keys: string[] | 'all'): void {
    if (keys === 'all') this.memo.clear();
    else for (const k of keys) this.memo.delete(k);
  }

  private remember(key: string, m: MemoEntry): void {
    // A flood of distinct names must not grow a thread without bound (as LocalAnswers).
    if (this.memo.size >= THREAD_MEMO_SIZE) this.memo.clear();
    const a = m.answer;
    // Structured clone turned the body Buffer into a Uint8Array: a Buffer view, no copy.
    const answer: EncodedAnswer = { ...a, body: Buffer.from(a.body.buffer, a.body.byteOffset, a.body.byteLength) };
    this.memo.set(key, { answer, generation: m.generation, epoch: m.epoch, storedAt: m.storedAt, expiresAt: m.expiresAt, shuffle: m.shuffle });
  }

  private onBatch(n: number): void {
    const { recvBuf, sendBuf, lens, replySrc, replyLen, q, memo, family } = this;
    const started = perf.now();
    const generation = cells[CELL_GENERATION];
    const epoch = cells[CELL_EPOCH];
    const memoOn = cells[CELL_MEMO] === 1;
    let now = 0;
    let k = 0;
    let passOn: ThreadQuery[] | null = null;
    for (let i = 0; i < n; i++) {
      const len = lens[i];
      if (len < 0) continue;
      const off = i * SLOT;
      const msg = recvBuf.subarray(off, off + len);
      const status = readQuery(msg, q);
      if (status === ReadStatus.DROP) continue;
      if (memoOn && status === ReadStatus.OK && q.ednsVersion === 0 && q.qclass === CLASS_IN && q.qtype !== TYPE.AXFR && q.qtype !== TYPE.IXFR) {
        const e = memo.get(q.key);
        if (e !== undefined && (e.generation === 0 || e.generation === generation) && e.epoch === epoch) {
          let spent = 0;
          if (e.expiresAt !== Infinity) {
            if (now === 0) now = Date.now();
            if (now >= e.expiresAt) {
              memo.delete(q.key);
              (passOn ??= []).push(this.passOn(msg, q.key, i, started));
              continue;
            }
            spent = Math.floor((now - e.storedAt) / 1000);
            counters[THREAD_CACHE_HITS]++;
          }
          const maxSize = q.edns ? (q.udpSize < OUR_UDP_SIZE ? q.udpSize : OUR_UDP_SIZE) : MIN_UDP_SIZE;
          stats.request(PROTO_UDP, family, q.qtype, len);
          const outLen = writeResponse(sendBuf, k * SLOT, msg, q, e.answer, maxSize, spent, e.shuffle);
          stats.response(PROTO_UDP, q.qtype, e.answer.rcode, SOURCE_CACHE, outLen, (perf.now() - started) / 1000);
          replySrc[k] = i;
          replyLen[k] = outLen;
          k++;
          continue;
        }
        (passOn ??= []).push(this.passOn(msg, q.key, i, started));
      } else {
        // Not ours to answer (malformed, EDNS version, refused class...): the main thread's
        // handler gives it the rcode it gives any query, and counts it.
        (passOn ??= []).push(this.passOn(msg, '', i, started));
      }
    }
    this.replyCount[0] = k;
    if (passOn !== null) port.postMessage({ t: 'queries', socket: this.index, family, items: passOn } satisfies ToMain);
  }

  /** A query for the main thread: its bytes and the client's address, copied out of the arenas. */
  private passOn(msg: Buffer, key: string, i: number, started: number): ThreadQuery {
    const slot = this.b.ADDR_SLOT;
    return {
      msg: new Uint8Array(msg),
      key,
      token: this.addrs.slice(i * slot, (i + 1) * slot),
      // performance.now() has a per-thread origin: the main thread converts through the epoch.
      startedAt: performance.timeOrigin + started,
    };
  }
}

function start(): void {
  const b = loadAddon();
  if (b === null) throw new Error('native UDP addon not loadable in a thread');
  const sockets: ThreadSocket[] = [];
  try {
    data.listen.forEach((a, i) => sockets.push(new ThreadSocket(b, i, a.host, a.port)));
  } catch (e) {
    for (const s of sockets) s.close();
    const err = e as { code?: string; message?: string };
    port.postMessage({ t: 'failed', message: String(err.message ?? e), code: err.code } satisfies ToMain);
    return;
  }
  port.on('message', (m: ToThread) => {
    if (m.t === 'answers') sockets[m.socket].answered(m.items);
    else if (m.t === 'drop') for (const s of sockets) s.drop(m.keys);
    else if (m.t === 'stop') {
      for (const s of sockets) s.close();
      port.close();
    }
  });
  port.postMessage({ t: 'listening' } satisfies ToMain);
}

start();
