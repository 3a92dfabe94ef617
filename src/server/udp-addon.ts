// The native UDP addon (native/udp.c): its loader and the shapes both of its users share, the
// main thread's FastUdpListener (fast-udp.ts) and the UDP threads of --workers N
// (udp-thread.ts). Kept apart from fast-udp.ts so that a thread loads nothing else: no handler,
// no resolver. The addon is a Node-API module with no global state, so every thread loads its
// own instance (Node-API addons are context-aware).
import path from 'node:path';

/** Datagrams per recvmmsg/sendmmsg (Knot DNS uses 64 as well). */
export const BATCH = 64;
/**
 * Bytes per arena slot. A query longer than this is dropped (counted as `truncated`): DNS
 * queries are at most 512 bytes without EDNS and far below 4096 with it (RFC 6891 §6.2.5).
 * A reply longer than this (possible only with a maximum UDP size over 4096) is sent on its own.
 */
export const SLOT = 4096;

/** Counter order shared with native/udp.c. */
export const COUNTERS = ['received', 'sent', 'truncated', 'sendDropped', 'sendErrors', 'recvErrors', 'wakeups', 'rounds'] as const;
export type FastUdpCounters = Record<(typeof COUNTERS)[number], number>;

export interface NativeHandle {
  readonly port: number;
}

export interface OpenOptions {
  family: 4 | 6;
  host: string;
  port: number;
  reusePort: boolean;
  batch: number;
  slot: number;
  recv: ArrayBuffer;
  send: ArrayBuffer;
  addrs: ArrayBuffer;
  meta: ArrayBuffer;
  counters: ArrayBuffer;
  onBatch: (n: number) => void;
  onError: (e: Error) => void;
}

export interface Binding {
  ADDR_SLOT: number;
  COUNTERS: number;
  open(o: OpenOptions): NativeHandle;
  sendTo(h: NativeHandle, data: Uint8Array, token: Uint8Array): number;
  close(h: NativeHandle): void;
}

// dist/server/fast-udp.js and src/server/fast-udp.ts (ts-jest) both reach the build output
// at the package root with the same relative path.
const ADDON = path.join(__dirname, '../../build/Release/clusterdns_udp.node');

let binding: Binding | null | undefined;
let unavailable: string | null = null;

export function loadAddon(): Binding | null {
  if (binding !== undefined) return binding;
  binding = null;
  try {
    const b = require(ADDON) as Partial<Binding>;
    if (typeof b.open !== 'function') unavailable = `the native UDP addon has no batched I/O on ${process.platform}`;
    else if (b.COUNTERS !== COUNTERS.length || !b.ADDR_SLOT) unavailable = `${ADDON} is from another version of clusterdns; run npm ci`;
    else binding = b as Binding;
  } catch (e) {
    unavailable = `native UDP addon not loaded (${(e as Error).message.split('\n')[0]})`;
  }
  return binding;
}

/** True when the addon is built and loads: use FastUdpListener, else UdpListener. */
export function nativeUdpAvailable(): boolean {
  return loadAddon() !== null;
}

/** Why nativeUdpAvailable() is false (for one start-up log line), or null when it is true. */
export function nativeUdpUnavailableReason(): string | null {
  loadAddon();
  return unavailable;
}

