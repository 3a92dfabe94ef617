// CoreDNS `rewrite` in a block's chain: the rewritten question walks the rest of the chain
// (the links after rewrite: template, hosts, kubernetes, file, forward...) as a query of its
// own, and its answer comes back mapped by the rules' reverse (names back to what the client
// asked, answer name/value rules, ttl), under the client's ID and question. Not memoised: the
// rewritten question's own answer is, in the memo or the cache, under its own key.
import * as dnsPacket from 'dns-packet';
import { buildResponse, encodeAnswer, SERVFAIL, type QueryShape } from '../dns/encoded';
import { ParsedQuery, readQuery, ReadStatus } from '../dns/query';
import type { AnswerSet, Record } from '../dns/records';
import type { Rewritten } from '../plugins/types';
import type { Peer } from './answer-links';

/** What this step needs of the chain (resolver.ts). */
export interface RewriteChain {
  readonly lb: boolean;
  resolve(msg: Buffer, q: ParsedQuery, maxSize: number, peer?: Peer): Buffer | Promise<Buffer>;
}

export function viaRewrite(chain: RewriteChain, msg: Buffer, q: ParsedQuery, r: Rewritten, maxSize: number, peer: Peer | undefined): Buffer | Promise<Buffer> {
  const shape: QueryShape = { questionEnd: q.questionEnd, edns: q.edns, opcode: q.opcode, flags: q.flags };
  const asked = q.name;
  const inner = questionMessage(q.flags, r.name, r.qtype, r.qclass);
  const iq = new ParsedQuery();
  if (readQuery(inner, iq) !== ReadStatus.OK) return buildResponse(msg, shape, SERVFAIL, maxSize);
  // The whole answer (65535): it is cut to the client's size once mapped back.
  const out = chain.resolve(inner, iq, 65535, peer);
  const back = (b: Buffer): Buffer => {
    const p = dnsPacket.decode(b);
    const clean = (rs: dnsPacket.Answer[] | undefined) => (rs ?? []).filter((x) => x.type !== 'OPT') as unknown as Record[];
    const flags = p.flags ?? 0;
    const set: AnswerSet = {
      rcode: flags & 0xf,
      authoritative: (flags & 0x0400) !== 0,
      answers: clean(p.answers),
      authority: clean(p.authorities),
      additional: clean(p.additionals),
    };
    return buildResponse(msg, shape, encodeAnswer(asked, r.reverse(set)), maxSize, 0, chain.lb);
  };
  return out instanceof Promise ? out.then(back) : back(out);
}

/** A query (the client's RD bit) for one question, written by hand so any type and class go out as is. */
function questionMessage(flags: number, name: string, qtype: number, qclass: number): Buffer {
  const labels = name === '' ? [] : name.split('.');
  const q = Buffer.alloc(12 + (name === '' ? 1 : Buffer.byteLength(name, 'latin1') + 2) + 4);
  q.writeUInt16BE(flags & 0x0100, 2);
  q.writeUInt16BE(1, 4);
  let at = 12;
  for (const l of labels) {
    q[at++] = l.length;
    at += q.write(l, at, 'latin1');
  }
  q[at++] = 0;
  q.writeUInt16BE(qtype, at);
  q.writeUInt16BE(qclass, at + 2);
  return q;
}
