// Shared by the unit tests of src/resolve/: queries and upstream replies built with dns-packet
// (an independent encoder), a parsed query as the server's reader makes it, and fake links.
import * as dnsPacket from 'dns-packet';
import { ParsedQuery, readQuery, ReadStatus } from '../../src/dns/query';
import type { ForwardPath } from '../../src/resolve/resolver';
import type { AnswerSet } from '../../src/dns/records';
import type { ChasedAnswer } from '../../src/cluster/context';

export function query(name: string, type: dnsPacket.RecordType = 'A', o: { id?: number; edns?: number; klass?: 'IN' | 'CH' } = {}): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id: o.id ?? 0x4242,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type, class: o.klass ?? 'IN' }],
    additionals: o.edns ? [{ type: 'OPT', name: '.', udpPayloadSize: o.edns, flags: 0 } as dnsPacket.Answer] : [],
  });
}

/** The query as the server reads it (a fresh ParsedQuery each time). */
export function parse(msg: Buffer): ParsedQuery {
  const q = new ParsedQuery();
  if (readQuery(msg, q) !== ReadStatus.OK) throw new Error('test query does not parse');
  return q;
}

/** End of the question of a query built by query() without EDNS. */
export const questionEnd = (name: string) => 12 + (name === '' ? 1 : name.length + 2) + 4;

/** An upstream's reply to `msg` (its ID and question echoed). */
export function reply(msg: Buffer, o: { rcode?: number; answers?: dnsPacket.Answer[]; authorities?: dnsPacket.Answer[]; additionals?: dnsPacket.Answer[]; aa?: boolean } = {}): Buffer {
  const q = dnsPacket.decode(msg);
  let flags = dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | (o.rcode ?? 0);
  if (o.aa) flags |= dnsPacket.AUTHORITATIVE_ANSWER;
  return dnsPacket.encode({ type: 'response', id: q.id, flags, questions: q.questions, answers: o.answers ?? [], authorities: o.authorities ?? [], additionals: o.additionals ?? [] });
}

export const A = (name: string, ip: string, ttl = 60): dnsPacket.Answer => ({ name, type: 'A', ttl, data: ip });
export const soa = (zone: string, ttl: number, minimum: number): dnsPacket.Answer =>
  ({ name: zone, type: 'SOA', ttl, data: { mname: `ns.${zone}`, rname: `host.${zone}`, serial: 1, refresh: 1, retry: 1, expire: 1, minimum } }) as dnsPacket.Answer;

export const decode = (b: Buffer) => dnsPacket.decode(b);
export const rcodeName = (p: dnsPacket.DecodedPacket) => (p as { rcode?: string }).rcode ?? 'NOERROR';
export const ttlsOf = (p: dnsPacket.DecodedPacket, s: 'answers' | 'authorities' | 'additionals' = 'answers') =>
  (p[s] ?? []).filter((r) => r.type !== 'OPT').map((r) => (r as { ttl?: number }).ttl);
export const dataOf = (p: dnsPacket.DecodedPacket, s: 'answers' | 'authorities' | 'additionals' = 'answers') =>
  (p[s] ?? []).filter((r) => r.type !== 'OPT').map((r) => `${r.name} ${r.type} ${typeof (r as { data?: unknown }).data === 'string' ? (r as { data: string }).data : JSON.stringify((r as { data?: unknown }).data)}`);

export interface ForwardCall {
  query: Buffer;
  name: string;
  qtype: number;
  resolve(b: Buffer): void;
  reject(e: unknown): void;
}

/**
 * A forward path whose calls the test settles by hand (`calls[i].resolve(...)`), or at once
 * through `auto` when set.
 */
export class FakeForward implements ForwardPath {
  readonly calls: ForwardCall[] = [];
  auto: ((query: Buffer, name: string, qtype: number) => Buffer | { code: string }) | null = null;

  resolve(query: Buffer, name: string, qtype: number): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const copy = Buffer.from(query);
      this.calls.push({ query: copy, name, qtype, resolve, reject });
      if (this.auto) {
        const out = this.auto(copy, name, qtype);
        if (Buffer.isBuffer(out)) resolve(out);
        else reject(out);
      }
    });
  }
}

/** A cluster zone that answers from a map of `name type` -> answer, and counts its calls. */
export class FakeZone {
  calls = 0;
  readonly answers = new Map<string, ChasedAnswer>();
  answer(name: string, qtype: number): ChasedAnswer | null {
    this.calls++;
    return this.answers.get(`${name} ${qtype}`) ?? null;
  }
  /** Suffixes this zone may answer later though it passes them now (as the reverse catch-all). */
  readonly claimed = ['.arpa'];
  claims(name: string): boolean {
    return this.claimed.some((s) => name.endsWith(s));
  }
}

export const positiveSet = (answers: AnswerSet['answers'], extra: Partial<ChasedAnswer> = {}): ChasedAnswer => ({
  rcode: 0,
  authoritative: true,
  answers,
  authority: [],
  additional: [],
  ...extra,
});

/** Lets pending promise callbacks run. */
export const flush = () => new Promise<void>((r) => setImmediate(r));
