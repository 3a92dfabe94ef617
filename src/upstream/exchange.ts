// Sending one attempt of a flight to one upstream and accepting its reply: UDP over a lane
// (udp-lane.ts), TCP for a truncated answer (tcp.ts), and the read timeout (deadlines.ts).
//
// A reply is accepted only when it comes from the upstream's address and port, carries the ID
// we sent, has QR set and repeats our question (RFC 5452 §9.1, §9.2). Anything else is
// dropped, reported as spoofed, and the attempt keeps waiting: the real reply is still taken
// if it arrives within the timeout (a forged packet must not be able to fail a query either).

import type dgram from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { DeadlineList } from './deadlines';
import { type FailReason, Flight, PROTO_TCP, PROTO_UDP } from './flight';
import { randomId } from './random-id';
import { openTcp } from './tcp';
import { UdpLane, type LaneHost } from './udp-lane';
import type { Upstream } from './upstream';
import { isResponse, sameQuestion } from './wire';

/** Queries pending on one socket at most: half the 16-bit ID space. */
const LANE_MAX_PENDING = 32768;

export interface ExchangeHost {
  /** An accepted reply; `msg` is ours to keep (exact-size buffer). */
  reply(f: Flight, msg: Buffer): void;
  fail(f: Flight, reason: FailReason): void;
  spoofed(up: Upstream): void;
}

export interface ExchangeOptions {
  timeoutMs: number;
  tickMs: number;
  laneMaxQueries: number;
  laneMaxAgeMs: number;
}

export class Exchanger implements LaneHost {
  private readonly deadlines: DeadlineList<Flight>;
  private readonly lanes = new Set<UdpLane>();

  constructor(
    private readonly opts: ExchangeOptions,
    private readonly host: ExchangeHost,
  ) {
    this.deadlines = new DeadlineList<Flight>(opts.tickMs, performance.now.bind(performance), (f) => this.expire(f));
  }

  udp(f: Flight, up: Upstream): void {
    const now = performance.now();
    const lane = this.pickLane(up, now);
    let id = randomId();
    while (lane.pending.has(id)) id = randomId();
    f.upstream = up;
    f.proto = PROTO_UDP;
    f.attemptStarted = now;
    f.id = id;
    f.buf.writeUInt16BE(id, 0);
    f.lane = lane;
    lane.pending.set(id, f);
    lane.sent++;
    this.deadlines.push(f, now + this.opts.timeoutMs);
    if (lane.ready) lane.send(f);
    else lane.waiting.push(f);
  }

  /** RFC 7766 §5: a truncated UDP answer is asked again over TCP, same upstream, new ID. */
  tcp(f: Flight, up: Upstream): void {
    const now = performance.now();
    f.upstream = up;
    f.proto = PROTO_TCP;
    f.attemptStarted = now;
    f.id = randomId();
    f.buf.writeUInt16BE(f.id, 0);
    this.deadlines.push(f, now + this.opts.timeoutMs);
    const seq = f.seq;
    f.tcp = openTcp(up, f.buf, f.len, {
      message: (sock, msg) => {
        if (f.seq !== seq || f.tcp !== sock) return true;
        if (msg.length < 12 || msg.readUInt16BE(0) !== f.id || !isResponse(msg) || !sameQuestion(msg, f.buf, f.qEnd)) {
          this.host.spoofed(up);
          return false; // keep reading: the real answer may follow on the same connection
        }
        this.detach(f);
        this.host.reply(f, msg);
        return true;
      },
      failed: (sock, reason) => {
        if (f.seq !== seq || f.tcp !== sock) return;
        this.detach(f);
        this.host.fail(f, reason);
      },
    });
  }

  /** End the current attempt (reply, failure, shutdown): deadline, ID and socket released. */
  detach(f: Flight): void {
    this.deadlines.remove(f);
    const lane = f.lane;
    if (lane !== null) {
      f.lane = null;
      if (lane.pending.get(f.id) === f) lane.pending.delete(f.id);
      if (lane.retired && lane.idle) this.closeLane(lane);
    }
    const sock = f.tcp;
    if (sock !== null) {
      f.tcp = null;
      sock.destroy();
    }
  }

  get idle(): boolean {
    return this.deadlines.empty;
  }

  /** Stop every attempt in flight (each one has a deadline queued) and hand it to `fn`. */
  drain(fn: (f: Flight) => void): void {
    this.deadlines.drain((f) => {
      this.detach(f);
      fn(f);
    });
  }

  async close(): Promise<void> {
    this.deadlines.stop();
    const closing = [...this.lanes].map((lane) => lane.close());
    this.lanes.clear();
    await Promise.all(closing);
  }

  /** Number of open UDP sockets, for tests and leak checks. */
  get openLanes(): number {
    return this.lanes.size;
  }

  // --- LaneHost ---

  laneMessage(lane: UdpLane, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (msg.length < 12) {
      this.host.spoofed(lane.up);
      return;
    }
    const id = msg.readUInt16BE(0);
    const f = lane.pending.get(id);
    if (f === undefined) {
      // A reply after its timeout is not an attack: drop it quietly.
      if (!lane.isLate(id)) this.host.spoofed(lane.up);
      return;
    }
    if (rinfo.port !== lane.up.port || rinfo.address !== lane.peerAddress || !isResponse(msg) || !sameQuestion(msg, f.buf, f.qEnd)) {
      this.host.spoofed(lane.up);
      return;
    }
    this.detach(f);
    this.host.reply(f, msg);
  }

  laneError(lane: UdpLane, err: NodeJS.ErrnoException): void {
    // ECONNREFUSED: ICMP port unreachable for an earlier datagram of this connected socket.
    // Every query pending here went to the same address and port, so fail them all now rather
    // than leave each to its timeout; the socket itself stays usable.
    const reason: FailReason = err.code === 'ECONNREFUSED' ? 'refused' : 'error';
    const victims = [...lane.pending.values()];
    if (!lane.ready) this.retire(lane); // connect() failed: this socket will never send
    for (const f of victims) {
      if (f.lane !== lane) continue;
      this.detach(f);
      this.host.fail(f, reason);
    }
  }

  laneReady(lane: UdpLane): void {
    for (const f of lane.waiting) {
      if (f.lane === lane && lane.pending.get(f.id) === f) lane.send(f);
    }
    lane.waiting.length = 0;
  }

  // --- internals ---

  private expire(f: Flight): void {
    const lane = f.lane;
    if (lane !== null) lane.noteLate(f.id);
    this.detach(f);
    this.host.fail(f, 'timeout');
  }

  private pickLane(up: Upstream, now: number): UdpLane {
    const i = up.laneNext;
    up.laneNext = i + 1 === up.lanes.length ? 0 : i + 1;
    let lane = up.lanes[i];
    if (
      lane !== null &&
      (lane.retired ||
        lane.sent >= this.opts.laneMaxQueries ||
        now - lane.born >= this.opts.laneMaxAgeMs ||
        // Keep IDs easy to draw (udp() loops until one is free): a crowded socket is replaced.
        lane.pending.size >= LANE_MAX_PENDING)
    ) {
      this.retire(lane);
      lane = null;
    }
    if (lane === null) {
      lane = new UdpLane(up, now, this);
      up.lanes[i] = lane;
      this.lanes.add(lane);
    }
    return lane;
  }

  private retire(lane: UdpLane): void {
    lane.retired = true;
    const slot = lane.up.lanes.indexOf(lane);
    if (slot !== -1) lane.up.lanes[slot] = null;
    if (lane.idle) this.closeLane(lane);
  }

  private closeLane(lane: UdpLane): void {
    void lane.close();
    this.lanes.delete(lane);
  }
}
