// The fast query reader: header, the one question, and the OPT record (RFC 1035 §4.1,
// RFC 6891 §6). It fills one reused ParsedQuery per socket (STYLE rule 8: stable shape, no
// per-packet object graph) and never throws on bad input: the outcome is a status code.
import { HEADER_LEN, MIN_UDP_SIZE, OPCODE_QUERY, TYPE } from './constants';

export const enum ReadStatus {
  OK = 0,
  /** Not worth an answer: too short for a header, or a response (QR set). */
  DROP = 1,
  /** SPEC §3: malformed but the header was readable. */
  FORMERR = 2,
  /** SPEC §3: unknown opcode. */
  NOTIMP = 3,
}

const scratch = Buffer.allocUnsafe(256);

export class ParsedQuery {
  id = 0;
  /** The client's flags word. */
  flags = 0;
  opcode = 0;
  qdcount = 0;
  /** Offset just after the question section (where the answer goes in a response). */
  questionEnd = 0;
  /** Lower-cased question name in presentation form, no trailing dot ('' for the root).
   * Built on first use: a memo hit needs only `key`. */
  get name(): string {
    if (this.nameOfKey !== this.key) {
      this.nameCache = keyToName(this.key);
      this.nameOfKey = this.key;
    }
    return this.nameCache;
  }
  private nameCache = '';
  private nameOfKey = '';
  /** False when a label holds a '.' or '\\' byte: no served zone has such names. */
  plainName = true;
  /** Cache key: lower-cased wire name plus the type; stable for one (name, type). */
  key = '';
  qtype = 0;
  qclass = 0;
  /** EDNS0 present (RFC 6891); then udpSize is the client's advertised size (>= 512). */
  edns = false;
  udpSize = MIN_UDP_SIZE;
  ednsVersion = 0;
  /** A second OPT, or one outside the additional section: FORMERR (RFC 6891 §6.1.1). */
  ednsError = false;
}

/** Reads `msg` into `q`. On FORMERR/NOTIMP, q.id, q.flags and q.opcode are valid. */
export function readQuery(msg: Buffer, q: ParsedQuery): ReadStatus {
  const len = msg.length;
  if (len < HEADER_LEN) return ReadStatus.DROP;
  q.id = msg.readUInt16BE(0);
  const flags = msg.readUInt16BE(2);
  q.flags = flags;
  if (flags & 0x8000) return ReadStatus.DROP; // a response: never answer one (reflection loops)
  q.opcode = (flags >> 11) & 0xf;
  q.qdcount = msg.readUInt16BE(4);
  q.questionEnd = HEADER_LEN;
  q.edns = false;
  q.udpSize = MIN_UDP_SIZE;
  q.ednsVersion = 0;
  q.ednsError = false;
  if (q.opcode !== OPCODE_QUERY) return ReadStatus.NOTIMP;
  // RFC 9619: a query carries exactly one question.
  if (q.qdcount !== 1) return ReadStatus.FORMERR;

  // The question name: labels only (a compression pointer in a question can only point into
  // the header, so it is malformed here), at most 255 bytes (RFC 1035 §2.3.4).
  let at = HEADER_LEN;
  let n = 0;
  let plain = true;
  for (;;) {
    if (at >= len) return ReadStatus.FORMERR;
    const l = msg[at];
    if (l === 0) break;
    if (l > 63) return ReadStatus.FORMERR;
    if (at + 1 + l >= len) return ReadStatus.FORMERR;
    if (n + 1 + l > 254) return ReadStatus.FORMERR;
    scratch[n++] = l;
    for (let i = at + 1, end = at + 1 + l; i < end; i++) {
      let c = msg[i];
      if (c >= 0x41 && c <= 0x5a) c |= 0x20; // ASCII only (RFC 4343)
      else if (c === 0x2e || c === 0x5c) plain = false;
      scratch[n++] = c;
    }
    at += 1 + l;
  }
  at += 1;
  if (at + 4 > len) return ReadStatus.FORMERR;
  q.qtype = msg.readUInt16BE(at);
  q.qclass = msg.readUInt16BE(at + 2);
  at += 4;
  q.questionEnd = at;
  q.plainName = plain;
  // One flat string, qtype bytes included: no concatenation (a rope) for Map to flatten.
  scratch[n] = msg[at - 4];
  scratch[n + 1] = msg[at - 3];
  q.key = scratch.toString('latin1', 0, n + 2);

  // Answer and authority of a query should be empty; skip whatever is there, then look for OPT.
  const an = msg.readUInt16BE(6);
  const ns = msg.readUInt16BE(8);
  const ar = msg.readUInt16BE(10);
  for (let i = 0; i < an + ns + ar; i++) {
    const nameEnd = skipName(msg, at);
    if (nameEnd < 0 || nameEnd + 10 > len) return ReadStatus.FORMERR;
    const type = msg.readUInt16BE(nameEnd);
    const rdlen = msg.readUInt16BE(nameEnd + 8);
    const next = nameEnd + 10 + rdlen;
    if (next > len) return ReadStatus.FORMERR;
    if (type === TYPE.OPT) {
      // RFC 6891 §6.1.1: one OPT, owner root, in the additional section.
      if (i < an + ns || q.edns || nameEnd !== at + 1) q.ednsError = true;
      q.edns = true;
      const size = msg.readUInt16BE(nameEnd + 2);
      q.udpSize = size < MIN_UDP_SIZE ? MIN_UDP_SIZE : size; // RFC 6891 §6.2.5
      q.ednsVersion = msg[nameEnd + 5];
    }
    at = next;
  }
  if (q.ednsError) return ReadStatus.FORMERR;
  return ReadStatus.OK;
}

/** Offset after a (possibly compressed) name in a record, or -1 when malformed. */
export function skipName(msg: Buffer, at: number): number {
  const len = msg.length;
  for (let guard = 0; guard < 128; guard++) {
    if (at >= len) return -1;
    const l = msg[at];
    if (l === 0) return at + 1;
    if ((l & 0xc0) === 0xc0) return at + 2 <= len ? at + 2 : -1;
    if (l > 63) return -1;
    at += 1 + l;
  }
  return -1;
}

/**
 * The cache key of (name, type) built from text, for names the server asks about itself (a
 * chased CNAME target): the same string readQuery makes from the wire, so both share entries.
 */
export function cacheKey(nameLower: string, qtype: number): string {
  let k = '';
  if (nameLower !== '') for (const l of nameLower.split('.')) k += String.fromCharCode(l.length) + l;
  return k + String.fromCharCode(qtype >> 8, qtype & 0xff);
}

/** The dotted name of a key (wire labels, then two bytes of qtype). */
function keyToName(key: string): string {
  let s = '';
  let at = 0;
  const n = key.length - 2;
  while (at < n) {
    const l = key.charCodeAt(at);
    if (at > 0) s += '.';
    s += key.slice(at + 1, at + 1 + l);
    at += 1 + l;
  }
  return s;
}
