// The state of one forwarded query (or one health probe) across its attempts. Objects are
// pooled by the forwarder and keep one shape from construction (STYLE rule 8); `seq` changes on
// every reuse so that a late socket event for an earlier use is recognised and ignored.

import type { Socket } from 'node:net';
import type { DeadlineNode } from './deadlines';
import type { UdpLane } from './udp-lane';
import type { Upstream } from './upstream';

export const KIND_QUERY = 0;
export const KIND_PROBE = 1;
export const PROTO_UDP = 0;
export const PROTO_TCP = 1;

export type FailReason = 'timeout' | 'refused' | 'spoofed' | 'error';

export class Flight implements DeadlineNode {
  seq = 0;
  kind = KIND_QUERY;
  /** Our copy of the query; its ID is rewritten for each attempt. Grows, never shrinks. */
  buf: Buffer = Buffer.allocUnsafe(512);
  len = 0;
  /** End of the question in `buf` (wire.ts questionEnd). */
  qEnd = 0;
  clientId = 0;
  /** Lower-case name, for error messages. */
  qname = '';
  qtype = 0;
  /** The client asked over TCP (forward without prefer_udp then asks over TCP too). */
  clientTcp = false;

  /** Upstreams to try, in order; filled by the policy. */
  order: Upstream[] = [];
  count = 0;
  idx = 0;
  /** True when every upstream was down and `order` holds the one tried anyway. */
  fallback = false;

  upstream: Upstream | null = null;
  /** The ID of the current attempt, as sent. */
  id = 0;
  proto = PROTO_UDP;
  lane: UdpLane | null = null;
  tcp: Socket | null = null;
  /** performance.now() at resolve() and at the start of the current attempt. */
  started = 0;
  attemptStarted = 0;
  /** Reasons of the failed attempts, for the ALL_FAILED message. */
  tried = '';

  deadline = 0;
  dPrev: DeadlineNode | null = null;
  dNext: DeadlineNode | null = null;
  dQueued = false;

  resolveFn: ((b: Buffer) => void) | null = null;
  rejectFn: ((e: Error) => void) | null = null;
  /** Created once per Flight, so `new Promise(f.executor)` allocates no closure per query. */
  readonly executor = (res: (b: Buffer) => void, rej: (e: Error) => void): void => {
    this.resolveFn = res;
    this.rejectFn = rej;
  };

  /** Copy the caller's query; the caller keeps ownership of its buffer. */
  load(query: Buffer): void {
    if (this.buf.length < query.length) this.buf = Buffer.allocUnsafe(Math.max(query.length, this.buf.length * 2));
    query.copy(this.buf, 0, 0, query.length);
    this.len = query.length;
  }
}
