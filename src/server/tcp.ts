// TCP listener (RFC 7766): 2-byte length framing, several queries per connection answered as
// they complete (§6.2.1.1 allows out-of-order replies), an idle timeout, and a cap on open
// connections so a flood of idle clients cannot exhaust file descriptors.
import net from 'node:net';
import { isIPv6 } from 'node:net';
import type { HostPort, TcpOptions } from '../config/options';
import { PROTO_TCP, type QueryHandler } from './handler';

export class TcpListener {
  private server: net.Server | null = null;
  /** Open connections and, for each, a function that ends it once its answers are written. */
  private readonly sockets = new Map<net.Socket, () => void>();
  private closing = false;
  rejected = 0;

  constructor(
    private readonly addr: HostPort,
    private readonly handler: QueryHandler,
    private readonly opts: TcpOptions,
    private readonly onError: (err: Error) => void,
  ) {}

  get connections(): number {
    return this.sockets.size;
  }

  listen(exclusive = false): Promise<number> {
    const family = isIPv6(this.addr.host) ? 1 : 0;
    // allowHalfOpen: a client that sends its queries and half-closes (RFC 7766 §6.2.3) must
    // still get answers that complete later (forwarded names); we end our side ourselves.
    const server = net.createServer({ noDelay: true, allowHalfOpen: true }, (sock) => this.accept(sock, family));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.addr.host, port: this.addr.port, exclusive, ipv6Only: family === 1 }, () => {
        server.off('error', reject);
        server.on('error', this.onError);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  }

  private accept(sock: net.Socket, family: number): void {
    if (this.sockets.size >= this.opts.maxConnections) {
      this.rejected++;
      sock.destroy();
      return;
    }
    sock.setTimeout(this.opts.idleTimeoutMs, () => sock.destroy());
    sock.on('close', () => this.sockets.delete(sock));
    sock.on('error', () => sock.destroy()); // resets from clients are routine
    let pending: Buffer = Buffer.alloc(0);
    let inFlight = 0;
    let ended = false;
    const maybeEnd = () => {
      if ((ended || this.closing) && inFlight === 0 && !sock.destroyed) sock.end();
    };
    this.sockets.set(sock, maybeEnd);
    const reply = (b: Buffer) => {
      if (sock.destroyed) return;
      const frame = Buffer.allocUnsafe(2 + b.length);
      frame.writeUInt16BE(b.length, 0);
      b.copy(frame, 2);
      sock.write(frame);
    };
    sock.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 2) {
        const len = pending.readUInt16BE(0);
        if (pending.length < 2 + len) break;
        // Each frame gets its own copy: `pending` is reused and async answers outlive this tick.
        const msg = Buffer.from(pending.subarray(2, 2 + len));
        pending = pending.subarray(2 + len);
        const out = this.handler.handle(msg, PROTO_TCP, family, performance.now(), sock);
        if (out === null) {
          // Not a query at all (shorter than a header, or a response): the stream is broken.
          sock.destroy();
          return;
        }
        if (!(out instanceof Promise)) reply(out);
        else {
          inFlight++;
          out.then(reply).finally(() => {
            inFlight--;
            maybeEnd();
          });
        }
      }
    });
    // A client that half-closes after its queries still gets every answer (RFC 7766 §6.2.3).
    sock.on('end', () => {
      ended = true;
      maybeEnd();
    });
  }

  /** Stop accepting; let connections finish their in-flight answers, then close them. */
  close(graceMs = 0): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return Promise.resolve();
    return new Promise((resolve) => {
      server.close(() => resolve());
      const drop = () => {
        for (const s of this.sockets.keys()) s.destroy();
      };
      this.closing = true;
      if (graceMs > 0) {
        // Each connection ends once its answers in flight are written; stragglers are cut at graceMs.
        for (const end of this.sockets.values()) end();
        setTimeout(drop, graceMs).unref();
      } else drop();
    });
  }
}
