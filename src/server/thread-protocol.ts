// What the main thread and the UDP threads of --workers N tell each other (server/threads.ts,
// server/udp-thread.ts): the shapes of the messages and of the shared memory.
import type { EncodedAnswer } from '../dns/encoded';

/** Float64 cells the main thread writes and every thread reads per batch. */
export const CELL_GENERATION = 0;
export const CELL_EPOCH = 1;
/** 1: threads answer from their memo; 0: every query goes to the main thread (query logging is on). */
export const CELL_MEMO = 2;
export const CELLS = 3;

/** Float64 counters a thread writes and the main thread reads at scrape time. */
export const THREAD_CACHE_HITS = 0;
export const THREAD_COUNTERS = 1;

/** Answers one thread keeps at most per socket (memory bound: a flood of distinct names clears it). */
export const THREAD_MEMO_SIZE = 20_000;

export interface ThreadData {
  /** One socket per --listen address, on the port the main thread bound. */
  listen: { host: string; port: number }[];
  /** Float64 x CELLS: CELL_GENERATION, CELL_EPOCH, CELL_MEMO. */
  cells: SharedArrayBuffer;
  /** QueryStats.BYTES: this thread's query counters. */
  stats: SharedArrayBuffer;
  /** Float64 x THREAD_COUNTERS. */
  counters: SharedArrayBuffer;
}

/** A query passed on to the main thread. */
export interface ThreadQuery {
  msg: Uint8Array;
  /** The cache key readQuery made ('' when the query could not be read as a plain question). */
  key: string;
  /** The client's sockaddr, as the addon's sendTo takes it. */
  token: Uint8Array;
  /** When the thread read it: ms since the epoch (performance.timeOrigin + now). */
  startedAt: number;
}

/** An answer a thread may keep: Resolver.reusable() plus the cache epoch it was read in. */
export interface MemoEntry {
  /** The body travels as a Uint8Array (what structured clone makes of a Buffer). */
  answer: Omit<EncodedAnswer, 'body'> & { body: Uint8Array };
  generation: number;
  epoch: number;
  storedAt: number;
  expiresAt: number;
  /** Rotate A/AAAA records per response (the chain's `loadbalance`). */
  shuffle: boolean;
}

export type ToMain =
  | { t: 'listening' }
  | { t: 'failed'; message: string; code?: string }
  | { t: 'socketError'; message: string }
  | { t: 'queries'; socket: number; family: number; items: ThreadQuery[] };

export type ToThread =
  | { t: 'answers'; socket: number; items: { token: Uint8Array; out: Uint8Array; key: string; memo: MemoEntry | null }[] }
  | { t: 'drop'; keys: string[] | 'all' }
  | { t: 'stop' };
