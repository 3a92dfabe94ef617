// An upstream's response turned into an EncodedAnswer, so forwarded answers go through the
// same cache and response path as local ones (truncation per client, TTL decrement).
import { HEADER_LEN, RCODE, TYPE } from '../dns/constants';
import type { EncodedAnswer } from '../dns/encoded';
import { skipName } from '../dns/query';

export interface WireAnswer {
  answer: EncodedAnswer;
  /** Seconds this answer may be cached: smallest answer TTL, or for a negative answer
   * min(SOA TTL, SOA minimum) (RFC 2308 §5); -1 when it must not be cached. */
  cacheTtl: number;
  negative: boolean;
}

/**
 * @param questionEnd where the question ends in `msg` (equal to the client's: the forwarder
 *   checked the question matches).
 * @param maxTtl TTLs above it are lowered in the stored copy, so what is served is capped too.
 */
export function answerFromWire(msg: Buffer, questionEnd: number, minTtl: number, maxTtl: number): WireAnswer | null {
  if (msg.length < HEADER_LEN) return null;
  const flags = msg.readUInt16BE(2);
  const rcode = flags & 0xf;
  const an = msg.readUInt16BE(6);
  const ns = msg.readUInt16BE(8);
  const ar = msg.readUInt16BE(10);
  const rrEnds: number[] = [];
  const ttlOffsets: number[] = [];
  const body = Buffer.from(msg.subarray(questionEnd));
  let at = questionEnd;
  let smallest = Infinity;
  let soaNeg = Infinity;
  let kept = 0;
  let keptAr = 0;
  for (let i = 0; i < an + ns + ar; i++) {
    const nameEnd = skipName(msg, at);
    if (nameEnd < 0 || nameEnd + 10 > msg.length) return null;
    const type = msg.readUInt16BE(nameEnd);
    const next = nameEnd + 10 + msg.readUInt16BE(nameEnd + 8);
    if (next > msg.length) return null;
    // The upstream's OPT is about its hop, not ours (RFC 6891 §6.1.1): it and anything after it go.
    if (type === TYPE.OPT) break;
    const raw = msg.readUInt32BE(nameEnd + 4);
    const ttl = raw > 0x7fffffff ? 0 : raw; // RFC 2181 §8: the top bit set means 0
    const clamped = Math.min(Math.max(ttl, minTtl), maxTtl);
    if (clamped !== raw) body.writeUInt32BE(clamped, nameEnd + 4 - questionEnd);
    ttlOffsets.push(nameEnd + 4 - questionEnd);
    rrEnds.push(next - questionEnd);
    if (i < an) smallest = Math.min(smallest, clamped);
    else if (i < an + ns && type === TYPE.SOA) soaNeg = Math.min(clamped, msg.readUInt32BE(next - 4));
    if (i >= an + ns) keptAr++;
    kept++;
    at = next;
  }
  const negative = rcode === RCODE.NXDOMAIN || (rcode === RCODE.NOERROR && an === 0);
  let cacheTtl = -1;
  if (rcode === RCODE.NOERROR && an > 0) cacheTtl = smallest;
  else if (negative && soaNeg !== Infinity) cacheTtl = soaNeg;
  const bodyLen = kept === 0 ? 0 : rrEnds[kept - 1];
  return {
    answer: {
      rcode,
      authoritative: (flags & 0x0400) !== 0,
      body: body.subarray(0, bodyLen),
      an: Math.min(an, kept),
      ns: Math.min(ns, Math.max(kept - an, 0)),
      ar: keptAr,
      rrEnds,
      ttlOffsets,
      minTtl: cacheTtl < 0 ? 0 : cacheTtl,
    },
    cacheTtl,
    negative,
  };
}
