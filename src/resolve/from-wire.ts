// An upstream's response turned into an EncodedAnswer, so forwarded answers go through the
// same cache and response path as local ones (truncation per client, TTL decrement).
//
// The records are re-encoded with name compression (RFC 1035 §4.1.4; issue 10 item 2): many
// upstreams (and dns-packet) send owner names in full, and 40 A records of one name then take
// ~1,240 bytes instead of ~700, so a client with a 1,232-byte EDNS buffer would get TC and
// retry over TCP for nothing. Compressing once here also makes the cached copy small.
import { HEADER_LEN, RCODE, TYPE } from '../dns/constants';
import type { EncodedAnswer } from '../dns/encoded';
import { skipName } from '../dns/query';
import { WireWriter } from '../dns/writer';

export interface WireAnswer {
  answer: EncodedAnswer;
  /** Seconds this answer may be cached: smallest answer TTL, or for a negative answer
   * min(SOA TTL, SOA minimum) (RFC 2308 §5); -1 when it must not be cached. */
  cacheTtl: number;
  negative: boolean;
}

/** How the rdata of a type holds names (RFC 3597 §4). */
const enum Rd {
  /** No names, or names never compressed (RFC 3597 §4: unknown types): copied as is. */
  RAW,
  /** One name, compressed (RFC 1035 types NS, MD, MF, CNAME, MB, MG, MR, PTR). */
  NAME,
  /** Two names, compressed (SOA: then 20 bytes; MINFO). */
  SOA,
  MINFO,
  /** 16 bits then a name, compressed (MX). */
  MX,
  /** A name that may arrive compressed but goes out uncompressed (RFC 3597 §4, RFC 6672 §2.5). */
  NAME_PLAIN,
  /** 16 bits then an uncompressed name (AFSDB, RT, KX). */
  PREF_PLAIN,
  /** Two uncompressed names (RP). */
  TWO_PLAIN,
  /** 6 bytes then an uncompressed name (SRV, RFC 2782). */
  SRV,
  /** Names inside a layout not rewritten here (SIG, PX, NXT, NAPTR): the reply is kept as sent. */
  KEEP,
}

const RDATA = new Map<number, Rd>([
  [2, Rd.NAME], [3, Rd.NAME], [4, Rd.NAME], [5, Rd.NAME], [7, Rd.NAME], [8, Rd.NAME], [9, Rd.NAME], [12, Rd.NAME],
  [6, Rd.SOA], [14, Rd.MINFO], [15, Rd.MX],
  [39, Rd.NAME_PLAIN], [18, Rd.PREF_PLAIN], [21, Rd.PREF_PLAIN], [36, Rd.PREF_PLAIN], [17, Rd.TWO_PLAIN], [33, Rd.SRV],
  [24, Rd.KEEP], [26, Rd.KEEP], [30, Rd.KEEP], [35, Rd.KEEP],
]);

/**
 * @param questionEnd where the question ends in `msg` (equal to the client's: the forwarder
 *   checked the question matches).
 * @param maxTtl TTLs above it are lowered in the stored copy, so what is served is capped too.
 * @param denialMinTtl, denialMaxTtl the bounds for a negative answer (NXDOMAIN, NODATA: known
 *   from the header), when the cache keeps them apart (resolve/cache.ts); default the same.
 */
export function answerFromWire(msg: Buffer, questionEnd: number, minTtl: number, maxTtl: number, denialMinTtl = minTtl, denialMaxTtl = maxTtl): WireAnswer | null {
  if (msg.length < HEADER_LEN) return null;
  const rcode = msg.readUInt16BE(2) & 0xf;
  if (rcode === RCODE.NXDOMAIN || (rcode === RCODE.NOERROR && msg.readUInt16BE(6) === 0)) {
    minTtl = denialMinTtl;
    maxTtl = denialMaxTtl;
  }
  const compressed = compress(msg, questionEnd, minTtl, maxTtl);
  if (compressed !== undefined) return compressed;
  return keepLayout(msg, questionEnd, minTtl, maxTtl);
}

/** What the records say, whichever way they were copied. */
interface Tally {
  smallest: number;
  soaNeg: number;
}

function finish(msg: Buffer, body: Buffer, rrEnds: number[], ttlOffsets: number[], kept: number, keptAr: number, t: Tally): WireAnswer {
  const flags = msg.readUInt16BE(2);
  const rcode = flags & 0xf;
  const an = msg.readUInt16BE(6);
  const ns = msg.readUInt16BE(8);
  const negative = rcode === RCODE.NXDOMAIN || (rcode === RCODE.NOERROR && an === 0);
  let cacheTtl = -1;
  if (rcode === RCODE.NOERROR && an > 0) cacheTtl = t.smallest;
  else if (negative && t.soaNeg !== Infinity) cacheTtl = t.soaNeg;
  return {
    answer: {
      rcode,
      authoritative: (flags & 0x0400) !== 0,
      body,
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

function clampTtl(raw: number, minTtl: number, maxTtl: number): number {
  const ttl = raw > 0x7fffffff ? 0 : raw; // RFC 2181 §8: the top bit set means 0
  return Math.min(Math.max(ttl, minTtl), maxTtl);
}

/**
 * The records re-encoded with compression against the question at offset 12. Undefined when
 * the reply holds something not rewritten here (a label with a '.' byte, a KEEP type): the
 * caller then keeps the upstream's layout. Null when malformed.
 */
function compress(msg: Buffer, questionEnd: number, minTtl: number, maxTtl: number): WireAnswer | null | undefined {
  const q = readName(msg, HEADER_LEN);
  if (q === null) return null;
  if (q === undefined) return undefined;
  const w = new WireWriter(q.name.toLowerCase());
  if (w.bodyStart !== questionEnd) return undefined;
  const an = msg.readUInt16BE(6);
  const ns = msg.readUInt16BE(8);
  const ar = msg.readUInt16BE(10);
  const base = w.bodyStart;
  const rrEnds: number[] = [];
  const ttlOffsets: number[] = [];
  const t: Tally = { smallest: Infinity, soaNeg: Infinity };
  let kept = 0;
  let keptAr = 0;
  let at = questionEnd;
  for (let i = 0; i < an + ns + ar; i++) {
    const owner = readName(msg, at);
    if (owner === null) return null;
    if (owner === undefined) return undefined;
    const nameEnd = owner.end;
    if (nameEnd + 10 > msg.length) return null;
    const type = msg.readUInt16BE(nameEnd);
    const rdStart = nameEnd + 10;
    const next = rdStart + msg.readUInt16BE(nameEnd + 8);
    if (next > msg.length) return null;
    // The upstream's OPT is about its hop, not ours (RFC 6891 §6.1.1): it and anything after it go.
    if (type === TYPE.OPT) break;
    const kind = RDATA.get(type) ?? Rd.RAW;
    if (kind === Rd.KEEP) return undefined;
    const clamped = clampTtl(msg.readUInt32BE(nameEnd + 4), minTtl, maxTtl);
    let bad = false as null | undefined | false;
    const ttlAt = w.copied(owner.name, type, msg.readUInt16BE(nameEnd + 2), clamped, () => {
      bad = copyRdata(w, msg, kind, rdStart, next);
    });
    if (bad !== false) return bad;
    ttlOffsets.push(ttlAt - base);
    rrEnds.push(w.offset - base);
    if (i < an) t.smallest = Math.min(t.smallest, clamped);
    else if (i < an + ns && type === TYPE.SOA) t.soaNeg = Math.min(clamped, msg.readUInt32BE(next - 4));
    if (i >= an + ns) keptAr++;
    kept++;
    at = next;
  }
  return finish(msg, w.body(), rrEnds, ttlOffsets, kept, keptAr, t);
}

/** Writes one record's rdata; false when done, null when malformed, undefined when not rewritable. */
function copyRdata(w: WireWriter, msg: Buffer, kind: Rd, start: number, end: number): null | undefined | false {
  let at = start;
  const name = (compress: boolean): null | undefined | false => {
    const n = readName(msg, at, end);
    if (n === null || n === undefined) return n;
    w.name(n.name, compress);
    at = n.end;
    return false;
  };
  const fixed = (len: number): boolean => {
    if (at + len > end) return false;
    w.bytes(msg.subarray(at, at + len));
    at += len;
    return true;
  };
  let r: null | undefined | false = false;
  switch (kind) {
    case Rd.RAW:
      fixed(end - start);
      return false;
    case Rd.NAME:
    case Rd.NAME_PLAIN:
      r = name(kind === Rd.NAME);
      break;
    case Rd.SOA:
      r = name(true);
      if (r === false) r = name(true);
      if (r === false && !fixed(20)) return null;
      break;
    case Rd.MINFO:
    case Rd.TWO_PLAIN:
      r = name(kind === Rd.MINFO);
      if (r === false) r = name(kind === Rd.MINFO);
      break;
    case Rd.MX:
    case Rd.PREF_PLAIN:
      if (!fixed(2)) return null;
      r = name(kind === Rd.MX);
      break;
    case Rd.SRV:
      if (!fixed(6)) return null;
      r = name(false);
      break;
    default:
      return undefined;
  }
  // The rdata must be exactly what its type says (RFC 1035 §3.3).
  if (r === false && at !== end) return null;
  return r;
}

/**
 * A name at `at`, pointers followed (RFC 1035 §4.1.4), in presentation form with its case
 * kept; `end` is where its own field must end (rdata). Null when malformed; undefined when a
 * label holds a '.' byte (not representable as a dotted string here).
 */
function readName(msg: Buffer, at: number, end = msg.length): { name: string; end: number } | null | undefined {
  let name = '';
  let after = -1;
  let total = 0;
  for (let hops = 0; hops < 128; hops++) {
    if (at >= msg.length) return null;
    const l = msg[at];
    if (l === 0) {
      if (after < 0) after = at + 1;
      return after <= end ? { name, end: after } : null;
    }
    if ((l & 0xc0) === 0xc0) {
      if (at + 2 > msg.length) return null;
      if (after < 0) after = at + 2;
      at = ((l & 0x3f) << 8) | msg[at + 1];
      continue;
    }
    if (l > 63 || at + 1 + l > msg.length) return null;
    total += l + 1;
    if (total > 255) return null; // RFC 1035 §2.3.4
    const label = msg.toString('latin1', at + 1, at + 1 + l);
    if (label.includes('.')) return undefined;
    name = name === '' ? label : `${name}.${label}`;
    at += 1 + l;
  }
  return null;
}

/** The upstream's records copied as they came (offsets kept, so its own pointers stay valid). */
function keepLayout(msg: Buffer, questionEnd: number, minTtl: number, maxTtl: number): WireAnswer | null {
  const an = msg.readUInt16BE(6);
  const ns = msg.readUInt16BE(8);
  const ar = msg.readUInt16BE(10);
  const rrEnds: number[] = [];
  const ttlOffsets: number[] = [];
  const body = Buffer.from(msg.subarray(questionEnd));
  const t: Tally = { smallest: Infinity, soaNeg: Infinity };
  let at = questionEnd;
  let kept = 0;
  let keptAr = 0;
  for (let i = 0; i < an + ns + ar; i++) {
    const nameEnd = skipName(msg, at);
    if (nameEnd < 0 || nameEnd + 10 > msg.length) return null;
    const type = msg.readUInt16BE(nameEnd);
    const next = nameEnd + 10 + msg.readUInt16BE(nameEnd + 8);
    if (next > msg.length) return null;
    if (type === TYPE.OPT) break;
    const raw = msg.readUInt32BE(nameEnd + 4);
    const clamped = clampTtl(raw, minTtl, maxTtl);
    if (clamped !== raw) body.writeUInt32BE(clamped, nameEnd + 4 - questionEnd);
    ttlOffsets.push(nameEnd + 4 - questionEnd);
    rrEnds.push(next - questionEnd);
    if (i < an) t.smallest = Math.min(t.smallest, clamped);
    else if (i < an + ns && type === TYPE.SOA) t.soaNeg = Math.min(clamped, msg.readUInt32BE(next - 4));
    if (i >= an + ns) keptAr++;
    kept++;
    at = next;
  }
  const bodyLen = kept === 0 ? 0 : rrEnds[kept - 1];
  return finish(msg, body.subarray(0, bodyLen), rrEnds, ttlOffsets, kept, keptAr, t);
}
