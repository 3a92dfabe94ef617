// dns/encoded.ts: pre-encoded answers and the response built from one per query: header
// flags and counts, the client's ID and question echoed, truncation at record boundaries with
// TC only when answer or authority records go (RFC 2181 §9), TTL decrement, EDNS OPT.
import * as dnsPacket from 'dns-packet';
import { RCODE } from '../../src/dns/constants';
import { buildResponse, emptyAnswer, encodeAnswer, errorResponse, REFUSED, SERVFAIL, type QueryShape } from '../../src/dns/encoded';
import type { AnswerSet, Record as RR } from '../../src/dns/records';

const QNAME = 'big.default.svc.cluster.local';

function query(name = QNAME, o: { edns?: number; id?: number; rd?: boolean } = {}): { msg: Buffer; shape: QueryShape } {
  const msg = dnsPacket.encode({
    type: 'query',
    id: o.id ?? 0x4242,
    flags: o.rd === false ? 0 : dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: 'A', class: 'IN' }],
    additionals: o.edns ? [{ type: 'OPT', name: '.', udpPayloadSize: o.edns, flags: 0 } as dnsPacket.Answer] : [],
  });
  const questionEnd = 12 + name.length + 2 + 4;
  return { msg, shape: { questionEnd, edns: !!o.edns, opcode: 0, flags: msg.readUInt16BE(2) } };
}

const a = (i: number, ttl = 30): RR => ({ name: QNAME, type: 'A', ttl, data: `10.245.0.${i}` });
const soa: RR = {
  name: 'cluster.local',
  type: 'SOA',
  ttl: 20,
  data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: 30 },
};
const set = (answers: RR[], authority: RR[] = [], additional: RR[] = [], rcode: number = RCODE.NOERROR): AnswerSet => ({ rcode, authoritative: true, answers, authority, additional });

describe('encodeAnswer', () => {
  test('counts, record ends, TTL offsets, smallest TTL of answers and authority (not glue)', () => {
    const e = encodeAnswer(QNAME, set([a(1, 30), a(2, 40)], [soa], [{ name: 'x.cluster.local', type: 'A', ttl: 5, data: '1.2.3.4' }]));
    expect([e.an, e.ns, e.ar]).toEqual([2, 1, 1]);
    expect(e.rrEnds).toHaveLength(4);
    expect(e.rrEnds[0]).toBe(16);
    expect(e.rrEnds[1]).toBe(32);
    expect(e.rrEnds[3]).toBe(e.body.length);
    expect(e.ttlOffsets.map((o) => e.body.readUInt32BE(o))).toEqual([30, 40, 20, 5]);
    expect(e.minTtl).toBe(20);
  });

  test('an empty answer: no body, TTL 0', () => {
    expect(emptyAnswer(RCODE.SERVFAIL)).toMatchObject({ rcode: RCODE.SERVFAIL, authoritative: false, an: 0, ns: 0, ar: 0, minTtl: 0 });
    expect(SERVFAIL.body.length).toBe(0);
    expect(REFUSED.rcode).toBe(RCODE.REFUSED);
  });
});

describe('buildResponse', () => {
  test('header: the client ID, QR, opcode, AA, RD copied, RA, rcode; the question byte for byte', () => {
    const spelled = 'BiG.Default.svc.CLUSTER.local';
    const { msg, shape } = query(spelled, { id: 0xabcd });
    const out = buildResponse(msg, shape, encodeAnswer(QNAME, set([a(1)])), 512);
    expect(out.subarray(12, shape.questionEnd).equals(msg.subarray(12, shape.questionEnd))).toBe(true);
    const d = dnsPacket.decode(out);
    expect(d).toMatchObject({ id: 0xabcd, flag_qr: true, flag_aa: true, flag_rd: true, flag_ra: true, flag_tc: false });
    expect(d.answers?.map((r) => r.name)).toEqual([spelled]);
    const noRd = query(QNAME, { rd: false });
    expect(dnsPacket.decode(buildResponse(noRd.msg, noRd.shape, encodeAnswer(QNAME, set([a(1)])), 512)).flag_rd).toBe(false);
  });

  test('NXDOMAIN with its SOA; not authoritative when the answer is not', () => {
    const { msg, shape } = query();
    const d = dnsPacket.decode(buildResponse(msg, shape, encodeAnswer(QNAME, set([], [soa], [], RCODE.NXDOMAIN)), 512));
    expect((d as { rcode?: string }).rcode).toBe('NXDOMAIN');
    expect(d.authorities?.map((r) => r.type)).toEqual(['SOA']);
    const nonAuth = dnsPacket.decode(buildResponse(msg, shape, REFUSED, 512));
    expect(nonAuth.flag_aa).toBe(false);
  });

  test.each([
    // [records, maxSize, edns] -> answers kept, tc
    [10, 512, 0, 10, false],
    [40, 512, 0, Math.floor((512 - 47) / 16), true],
    [50, 700, 700, Math.floor((700 - 47 - 11) / 16), true],
    [40, 65535, 0, 40, false],
    [3, 47 + 16 * 3, 0, 3, false], // exactly fits
    [3, 47 + 16 * 3 - 1, 0, 2, true], // one byte short
    [3, 47, 0, 0, true], // room for nothing
  ])('%i A records in %i bytes (EDNS %i): %i kept, TC %s', (n, max, edns, kept, tc) => {
    const { msg, shape } = query(QNAME, { edns: edns || undefined });
    const out = buildResponse(msg, shape, encodeAnswer(QNAME, set(Array.from({ length: n }, (_, i) => a(i)))), max);
    expect(out.length).toBeLessThanOrEqual(max);
    const d = dnsPacket.decode(out);
    expect(d.answers).toHaveLength(kept);
    expect(d.flag_tc).toBe(tc);
    expect((d.additionals ?? []).filter((r) => r.type === 'OPT')).toHaveLength(edns ? 1 : 0);
  });

  test('only additional records dropped: no TC (RFC 2181 §9)', () => {
    const { msg, shape } = query();
    const glue = Array.from({ length: 10 }, (_, i) => ({ name: `g${i}.cluster.local`, type: 'A', ttl: 30, data: '10.0.0.1' }));
    const e = encodeAnswer(QNAME, set([a(1), a(2)], [], glue));
    const max = shape.questionEnd + e.rrEnds[4];
    const d = dnsPacket.decode(buildResponse(msg, shape, e, max));
    expect(d.flag_tc).toBe(false);
    expect(d.answers).toHaveLength(2);
    expect(d.additionals).toHaveLength(3);
  });

  test('an authority record dropped sets TC', () => {
    const { msg, shape } = query();
    const e = encodeAnswer(QNAME, set([a(1)], [soa]));
    const d = dnsPacket.decode(buildResponse(msg, shape, e, shape.questionEnd + e.rrEnds[0]));
    expect(d.flag_tc).toBe(true);
    expect(d.authorities ?? []).toHaveLength(0);
  });

  test('TTLs lowered by the seconds spent in the cache, never below 0', () => {
    const { msg, shape } = query();
    const e = encodeAnswer(QNAME, set([a(1, 30), a(2, 5)], [soa]));
    const d = dnsPacket.decode(buildResponse(msg, shape, e, 512, 10));
    expect([...(d.answers ?? []), ...(d.authorities ?? [])].map((r) => (r as { ttl?: number }).ttl)).toEqual([20, 0, 10]);
    // The stored answer is untouched.
    expect(e.body.readUInt32BE(e.ttlOffsets[0])).toBe(30);
  });

  test('EDNS: our OPT, size 1232, version 0, extended rcode bits of the answer', () => {
    const { msg, shape } = query(QNAME, { edns: 4096 });
    const d = dnsPacket.decode(buildResponse(msg, shape, emptyAnswer(RCODE.BADVERS), 512));
    const o = d.additionals?.find((r) => r.type === 'OPT') as dnsPacket.OptAnswer;
    expect(o).toMatchObject({ udpPayloadSize: 1232, ednsVersion: 0, extendedRcode: 1 });
    expect(d.flags! & 0xf).toBe(0);
  });
});

describe('errorResponse', () => {
  test.each([
    ['FORMERR without a question', 12, RCODE.FORMERR, false, 0],
    ['NOTIMP with the question echoed', 12 + QNAME.length + 2 + 4, RCODE.NOTIMP, false, 1],
    ['BADVERS with an OPT', 12 + QNAME.length + 2 + 4, RCODE.BADVERS, true, 1],
  ])('%s', (_n, questionEnd, rcode, edns, qd) => {
    const { msg } = query(QNAME, { id: 0x7777 });
    const out = errorResponse(msg, 0x7777, 0x0100, questionEnd, rcode, edns);
    const h = { id: out.readUInt16BE(0), flags: out.readUInt16BE(2), qd: out.readUInt16BE(4), an: out.readUInt16BE(6), ns: out.readUInt16BE(8), ar: out.readUInt16BE(10) };
    expect(h).toMatchObject({ id: 0x7777, qd, an: 0, ns: 0, ar: edns ? 1 : 0 });
    expect(h.flags & 0x8000).toBe(0x8000); // QR
    expect(h.flags & 0x0100).toBe(0x0100); // RD copied
    expect(h.flags & 0xf).toBe(rcode & 0xf);
    const d = dnsPacket.decode(out);
    if (edns) expect((d.additionals?.[0] as dnsPacket.OptAnswer).extendedRcode).toBe(rcode >> 4);
    if (qd) expect(d.questions?.[0].name).toBe(QNAME);
  });

  test('the opcode is echoed', () => {
    const { msg } = query();
    const out = errorResponse(msg, 1, 5 << 11, 12, RCODE.NOTIMP);
    expect((out.readUInt16BE(2) >> 11) & 0xf).toBe(5);
  });
});
