// Batched UDP listener (issue 6): the same contract as UdpListener (udp.ts) over the native
// addon in native/udp.c. Node 20's dgram makes one sendmsg syscall and one JS<->C++ transition
// per datagram each way; a profile at ~225k QPS put 37% of the server's time in dgram's doSend
// and ~22% in its receive path, which is also what a bare dgram echo server tops out at. Here
// one recvmmsg fills up to BATCH datagrams into a shared arena, one JS call answers them, and
// one sendmmsg sends the replies. Figures: bench/micro/README.md.
//
// The addon is optional: `npm ci` builds it when a compiler is there, and nativeUdpAvailable()
// tells the caller whether to use this class or UdpListener (node:dgram).
import assert from 'node:assert';
import fs from 'node:fs';
import { isIP } from 'node:net';
import type { HostPort } from '../config/options';
import { PROTO_UDP, type QueryHandler } from './handler';
import { BATCH, COUNTERS, SLOT, loadAddon, nativeUdpUnavailableReason, type Binding, type FastUdpCounters, type NativeHandle, type OpenOptions } from './udp-addon';

export { nativeUdpAvailable, nativeUdpUnavailableReason, type FastUdpCounters } from './udp-addon';

// `performance` is a lazy getter on globalThis in Node 20: read it once, not per batch.
const perf = performance;

/**
 * The client of the datagram in one arena slot, decoded only when a link reads it (whoami, a
 * template reading .Remote): the slot holds the kernel's sockaddr_in / sockaddr_in6 (Linux
 * layout: family in host order, then the port in network order, then the address).
 */
export class ArenaPeer {
  /** Byte offset of the current slot in `addrs`. */
  at = 0;
  constructor(private readonly addrs: Uint8Array) {}

  get address(): string {
    const a = this.addrs;
    const at = this.at;
    const family = a[at] | (a[at + 1] << 8);
    if (family === 2) return `${a[at + 4]}.${a[at + 5]}.${a[at + 6]}.${a[at + 7]}`;
    if (family !== 10) return '';
    const groups: string[] = [];
    for (let i = 0; i < 8; i++) groups.push(((a[at + 8 + 2 * i] << 8) | a[at + 9 + 2 * i]).toString(16));
    // Not the shortest form (no :: compression): a valid address whoami's family check reads.
    return groups.join(':');
  }

  get port(): number {
    return (this.addrs[this.at + 2] << 8) | this.addrs[this.at + 3];
  }
}

export class FastUdpListener {
  private handle: NativeHandle | null = null;
  private closed = false;
  private readonly b: Binding;
  private readonly family: number;
  private readonly addrSlot: number;
  private readonly recv: Uint8Array;
  private readonly send: Uint8Array;
  private readonly addrs: Uint8Array;
  /** Received lengths (-1: dropped), reply source indexes, reply lengths, reply count. */
  private readonly lens: Int32Array;
  private readonly replySrc: Int32Array;
  private readonly replyLen: Int32Array;
  private readonly replyCount: Int32Array;
  private readonly counterValues: Float64Array;
  private readonly opts: OpenOptions;
  private readonly peer: ArenaPeer;

  /**
   * Same arguments as UdpListener, plus whether to join the port's SO_REUSEPORT group: with
   * --workers N the main thread and every UDP thread bind their own socket on the port and the
   * kernel spreads clients over them (server/threads.ts). Otherwise the bind is exclusive, so a
   * port already in use fails with EADDRINUSE as with dgram.
   */
  constructor(
    addr: HostPort,
    private readonly handler: QueryHandler,
    private readonly onError: (err: Error) => void,
    private readonly reusePort: boolean = false,
  ) {
    const b = loadAddon();
    // Our bug, not the user's (STYLE rule 12): callers check nativeUdpAvailable() first.
    assert(b, `FastUdpListener without the addon (${nativeUdpUnavailableReason()}): check nativeUdpAvailable() and use UdpListener`);
    this.b = b;
    this.family = isIP(addr.host) === 6 ? 1 : 0;
    this.addrSlot = b.ADDR_SLOT;
    const recv = new ArrayBuffer(BATCH * SLOT);
    const send = new ArrayBuffer(BATCH * SLOT);
    const addrs = new ArrayBuffer(BATCH * b.ADDR_SLOT);
    const meta = new ArrayBuffer((3 * BATCH + 1) * 4);
    const counters = new ArrayBuffer(b.COUNTERS * 8);
    this.recv = new Uint8Array(recv);
    this.send = new Uint8Array(send);
    this.addrs = new Uint8Array(addrs);
    this.peer = new ArenaPeer(this.addrs);
    this.lens = new Int32Array(meta, 0, BATCH);
    this.replySrc = new Int32Array(meta, BATCH * 4, BATCH);
    this.replyLen = new Int32Array(meta, 2 * BATCH * 4, BATCH);
    this.replyCount = new Int32Array(meta, 3 * BATCH * 4, 1);
    this.counterValues = new Float64Array(counters);
    this.opts = {
      family: this.family === 1 ? 6 : 4,
      host: addr.host,
      port: addr.port,
      reusePort,
      batch: BATCH,
      slot: SLOT,
      recv,
      send,
      addrs,
      meta,
      counters,
      onBatch: (n) => this.onBatch(n),
      // Native receive/send errors after bind (rate-limited there); a throw from onBatch too.
      onError: (e) => this.onError(e instanceof Error ? e : new Error(String(e))),
    };
  }

  /**
   * Resolves with the bound port (useful with port 0 in tests). `exclusive` as in UdpListener:
   * true never joins a SO_REUSEPORT group.
   */
  listen(exclusive = false): Promise<number> {
    // A second listen() would leak the first socket (dgram throws ERR_SOCKET_ALREADY_BOUND).
    assert(this.handle === null, 'FastUdpListener.listen() called twice');
    this.closed = false;
    try {
      // Hosts are IP literals (config/ validates --listen); anything else fails here as
      // `bind EINVAL host:port`, like dgram's bind would.
      const reusePort = this.reusePort && !exclusive;
      for (let attempt = 1; ; attempt++) {
        this.handle = this.b.open({ ...this.opts, reusePort });
        // Port 0 in a SO_REUSEPORT group: Linux may hand out a port another socket of the same
        // user already holds with SO_REUSEPORT (another test server), silently joining its
        // group. Then take another port (the other side, if it is ours, does the same).
        if (!reusePort || this.opts.port !== 0 || attempt >= 20 || udpSocketsOnPort(this.handle.port, this.family) <= 1) break;
        this.b.close(this.handle);
      }
      return Promise.resolve(this.handle.port);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  close(): Promise<void> {
    this.closed = true;
    const h = this.handle;
    this.handle = null;
    // The socket is closed when this returns: the port can be bound again at once.
    if (h) this.b.close(h);
    return Promise.resolve();
  }

  /** Native counters (received, sent, dropped...) since listen(); for metrics and the bench. */
  counters(): FastUdpCounters {
    const out = {} as FastUdpCounters;
    COUNTERS.forEach((k, i) => (out[k] = this.counterValues[i]));
    return out;
  }

  /**
   * The hot path: `n` datagrams sit in the receive arena. Sync answers are copied into the send
   * arena and go out in one sendmmsg when this returns; async ones (forwarded names) keep a copy
   * of the client's address and are sent on their own when they settle.
   */
  private onBatch(n: number): void {
    const { recv, send, lens, replySrc, replyLen, handler, family } = this;
    // One clock read per batch: every datagram of it arrived before this call.
    const started = perf.now();
    let k = 0;
    for (let i = 0; i < n; i++) {
      const len = lens[i];
      if (len < 0) continue;
      // A copy, not a view: the resolver keeps `msg` while a forwarded answer is pending, and
      // the arena slot is overwritten by the next recvmmsg. Measured: +30-35 ns per query over
      // a view (bench/micro/fast-udp-copy.js), about 1% of the ~3.3 us a query costs.
      const off = i * SLOT;
      const msg = Buffer.allocUnsafe(len);
      msg.set(recv.subarray(off, off + len));
      let out: Buffer | Promise<Buffer> | null;
      try {
        this.peer.at = i * this.addrSlot;
        out = handler.handle(msg, PROTO_UDP, family, started, this.peer);
      } catch (e) {
        // QueryHandler turns throws into SERVFAIL; this only guards the batch (STYLE rule 12).
        this.onError(e as Error);
        continue;
      }
      // close() from inside the handler: as with a closed dgram socket, nothing more is read
      // or sent (the native side skips this batch's sendmmsg).
      if (this.closed) break;
      if (out === null) continue;
      if (out instanceof Promise) {
        this.later(out, this.token(i));
      } else if (out.length > SLOT) {
        if (this.handle !== null) this.b.sendTo(this.handle, out, this.token(i));
      } else {
        send.set(out, k * SLOT);
        replySrc[k] = i;
        replyLen[k] = out.length;
        k++;
      }
    }
    this.replyCount[0] = k;
  }

  /** A copy of the client's sockaddr from slot i, for a reply sent after the arena moved on. */
  private token(i: number): Buffer {
    const t = Buffer.allocUnsafe(this.addrSlot);
    t.set(this.addrs.subarray(i * this.addrSlot, (i + 1) * this.addrSlot));
    return t;
  }

  private later(p: Promise<Buffer>, token: Buffer): void {
    p.then(
      (b) => {
        const h = this.handle;
        if (h !== null && !this.closed) this.b.sendTo(h, b, token);
      },
      (e: unknown) => this.onError(e instanceof Error ? e : new Error(String(e))),
    );
  }
}

/** UDP sockets bound to `port` on any address of the family (1 = IPv6), from the kernel's table. */
export function udpSocketsOnPort(port: number, family: number): number {
  const suffix = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let text: string;
  try {
    text = fs.readFileSync(family === 1 ? '/proc/net/udp6' : '/proc/net/udp', 'utf8');
  } catch {
    return 1; // no procfs: nothing to check against
  }
  let n = 0;
  for (const line of text.split('\n')) if (line.trim().split(/\s+/)[1]?.endsWith(suffix)) n++;
  return n;
}
