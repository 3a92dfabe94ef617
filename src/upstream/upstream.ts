// One upstream server: its address, its health and its UDP sockets. The same object serves
// every set that names the address (default upstreams and stub domains), so health learned
// through one is used by all.

import { isIP } from 'node:net';
import type { HostPort } from '../config/options';
import type { UdpLane } from './udp-lane';

export class Upstream {
  readonly host: string;
  readonly port: number;
  readonly family: 4 | 6;
  /** The `to` label of coredns_forward_* metrics: `1.2.3.4:53`, `[::1]:53`. */
  readonly key: string;
  /** Consecutive failed attempts; reset by any reply. */
  fails = 0;
  down = false;
  /** A health probe is in flight for it. */
  probing = false;
  /** Fixed-size ring of connected UDP sockets (udp-lane.ts); null until first used. */
  readonly lanes: (UdpLane | null)[];
  laneNext = 0;

  constructor(hp: HostPort, lanes: number) {
    this.host = hp.host;
    this.port = hp.port;
    this.family = isIP(hp.host) === 6 ? 6 : 4;
    this.key = this.family === 6 ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`;
    this.lanes = new Array<UdpLane | null>(lanes).fill(null);
  }
}

/** The upstreams a query may go to: the default set or a stub domain's. */
export class ServerSet {
  /** round_robin position. */
  rr = 0;
  constructor(readonly servers: Upstream[]) {}
}
