// A connected UDP socket to one upstream, shared by many queries (matched by ID).
//
// Why connected sockets, a few per upstream, replaced often (measured in README "Design"):
// - connect(2) makes the kernel drop datagrams from any other address/port before we see them,
//   and report ICMP port-unreachable as ECONNREFUSED, so a dead upstream on a reachable host
//   fails in one round trip instead of a 2 s timeout (CoreDNS gets the same from net.Dial).
// - A socket per query (create + connect + close) more than doubles the CPU of a forward:
//   17-20 µs against 7.7 µs per query, measured (README "Design"). Rotating a small pool keeps
//   source ports changing (RFC 5452 §9.2) at no measurable cost: each lane is retired after
//   `maxQueries` sends or `maxAgeMs`, its replacement gets a fresh kernel-chosen ephemeral
//   port, and the retired socket closes once its last query ends.

import dgram from 'node:dgram';
import type { Flight } from './flight';
import type { Upstream } from './upstream';

export interface LaneHost {
  laneMessage(lane: UdpLane, msg: Buffer, rinfo: dgram.RemoteInfo): void;
  laneError(lane: UdpLane, err: NodeJS.ErrnoException): void;
  laneReady(lane: UdpLane): void;
}

/** How many recently timed-out IDs a lane remembers, to tell a late reply from a forged one. */
const LATE_RING = 64;

export class UdpLane {
  readonly sock: dgram.Socket;
  /** Attempts waiting for a reply on this socket, by the ID they were sent with. */
  readonly pending = new Map<number, Flight>();
  /** Attempts queued while connect() completes (it is asynchronous even for IP literals). */
  readonly waiting: Flight[] = [];
  ready = false;
  retired = false;
  closed = false;
  sent = 0;
  /** The peer as the kernel spells it (canonical IPv6), for the source check. */
  peerAddress = '';
  private readonly late = new Int32Array(LATE_RING).fill(-1);
  private lateNext = 0;

  constructor(
    readonly up: Upstream,
    readonly born: number,
    host: LaneHost,
  ) {
    this.sock = dgram.createSocket(up.family === 6 ? 'udp6' : 'udp4');
    this.sock.on('message', (msg, rinfo) => host.laneMessage(this, msg, rinfo));
    this.sock.on('error', (err) => host.laneError(this, err));
    this.sock.connect(up.port, up.host, () => {
      if (this.closed) return;
      this.ready = true;
      this.peerAddress = this.sock.remoteAddress().address;
      host.laneReady(this);
    });
  }

  /** Without a callback: a send error arrives as an 'error' event, no closure per query. */
  send(f: Flight): void {
    this.sock.send(f.buf, 0, f.len);
  }

  noteLate(id: number): void {
    this.late[this.lateNext] = id;
    this.lateNext = (this.lateNext + 1) % LATE_RING;
  }

  /** Only asked for replies whose ID matches nothing pending: never on the normal path. */
  isLate(id: number): boolean {
    return this.late.indexOf(id) !== -1;
  }

  get idle(): boolean {
    return this.pending.size === 0;
  }

  /** Resolves once the socket's handle is released. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => {
      try {
        this.sock.close(resolve);
      } catch {
        resolve(); // already closed by an error path; nothing left to release
      }
    });
  }
}
