// Record encoder with name compression (RFC 1035 §4.1.4). Used once per (name, type) per
// cluster generation, never per query: its output is an EncodedAnswer (dns/encoded.ts) that
// every later query reuses. dns-packet's encoder does not compress (SPEC §3), so the common
// types are written here and dns-packet encodes only the rdata of rare ones, uncompressed as
// RFC 3597 §4 requires for types a server does not know.
import * as dnsPacket from 'dns-packet';
import { HEADER_LEN, TYPE, typeCode } from './constants';
import type { Record } from './records';
import { ipv6Bytes } from '../cluster/ip';

/** A compression pointer holds 14 bits of offset. */
const MAX_POINTER = 0x3fff;

type RdataEncoder = { encode(data: unknown): Buffer };
const packetRecord = (dnsPacket as unknown as { record(type: string): RdataEncoder }).record;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const packetTypes = require('dns-packet/types') as { toType(name: string): number };

export class WireWriter {
  /** Bytes after the question; buf[0] sits at absolute offset `base`. */
  private buf: Buffer;
  private readonly base: number;
  /** Absolute offset of the next byte, as if header and question came first. */
  private pos: number;
  /** Lower-case name suffix -> absolute offset of its first label. */
  private readonly dict = new Map<string, number>();

  /**
   * @param qnameLower the question name. Its wire form sits at offset 12 of every response
   *   built from this body, so its suffixes are compression targets, and a pointer to it
   *   echoes the query's own spelling (SPEC §1).
   */
  constructor(qnameLower: string) {
    // Each label takes its length byte plus its characters, so the label starting at character
    // s of the name starts at wire offset HEADER_LEN + s.
    const q = trimDot(qnameLower);
    for (let s = 0; s < q.length; ) {
      this.dict.set(s === 0 ? q : q.slice(s), HEADER_LEN + s);
      const dot = q.indexOf('.', s);
      if (dot < 0) break;
      s = dot + 1;
    }
    this.base = HEADER_LEN + (q.length === 0 ? 0 : q.length + 1) + 1 + 4; // labels, root label, qtype, qclass
    this.pos = this.base;
    this.buf = Buffer.allocUnsafe(256);
  }

  /** Absolute offset of the next byte. */
  get offset(): number {
    return this.pos;
  }

  /** Offset just after the question: where the body starts. */
  get bodyStart(): number {
    return this.base;
  }

  /** A copy of the bytes written after the question. */
  body(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos - this.base));
  }

  private ensure(n: number): void {
    const need = this.pos - this.base + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos - this.base);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++ - this.base] = v;
  }
  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.pos - this.base);
    this.pos += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos - this.base);
    this.pos += 4;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos - this.base);
    this.pos += b.length;
  }

  /**
   * A domain name, compressed against earlier ones unless `compress` is false (RFC 2782: SRV
   * target). Built once per answer, but an answer of a large headless Service holds dozens of
   * names: the labels are found by index (no label arrays, no joined suffixes) and written with
   * one copy, the dots then overwritten with the label lengths.
   */
  name(name: string, compress = true): void {
    const n = trimDot(name);
    const lower = n.toLowerCase();
    // Labels start at character s; the one at s lands at wire offset pos + s.
    let cut = n.length; // where the labels stop: a pointer or the root follows
    let ptr = -1;
    for (let s = 0; s < n.length; ) {
      const suffix = s === 0 ? lower : lower.slice(s);
      const known = this.dict.get(suffix);
      if (compress && known !== undefined) {
        cut = s;
        ptr = known;
        break;
      }
      if (known === undefined && this.pos + s <= MAX_POINTER) this.dict.set(suffix, this.pos + s);
      const dot = n.indexOf('.', s);
      if (dot < 0) break;
      s = dot + 1;
    }
    // n[0, cut) without its last dot, written one byte on: every dot sits where the length of
    // the label after it goes.
    const written = cut === n.length ? n.length : cut - 1;
    this.ensure(written + 3);
    const at = this.pos - this.base;
    if (written > 0) {
      this.buf.write(n, at + 1, written, 'latin1');
      let lenAt = at;
      for (let i = 0; i <= written; i++) {
        if (i === written || n.charCodeAt(i) === 0x2e) {
          this.buf[lenAt] = at + 1 + i - lenAt - 1;
          lenAt = at + 1 + i;
        }
      }
      this.pos += written + 1;
    }
    if (ptr >= 0) this.u16(0xc000 | ptr);
    else this.u8(0);
  }

  /** The four bytes of a dotted-quad IPv4 address. */
  private ipv4(ip: string): void {
    this.ensure(4);
    const start = this.pos - this.base;
    let at = start;
    let v = 0;
    let digits = 0;
    for (let i = 0; i < ip.length; i++) {
      const c = ip.charCodeAt(i);
      if (c === 0x2e && digits > 0 && v <= 255 && at < start + 3) {
        this.buf[at++] = v;
        v = 0;
        digits = 0;
      } else if (c >= 0x30 && c <= 0x39 && v <= 25) {
        v = v * 10 + (c - 0x30);
        digits++;
      } else throw new Error(`not an IPv4 address: ${JSON.stringify(ip)}`);
    }
    if (at !== start + 3 || digits === 0 || v > 255) throw new Error(`not an IPv4 address: ${JSON.stringify(ip)}`);
    this.buf[at] = v;
    this.pos += 4;
  }

  /** One resource record; returns the absolute offset of its TTL field. */
  record(r: Record): number {
    const type = typeCode(r.type) ?? packetTypes.toType(r.type);
    this.name(r.name);
    this.u16(type);
    this.u16(1); // class IN
    const ttlAt = this.pos;
    this.u32(r.ttl ?? 0);
    const lenAt = this.pos;
    this.u16(0);
    this.rdata(type, r);
    this.buf.writeUInt16BE(this.pos - lenAt - 2, lenAt - this.base);
    return ttlAt;
  }

  /**
   * A record whose rdata the caller writes (resolve/from-wire.ts re-encodes an upstream's
   * records with compression: names through name(), the rest through u16/u32/bytes).
   * Returns the absolute offset of its TTL field.
   */
  copied(owner: string, type: number, klass: number, ttl: number, rdata: () => void): number {
    this.name(owner);
    this.u16(type);
    this.u16(klass);
    const ttlAt = this.pos;
    this.u32(ttl);
    const lenAt = this.pos;
    this.u16(0);
    rdata();
    this.buf.writeUInt16BE(this.pos - lenAt - 2, lenAt - this.base);
    return ttlAt;
  }

  private rdata(type: number, r: Record): void {
    const d = r.data as never;
    switch (type) {
      case TYPE.A:
        return this.ipv4(d);
      case TYPE.AAAA:
        return this.bytes(ipv6Bytes(d));
      case TYPE.NS:
      case TYPE.CNAME:
      case TYPE.PTR:
        return this.name(d);
      case TYPE.MX: {
        const mx = d as { preference?: number; exchange: string };
        this.u16(mx.preference ?? 0);
        return this.name(mx.exchange);
      }
      case TYPE.SRV: {
        const s = d as { priority?: number; weight?: number; port: number; target: string };
        this.u16(s.priority ?? 0);
        this.u16(s.weight ?? 0);
        this.u16(s.port);
        return this.name(s.target, false);
      }
      case TYPE.SOA: {
        const s = d as { mname: string; rname: string; serial: number; refresh: number; retry: number; expire: number; minimum: number };
        this.name(s.mname);
        this.name(s.rname);
        this.u32(s.serial);
        this.u32(s.refresh);
        this.u32(s.retry);
        this.u32(s.expire);
        this.u32(s.minimum);
        return;
      }
      case TYPE.TXT: {
        const parts = Array.isArray(d) ? (d as (string | Buffer)[]) : [d as string | Buffer];
        for (const p of parts) {
          const b = typeof p === 'string' ? Buffer.from(p, 'utf8') : p;
          this.u8(b.length);
          this.bytes(b);
        }
        return;
      }
      default:
        // dns-packet writes rdlength first; skip it, record() patches ours.
        return this.bytes(packetRecord(r.type.toUpperCase()).encode(d).subarray(2));
    }
  }
}

/** The name without a trailing dot ('' for the root). */
function trimDot(name: string): string {
  return name.endsWith('.') ? name.slice(0, -1) : name;
}
