// Helpers for the end-to-end tests of the cluster zone (test/e2e/). They talk to the server
// only through the network and the snapshot file on disk, never through its internals, so the
// same tests run unchanged against an in-process server and a multi-process one (--workers).
import fs from 'node:fs';
import path from 'node:path';
import * as dnsPacket from 'dns-packet';
import { encodeQuery, tcpRaw, udpRaw, type TestServer } from './server';

export type Decoded = dnsPacket.DecodedPacket;
/** A record that is not the OPT pseudo-record: it has a TTL and data. */
export type RR = Exclude<dnsPacket.Answer, dnsPacket.OptAnswer>;

export interface Reply {
  packet: Decoded;
  raw: Buffer;
}

export interface AskOptions {
  /** Advertise EDNS0 with this UDP size. */
  edns?: number;
  tcp?: boolean;
  id?: number;
}

/** One query over UDP (default) or TCP; throws when no reply comes, so nothing passes silently. */
export async function ask(port: number, name: string, type: dnsPacket.RecordType, o: AskOptions = {}): Promise<Reply> {
  const id = o.id ?? Math.floor(Math.random() * 65536);
  const msg = encodeQuery({ name, type }, { id, edns: o.edns });
  let raw: Buffer | null;
  if (o.tcp) raw = (await tcpRaw(port, [msg]))[0] ?? null;
  else raw = await udpRaw(port, msg);
  if (raw === null) throw new Error(`no ${o.tcp ? 'TCP' : 'UDP'} reply for ${name} ${type}`);
  const packet = dnsPacket.decode(raw);
  if (packet.id !== id) throw new Error(`reply ID ${packet.id} does not match query ID ${id}`);
  return { packet, raw };
}

export const rcode = (p: Decoded): string => (p as { rcode?: string }).rcode ?? 'NOERROR';

/** Records of a section without the OPT pseudo-record. */
export function section(p: Decoded, s: 'answers' | 'authorities' | 'additionals'): RR[] {
  return (p[s] ?? []).filter((r): r is RR => r.type !== 'OPT');
}

/** `name TYPE data` per record (names lower-cased), sorted: order-free comparisons. */
export function rrs(p: Decoded, s: 'answers' | 'authorities' | 'additionals' = 'answers'): string[] {
  return section(p, s).map(show).sort();
}

export function show(r: RR): string {
  const d = (r as { data?: unknown }).data;
  let data: string;
  if (r.type === 'SRV') {
    const s = d as dnsPacket.SrvData;
    data = `${s.priority} ${s.weight} ${s.port} ${s.target.toLowerCase()}`;
  } else if (r.type === 'TXT') data = (d as Buffer[]).map((b) => JSON.stringify(b.toString())).join(' ');
  else if (typeof d === 'string') data = r.type === 'A' || r.type === 'AAAA' ? d : d.toLowerCase();
  else data = JSON.stringify(d);
  return `${r.name.toLowerCase()} ${r.type} ${data}`;
}

/** SPEC §3: a positive authoritative answer carries no authority section. */
export function expectPositive(p: Decoded): void {
  expect(rcode(p)).toBe('NOERROR');
  expect(p.flag_qr).toBe(true);
  expect(p.flag_aa).toBe(true);
  expect(p.flag_tc).toBe(false);
  expect(section(p, 'answers').length).toBeGreaterThan(0);
  expect(section(p, 'authorities')).toEqual([]);
}

/**
 * SPEC §3: a negative answer (NXDOMAIN, or NOERROR without records = NODATA) is authoritative,
 * has no answers and exactly one SOA, of the zone the name was matched in.
 */
export function expectNegative(p: Decoded, code: 'NXDOMAIN' | 'NODATA', zone = 'cluster.local'): dnsPacket.SoaData {
  expect(rcode(p)).toBe(code === 'NODATA' ? 'NOERROR' : 'NXDOMAIN');
  expect(p.flag_qr).toBe(true);
  expect(p.flag_aa).toBe(true);
  expect(section(p, 'answers')).toEqual([]);
  const auth = section(p, 'authorities');
  expect(auth.map((r) => `${r.name.toLowerCase()} ${r.type}`)).toEqual([`${zone} SOA`]);
  return (auth[0] as { data: dnsPacket.SoaData }).data;
}

export const NODATA = 'NODATA' as const;
export const NXDOMAIN = 'NXDOMAIN' as const;

/** Ask, then check the negative shape: the common row of the table tests. */
export async function negative(port: number, name: string, type: dnsPacket.RecordType, code: 'NXDOMAIN' | 'NODATA', zone?: string): Promise<Decoded> {
  const { packet } = await ask(port, name, type);
  try {
    expectNegative(packet, code, zone);
  } catch (e) {
    (e as Error).message = `${name} ${type}: expected ${code}\n${(e as Error).message}`;
    throw e;
  }
  return packet;
}

/** Ask, check it is a positive answer and return its records as `name TYPE data` lines. */
export async function positive(port: number, name: string, type: dnsPacket.RecordType, o: AskOptions = {}): Promise<string[]> {
  const { packet } = await ask(port, name, type, o);
  try {
    expectPositive(packet);
  } catch (e) {
    (e as Error).message = `${name} ${type}: expected a positive answer, got ${rcode(packet)} ${JSON.stringify(rrs(packet))}\n${(e as Error).message}`;
    throw e;
  }
  return rrs(packet);
}

/** The snapshot file the harness serves. */
export function snapshotFile(srv: TestServer): string {
  return path.join(srv.dir, 'snapshot.yaml');
}

/** Replace a snapshot file in one step (write beside it, then rename), as editors do. */
export function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Poll `probe` until `ok` holds for `stable` answers in a row (with several workers, each one
 * reloads on its own), or throw after `timeoutMs` with the last value seen.
 */
export async function waitFor<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 3000, stable = 3): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let streak = 0;
  for (;;) {
    try {
      last = await probe();
      streak = ok(last) ? streak + 1 : 0;
    } catch (e) {
      streak = 0;
      last = e as T;
    }
    if (streak >= stable) return last as T;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    await sleep(streak > 0 ? 5 : 40);
  }
}

// ---- raw wire building for the malformed-input tests ----

export interface HeaderFields {
  id?: number;
  flags?: number;
  qd?: number;
  an?: number;
  ns?: number;
  ar?: number;
}

export function header(h: HeaderFields = {}): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16BE(h.id ?? 0x1234, 0);
  b.writeUInt16BE(h.flags ?? 0x0100, 2);
  b.writeUInt16BE(h.qd ?? 1, 4);
  b.writeUInt16BE(h.an ?? 0, 6);
  b.writeUInt16BE(h.ns ?? 0, 8);
  b.writeUInt16BE(h.ar ?? 0, 10);
  return b;
}

/** A name in wire form, uncompressed. */
export function wireName(name: string): Buffer {
  const parts = name.split('.').filter((l) => l !== '');
  return Buffer.concat([...parts.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
}

export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n, 0);
  return b;
}

/** qtype + qclass. */
export function typeClass(type: number, klass = 1): Buffer {
  return Buffer.concat([u16(type), u16(klass)]);
}

/** An OPT pseudo-record (RFC 6891 §6.1.2). */
export function opt(udpSize = 1232, version = 0, extRcode = 0): Buffer {
  const b = Buffer.alloc(11);
  b[0] = 0;
  b.writeUInt16BE(41, 1);
  b.writeUInt16BE(udpSize, 3);
  b[5] = extRcode;
  b[6] = version;
  b.writeUInt16BE(0, 7);
  b.writeUInt16BE(0, 9);
  return b;
}

/** The header fields of a raw reply. */
export function headerOf(raw: Buffer): { id: number; qr: boolean; opcode: number; aa: boolean; tc: boolean; rcode: number; qd: number; an: number; ns: number; ar: number } {
  const f = raw.readUInt16BE(2);
  return {
    id: raw.readUInt16BE(0),
    qr: (f & 0x8000) !== 0,
    opcode: (f >> 11) & 0xf,
    aa: (f & 0x0400) !== 0,
    tc: (f & 0x0200) !== 0,
    rcode: f & 0xf,
    qd: raw.readUInt16BE(4),
    an: raw.readUInt16BE(6),
    ns: raw.readUInt16BE(8),
    ar: raw.readUInt16BE(10),
  };
}

/** A small deterministic PRNG (mulberry32) so fuzz failures can be replayed from the seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The text of a fixture under test/fixtures/. */
export function fixture(name: string): string {
  return fs.readFileSync(path.join(__dirname, '..', 'fixtures', name), 'utf8');
}
