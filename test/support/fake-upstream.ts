// A fake upstream resolver for tests: real UDP and TCP sockets on 127.0.0.1 (or ::1), same port for
// both, with switchable behaviour. Messages are built and read with dns-packet, so the code
// under test is checked against an independent encoder.
//
// Modes:
//   answer    A <answerIp> for A questions, NS for `. NS`, NOERROR/no data otherwise
//   drop      read and never answer (a black hole: no ICMP either)
//   delay     answer after delayMs
//   servfail  rcode SERVFAIL
//   truncate  over UDP: TC set and no records; over TCP: the whole answer (tcpRecords A records)
//   spoof     over UDP: a reply with a wrong ID, then one with a wrong question, then the real one
//   nxdomain  rcode NXDOMAIN
// down() closes both sockets (sends to the port then get ICMP port unreachable); up() rebinds
// the same port. `onQuery` can take over any query (loop tests forward it back).

import dgram from 'node:dgram';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { HostPort } from '../../src/config/options';

type Reply = Buffer | Buffer[] | null | undefined;

export type FakeMode = 'answer' | 'drop' | 'delay' | 'servfail' | 'truncate' | 'spoof' | 'nxdomain';

export interface Received {
  proto: 'udp' | 'tcp';
  id: number;
  name: string;
  type: string;
  /** Source port of the query. */
  port: number;
  raw: Buffer;
}

export interface FakeUpstreamOptions {
  mode?: FakeMode;
  delayMs?: number;
  /** The address answered for A questions; tells tests which upstream answered. */
  answerIp?: string;
  /** Listen address: '127.0.0.1' (default) or '::1'. */
  host?: '127.0.0.1' | '::1';
  /** Records in the full TCP answer of mode `truncate`. */
  tcpRecords?: number;
  /**
   * Return wire messages to send instead (several: sent in order, e.g. a forgery first), null to
   * drop, undefined to use the mode.
   */
  onQuery?: (raw: Buffer, q: dnsPacket.DecodedPacket, proto: 'udp' | 'tcp') => Promise<Reply> | Reply;
}

const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n, 0);
  return b;
}

export class FakeUpstream {
  mode: FakeMode;
  delayMs: number;
  answerIp: string;
  tcpRecords: number;
  onQuery: FakeUpstreamOptions['onQuery'];
  readonly host: '127.0.0.1' | '::1';
  port = 0;
  readonly received: Received[] = [];
  private udp: dgram.Socket | null = null;
  private tcp: net.Server | null = null;
  private readonly conns = new Set<net.Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(o: FakeUpstreamOptions) {
    this.mode = o.mode ?? 'answer';
    this.delayMs = o.delayMs ?? 0;
    this.answerIp = o.answerIp ?? '192.0.2.1';
    this.tcpRecords = o.tcpRecords ?? 60;
    this.onQuery = o.onQuery;
    this.host = o.host ?? '127.0.0.1';
  }

  /** Start on an ephemeral port (UDP and TCP alike). Register `close()` right after. */
  static async start(o: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
    const f = new FakeUpstream(o);
    for (let tries = 0; ; tries++) {
      try {
        await f.bind(0);
        return f;
      } catch (e) {
        // The UDP port chosen for TCP can be taken; try another pair a few times.
        if (tries >= 10) throw e;
      }
    }
  }

  get hostPort(): HostPort {
    return { host: this.host, port: this.port };
  }

  /** `127.0.0.1:<port>` or `[::1]:<port>`, the label the forwarder uses for it. */
  get key(): string {
    return this.host === '::1' ? `[::1]:${this.port}` : `${this.host}:${this.port}`;
  }

  count(filter: (r: Received) => boolean = () => true): number {
    return this.received.filter(filter).length;
  }

  async down(): Promise<void> {
    await this.closeSockets();
  }

  async up(): Promise<void> {
    await this.bind(this.port);
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.closeSockets();
  }

  // --- sockets ---

  private async bind(port: number): Promise<void> {
    const tcp = net.createServer((c) => this.onConnection(c));
    await new Promise<void>((res, rej) => {
      tcp.once('error', rej);
      tcp.listen(port, this.host, () => res());
    });
    const p = (tcp.address() as net.AddressInfo).port;
    const udp = dgram.createSocket(this.host === '::1' ? 'udp6' : 'udp4');
    try {
      await new Promise<void>((res, rej) => {
        udp.once('error', rej);
        udp.bind(p, this.host, () => res());
      });
    } catch (e) {
      udp.close();
      await new Promise<void>((r) => tcp.close(() => r()));
      throw e;
    }
    udp.on('message', (m, r) => this.onUdp(m, r));
    this.udp = udp;
    this.tcp = tcp;
    this.port = p;
  }

  private async closeSockets(): Promise<void> {
    const udp = this.udp;
    const tcp = this.tcp;
    this.udp = null;
    this.tcp = null;
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    if (udp !== null) await new Promise<void>((r) => udp.close(() => r()));
    if (tcp !== null) await new Promise<void>((r) => tcp.close(() => r()));
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  // --- UDP ---

  private onUdp(raw: Buffer, rinfo: dgram.RemoteInfo): void {
    const sock = this.udp;
    if (sock === null) return;
    const q = this.record(raw, 'udp', rinfo.port);
    if (q === null) return;
    const send = (b: Buffer): void => {
      if (this.udp === sock) sock.send(b, rinfo.port, rinfo.address);
    };
    void this.respond(raw, q, 'udp').then((out) => {
      if (out === null) return;
      if (Array.isArray(out)) {
        for (const m of out) send(m);
        return;
      }
      const b = out;
      if (this.mode === 'spoof') {
        const wrongId = Buffer.from(b);
        wrongId.writeUInt16BE((q.id ?? 0) ^ 0x5a5a, 0);
        send(wrongId);
        send(this.answer(q, { questionName: `evil-${q.questions?.[0]?.name ?? ''}` }));
        this.later(20, () => send(b));
        return;
      }
      if (this.mode === 'delay') this.later(this.delayMs, () => send(b));
      else send(b);
    });
  }

  // --- TCP (RFC 7766 framing) ---

  private onConnection(c: net.Socket): void {
    this.conns.add(c);
    c.on('close', () => this.conns.delete(c));
    c.on('error', () => {});
    let acc = Buffer.alloc(0);
    c.on('data', (chunk) => {
      acc = Buffer.concat([acc, chunk]);
      while (acc.length >= 2 && acc.length >= 2 + acc.readUInt16BE(0)) {
        const raw = acc.subarray(2, 2 + acc.readUInt16BE(0));
        acc = acc.subarray(2 + raw.length);
        const q = this.record(Buffer.from(raw), 'tcp', c.remotePort ?? 0);
        if (q === null) continue;
        void this.respond(raw, q, 'tcp').then((out) => {
          if (out === null || c.destroyed) return;
          const frame = Buffer.concat((Array.isArray(out) ? out : [out]).flatMap((b) => [u16(b.length), b]));
          const write = (): void => {
            if (!c.destroyed) c.write(frame);
          };
          if (this.mode === 'delay') this.later(this.delayMs, write);
          else write();
        });
      }
    });
  }

  // --- answers ---

  private record(raw: Buffer, proto: 'udp' | 'tcp', port: number): dnsPacket.DecodedPacket | null {
    let q: dnsPacket.DecodedPacket;
    try {
      q = dnsPacket.decode(raw);
    } catch {
      return null;
    }
    const qq = q.questions?.[0];
    this.received.push({ proto, id: q.id ?? 0, name: qq?.name ?? '', type: qq?.type ?? '', port, raw: Buffer.from(raw) });
    return q;
  }

  private async respond(raw: Buffer, q: dnsPacket.DecodedPacket, proto: 'udp' | 'tcp'): Promise<Buffer | Buffer[] | null> {
    if (this.onQuery !== undefined) {
      const b = await this.onQuery(raw, q, proto);
      if (b !== undefined) return b;
    }
    switch (this.mode) {
      case 'drop':
        return null;
      case 'servfail':
        return this.answer(q, { rcode: RCODE_SERVFAIL, empty: true });
      case 'nxdomain':
        return this.answer(q, { rcode: RCODE_NXDOMAIN, empty: true });
      case 'truncate':
        return proto === 'udp' ? this.answer(q, { tc: true, empty: true }) : this.answer(q, { records: this.tcpRecords });
      default:
        return this.answer(q, {});
    }
  }

  answer(
    q: dnsPacket.DecodedPacket,
    o: { rcode?: number; tc?: boolean; empty?: boolean; records?: number; questionName?: string },
  ): Buffer {
    const question = q.questions?.[0] ?? { name: '', type: 'A' as const };
    const answers: dnsPacket.Answer[] = [];
    if (!o.empty && question.type === 'A') {
      const n = o.records ?? 1;
      for (let i = 0; i < n; i++) {
        const ip = n === 1 ? this.answerIp : `10.1.${i >> 8}.${i & 255}`;
        answers.push({ name: question.name, type: 'A', ttl: 60, data: ip });
      }
    } else if (!o.empty && question.type === 'NS' && (question.name === '' || question.name === '.')) {
      answers.push({ name: '', type: 'NS', ttl: 60, data: 'a.root-servers.net' });
    }
    let flags = dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (o.rcode ?? 0);
    if (o.tc) flags |= dnsPacket.TRUNCATED_RESPONSE;
    return dnsPacket.encode({
      type: 'response',
      id: q.id ?? 0,
      flags,
      questions: [{ ...question, name: o.questionName ?? question.name }],
      answers,
    });
  }
}
