// Pre-encoded answers (DESIGN "the hot path is the product", STYLE rule 7). An EncodedAnswer
// holds the bytes that follow the question, built once per (name, type) and reused by every
// query until its cluster generation moves or its TTL runs out. Building a response copies the
// client's own header and question (so its ID and spelling come back, SPEC §1), patches the
// flags and counts, appends the body and, for EDNS clients, an OPT record.
import { FLAG, HEADER_LEN, OUR_UDP_SIZE, RCODE, TYPE } from './constants';
import type { AnswerSet } from './records';
import { WireWriter } from './writer';

/** What a response needs from its query (a ParsedQuery, or a copy taken before an await). */
export interface QueryShape {
  questionEnd: number;
  edns: boolean;
  opcode: number;
  flags: number;
}

export interface EncodedAnswer {
  rcode: number;
  authoritative: boolean;
  /** Resource records after the question, compressed against a question at offset 12. */
  body: Buffer;
  an: number;
  ns: number;
  ar: number;
  /** Body-relative end offset of each record, in order: truncation cuts only at these. */
  rrEnds: number[];
  /** Body-relative offsets of each record's TTL (for TTL decrement of cached answers). */
  ttlOffsets: number[];
  /** Smallest TTL in the answer (or the negative TTL): how long it may be cached. */
  minTtl: number;
  /**
   * Body offset of the serial of the first SOA record; -1 (or absent: answers not built here)
   * when there is none. A memo moves a serial in place (resolve/local.ts) instead of building
   * the answer again.
   */
  serialAt?: number;
  /**
   * Runs of records `loadbalance` may rotate; null = none. Left undefined by answers not built here (forwarded ones): the first
   * shuffled response computes it (rotationRuns).
   */
  lbRuns?: RotationRun[] | null;
}

/** A run of same-owner, same-size A (or AAAA) records `loadbalance` may rotate. */
export interface RotationRun {
  /** Body offset of the first record, record size, number of records. */
  start: number;
  size: number;
  count: number;
  /** The run's bytes twice: every rotation is one contiguous slice of it. */
  ring: Buffer;
  /** ring views per rotation, made on first use: one native copy per response, no allocation. */
  views: (Uint8Array | undefined)[];
}

export function encodeAnswer(qnameLower: string, set: AnswerSet): EncodedAnswer {
  const w = new WireWriter(qnameLower);
  const start = w.bodyStart;
  const rrEnds: number[] = [];
  const ttlOffsets: number[] = [];
  let minTtl = Infinity;
  let serialAt: number | undefined;
  for (const section of [set.answers, set.authority, set.additional]) {
    for (const r of section) {
      ttlOffsets.push(w.record(r) - start);
      rrEnds.push(w.offset - start);
      // SOA rdata ends with serial, refresh, retry, expire, minimum (RFC 1035 §3.3.13).
      if (serialAt === undefined && r.type === 'SOA') serialAt = w.offset - start - 20;
      const ttl = r.ttl ?? 0;
      // RFC 2308 §5: a negative answer lives as long as its SOA's TTL; glue does not count.
      if (section !== set.additional && ttl < minTtl) minTtl = ttl;
    }
  }
  const enc: EncodedAnswer = {
    rcode: set.rcode,
    authoritative: set.authoritative,
    body: w.body(),
    an: set.answers.length,
    ns: set.authority.length,
    ar: set.additional.length,
    rrEnds,
    ttlOffsets,
    minTtl: minTtl === Infinity ? 0 : minTtl,
    serialAt: serialAt ?? -1,
  };
  enc.lbRuns = rotationRuns(enc);
  return enc;
}

const A_RR = 2 + 10 + 4; // owner as one compression pointer, fixed fields, IPv4
const AAAA_RR = 2 + 10 + 16;

/**
 * Where `loadbalance` may rotate records without re-encoding: runs of 2+ consecutive A (or
 * AAAA) records of one section whose owner is the same single compression pointer. Such
 * records hold no name a pointer could aim at and all have one size, so any rotation of a run
 * keeps every pointer, record boundary (truncation) and TTL offset (cache ageing) valid.
 * CNAMEs, SRV and everything else keep their place (CoreDNS loadbalance).
 */
export function rotationRuns(a: EncodedAnswer): RotationRun[] | null {
  const { body, rrEnds, ttlOffsets } = a;
  const runs: RotationRun[] = [];
  const bounds = [a.an, a.an + a.ns, rrEnds.length];
  let section = 0;
  let runStart = -1;
  let runSize = 0;
  let runCount = 0;
  let runOwner = -1;
  const close = (): void => {
    if (runCount >= 2) {
      const bytes = body.subarray(runStart, runStart + runSize * runCount);
      runs.push({ start: runStart, size: runSize, count: runCount, ring: Buffer.concat([bytes, bytes]), views: [] });
    }
    runCount = 0;
    runOwner = -1;
  };
  for (let i = 0; i < rrEnds.length; i++) {
    while (i >= bounds[section]) {
      close();
      section++;
    }
    const start = i === 0 ? 0 : rrEnds[i - 1];
    const size = rrEnds[i] - start;
    const pointer = ttlOffsets[i] - start === 6 && (body[start] & 0xc0) === 0xc0;
    const type = pointer ? body.readUInt16BE(start + 2) : 0;
    const ok = (type === 1 && size === A_RR) || (type === 28 && size === AAAA_RR);
    if (!ok) {
      close();
      continue;
    }
    const owner = body.readUInt16BE(start) | (type << 16);
    if (runCount > 0 && owner === runOwner && size === runSize) {
      runCount++;
      continue;
    }
    close();
    runStart = start;
    runSize = size;
    runCount = 1;
    runOwner = owner;
  }
  close();
  return runs.length === 0 ? null : runs;
}

/**
 * xorshift32 state: cheap; only spread matters here, not unpredictability. Kept in a typed
 * array: a module `let` holding a 32-bit value would be a heap number, allocated per write.
 */
const lbState = new Int32Array([(Date.now() ^ (process.pid << 16)) | 1]);

/**
 * Rotates each run in `out` (where the body was copied at `at`, `bodyLen` bytes kept) by a
 * pseudo-random offset: what `loadbalance` does per response. The rotated run is one slice of
 * its ring, copied in one native call. Records cut by truncation stay cut; the kept ones are a
 * rotated window, whole records only.
 */
function rotate(out: Buffer, at: number, bodyLen: number, runs: RotationRun[]): void {
  for (let r = 0; r < runs.length; r++) {
    const run = runs[r];
    const start = run.start;
    if (start >= bodyLen) break;
    let x = lbState[0];
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    lbState[0] = x;
    const k = (x >>> 0) % run.count;
    if (k === 0) continue;
    const len = run.size * run.count;
    if (start + len <= bodyLen) {
      let view = run.views[k];
      if (view === undefined) view = run.views[k] = run.ring.subarray(k * run.size, k * run.size + len);
      out.set(view, at + start);
    } else {
      // Truncated inside the run (rare: a big answer over 512-byte UDP).
      out.set(run.ring.subarray(k * run.size, k * run.size + (bodyLen - start)), at + start);
    }
  }
}

/** An answer with no records: SERVFAIL, REFUSED, or an rcode alone. */
export function emptyAnswer(rcode: number, authoritative = false): EncodedAnswer {
  return { rcode, authoritative, body: Buffer.alloc(0), an: 0, ns: 0, ar: 0, rrEnds: [], ttlOffsets: [], minTtl: 0 };
}

const OPT_LEN = 11;

/**
 * The response to `msg` carrying `a`, at most `maxSize` bytes. When the records do not fit,
 * the answer is cut at a record boundary; TC is set when an answer or authority record had to
 * go (RFC 2181 §9: dropping only additional records does not need TC).
 * @param ttlSpent seconds to subtract from every TTL (answers served from cache, RFC 1035 §7.4).
 * @param shuffle rotate the A/AAAA records of a NOERROR answer (`loadbalance`, rotationRuns).
 */
export function buildResponse(msg: Buffer, q: QueryShape, a: EncodedAnswer, maxSize: number, ttlSpent = 0, shuffle = false): Buffer {
  const opt = q.edns ? OPT_LEN : 0;
  const fits = q.questionEnd + a.body.length + opt <= maxSize;
  const out = Buffer.allocUnsafe(fits ? q.questionEnd + a.body.length + opt : q.questionEnd + keptBody(a, maxSize - q.questionEnd - opt) + opt);
  writeResponse(out, 0, msg, q, a, maxSize, ttlSpent, shuffle);
  return out;
}

/** Body bytes kept when only `room` bytes are left for records: whole records only. */
function keptBody(a: EncodedAnswer, room: number): number {
  let keep = 0;
  while (keep < a.rrEnds.length && a.rrEnds[keep] <= room) keep++;
  return keep === 0 ? 0 : a.rrEnds[keep - 1];
}

/**
 * buildResponse written into `out` at `at` instead of a new buffer (the UDP threads of
 * --workers N write straight into their send arena, server/udp-thread.ts); `out` must have
 * room for min(maxSize, the whole response). Returns the response's length.
 */
export function writeResponse(out: Buffer, at: number, msg: Buffer, q: QueryShape, a: EncodedAnswer, maxSize: number, ttlSpent = 0, shuffle = false): number {
  const qEnd = q.questionEnd;
  const opt = q.edns ? OPT_LEN : 0;
  let bodyLen = a.body.length;
  let an = a.an;
  let ns = a.ns;
  let ar = a.ar;
  let tc = 0;
  if (qEnd + bodyLen + opt > maxSize) {
    const room = maxSize - qEnd - opt;
    let keep = 0;
    while (keep < a.rrEnds.length && a.rrEnds[keep] <= room) keep++;
    bodyLen = keep === 0 ? 0 : a.rrEnds[keep - 1];
    if (keep < a.an + a.ns) tc = FLAG.TC;
    an = Math.min(keep, a.an);
    ns = Math.min(Math.max(keep - a.an, 0), a.ns);
    ar = Math.max(keep - a.an - a.ns, 0);
  }
  msg.copy(out, at, 0, qEnd);
  const ext = a.rcode >> 4; // extended rcode bits live in the OPT TTL (RFC 6891 §6.1.3)
  out.writeUInt16BE(
    FLAG.QR | (q.opcode << 11) | (a.authoritative ? FLAG.AA : 0) | tc | (q.flags & FLAG.RD) | FLAG.RA | (a.rcode & 0xf),
    at + 2,
  );
  out.writeUInt16BE(1, at + 4);
  out.writeUInt16BE(an, at + 6);
  out.writeUInt16BE(ns, at + 8);
  out.writeUInt16BE(ar + (opt ? 1 : 0), at + 10);
  a.body.copy(out, at + qEnd, 0, bodyLen);
  if (shuffle && a.rcode === 0 && bodyLen > 0) {
    let runs = a.lbRuns;
    if (runs === undefined) runs = a.lbRuns = rotationRuns(a);
    if (runs !== null) rotate(out, at + qEnd, bodyLen, runs);
  }
  if (ttlSpent > 0) {
    for (const off of a.ttlOffsets) {
      if (off >= bodyLen) break;
      const p = at + qEnd + off;
      const ttl = out.readUInt32BE(p);
      out.writeUInt32BE(ttl > ttlSpent ? ttl - ttlSpent : 0, p);
    }
  }
  if (opt) writeOpt(out, at + qEnd + bodyLen, ext);
  return qEnd + bodyLen + opt;
}

function writeOpt(out: Buffer, at: number, extRcode: number): void {
  out[at] = 0; // root owner
  out.writeUInt16BE(TYPE.OPT, at + 1);
  out.writeUInt16BE(OUR_UDP_SIZE, at + 3);
  out[at + 5] = extRcode;
  out[at + 6] = 0; // EDNS version 0
  out.writeUInt16BE(0, at + 7); // flags (DO not set: no DNSSEC)
  out.writeUInt16BE(0, at + 9); // rdlength
}

/**
 * A bare error response (FORMERR, NOTIMP, REFUSED, SERVFAIL) that echoes the header and, when it
 * was readable, the question (RFC 6895 §2.3). `questionEnd` = 12 when there is none to echo.
 */
export function errorResponse(msg: Buffer, id: number, flags: number, questionEnd: number, rcode: number, edns = false): Buffer {
  const withQ = questionEnd > HEADER_LEN;
  const opt = edns ? OPT_LEN : 0;
  const out = Buffer.allocUnsafe((withQ ? questionEnd : HEADER_LEN) + opt);
  if (withQ) msg.copy(out, 0, 0, questionEnd);
  out.writeUInt16BE(id, 0);
  const opcode = (flags >> 11) & 0xf;
  out.writeUInt16BE(FLAG.QR | (opcode << 11) | (flags & FLAG.RD) | FLAG.RA | (rcode & 0xf), 2);
  out.writeUInt16BE(withQ ? 1 : 0, 4);
  out.writeUInt32BE(0, 6);
  out.writeUInt16BE(opt ? 1 : 0, 10);
  if (opt) writeOpt(out, out.length - OPT_LEN, rcode >> 4);
  return out;
}

export const SERVFAIL = emptyAnswer(RCODE.SERVFAIL);
export const REFUSED = emptyAnswer(RCODE.REFUSED);
