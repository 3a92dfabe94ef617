// resolve/from-wire.ts: an upstream's reply turned into an EncodedAnswer (the same shape local
// answers have), with the TTL it may be cached for: the smallest answer TTL, or for a negative
// answer min(SOA TTL, SOA minimum) (RFC 2308 §5), -1 when it must not be cached; TTLs clamped,
// TTLs with the top bit set read as 0 (RFC 2181 §8), the upstream's OPT left out (RFC 6891).
import * as dnsPacket from 'dns-packet';
import { buildResponse } from '../../src/dns/encoded';
import { answerFromWire } from '../../src/resolve/from-wire';
import { A, decode, query, questionEnd, rcodeName, reply, soa, ttlsOf, dataOf } from '../support/resolve-unit';

const NAME = 'www.example.org';
const Q = query(NAME);
const QEND = questionEnd(NAME);
const shape = { questionEnd: QEND, edns: false, opcode: 0, flags: Q.readUInt16BE(2) };

/** The response a client would get for `Q` carrying the converted answer. */
const served = (msg: Buffer, min = 0, max = 0x7fffffff, size = 65535) => {
  const w = answerFromWire(msg, QEND, min, max);
  if (w === null) throw new Error('not converted');
  return { w, p: decode(buildResponse(Q, shape, w.answer, size)) };
};

describe('answerFromWire', () => {
  test.each([
    ['a positive answer: the smallest answer TTL', { answers: [A(NAME, '192.0.2.1', 300), A(NAME, '192.0.2.2', 120)], additionals: [A('x.example.org', '192.0.2.3', 5)] }, 120, false],
    ['NXDOMAIN with SOA: min(SOA TTL, minimum)', { rcode: 3, authorities: [soa('example.org', 900, 60)] }, 60, true],
    ['NXDOMAIN with SOA whose own TTL is lower', { rcode: 3, authorities: [soa('example.org', 30, 600)] }, 30, true],
    ['NODATA with SOA', { authorities: [soa('example.org', 900, 45)] }, 45, true],
    ['NXDOMAIN without SOA: not cached', { rcode: 3 }, -1, true],
    ['NODATA without SOA (a referral): not cached', { authorities: [{ name: 'example.org', type: 'NS', ttl: 60, data: 'ns1.example.org' }] }, -1, true],
    ['SERVFAIL: not cached', { rcode: 2 }, -1, false],
    ['REFUSED: not cached', { rcode: 5 }, -1, false],
  ] as const)('%s', (_what, o, cacheTtl, negative) => {
    const w = answerFromWire(reply(Q, o as never), QEND, 0, 0x7fffffff);
    expect(w).not.toBeNull();
    expect(w!.cacheTtl).toBe(cacheTtl);
    expect(w!.negative).toBe(negative);
    expect(w!.answer.minTtl).toBe(Math.max(cacheTtl, 0));
  });

  test('records come back byte for byte under the client question, with counts, rcode and AA', () => {
    const msg = reply(Q, { aa: true, answers: [A(NAME, '192.0.2.1')], authorities: [{ name: 'example.org', type: 'NS', ttl: 60, data: 'ns1.example.org' }], additionals: [A('ns1.example.org', '192.0.2.53')] });
    const { w, p } = served(msg);
    expect(w.answer.authoritative).toBe(true);
    expect([w.answer.an, w.answer.ns, w.answer.ar]).toEqual([1, 1, 1]);
    expect(dataOf(p)).toEqual(['www.example.org A 192.0.2.1']);
    expect(dataOf(p, 'authorities')).toEqual(['example.org NS ns1.example.org']);
    expect(dataOf(p, 'additionals')).toEqual(['ns1.example.org A 192.0.2.53']);
    expect(p.flag_aa).toBe(true);
    // Re-encoded with compression (issue 10 item 2): shorter than what followed the upstream's question.
    expect(w.answer.body.length).toBeLessThan(msg.length - QEND);
  });

  test('TTLs are clamped in the stored copy, so what is served is clamped too; the cache TTL follows', () => {
    const msg = reply(Q, { answers: [A(NAME, '192.0.2.1', 1), A(NAME, '192.0.2.2', 9000)] });
    const { w, p } = served(msg, 5, 600);
    expect(ttlsOf(p)).toEqual([5, 600]);
    expect(w.cacheTtl).toBe(5);
    // The upstream's buffer is not modified.
    expect(ttlsOf(decode(msg))).toEqual([1, 9000]);
  });

  test('a TTL with the top bit set counts as 0 (RFC 2181 §8)', () => {
    const msg = reply(Q, { answers: [A(NAME, '192.0.2.1', 60)] });
    msg.writeUInt32BE(0x80000001, QEND + NAME.length + 2 + 4); // owner, type, class, then TTL
    const { w, p } = served(msg);
    expect(w.cacheTtl).toBe(0);
    expect(ttlsOf(p)).toEqual([0]);
  });

  test("the upstream's OPT is left out, and with it the records after it", () => {
    const msg = reply(Q, {
      answers: [A(NAME, '192.0.2.1')],
      additionals: [A('glue.example.org', '192.0.2.9'), { type: 'OPT', name: '.', udpPayloadSize: 4096, flags: 0 } as dnsPacket.Answer],
    });
    const { w, p } = served(msg);
    expect(w.answer.ar).toBe(1);
    expect((p.additionals ?? []).map((r) => r.type)).toEqual(['A']);
    expect(w.answer.rrEnds).toHaveLength(2);
  });

  test('record boundaries let the response be cut for a small UDP client, with TC', () => {
    const answers = Array.from({ length: 40 }, (_, i) => A(NAME, `10.0.0.${i}`));
    const w = answerFromWire(reply(Q, { answers }), QEND, 0, 0x7fffffff)!;
    const out = buildResponse(Q, shape, w.answer, 512);
    const p = decode(out);
    expect(out.length).toBeLessThanOrEqual(512);
    expect(p.flag_tc).toBe(true);
    const rec = (w.answer.rrEnds[1] - w.answer.rrEnds[0]);
    expect(p.answers).toHaveLength(Math.floor((512 - QEND) / rec));
    expect(w.answer.ttlOffsets).toHaveLength(40);
  });

  test('compressed owner names pointing at the question take the client spelling', () => {
    // An upstream that compresses: the answer owner is a pointer to offset 12 (its question).
    const head = reply(Q, {}).subarray(0, QEND);
    head.writeUInt16BE(1, 6); // ANCOUNT
    const rr = Buffer.from([0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1]);
    const msg = Buffer.concat([head, rr]);
    const client = query('WwW.ExAmPlE.oRg');
    const w = answerFromWire(msg, QEND, 0, 0x7fffffff)!;
    const p = decode(buildResponse(client, shape, w.answer, 512));
    expect(p.answers?.[0].name).toBe('WwW.ExAmPlE.oRg');
    expect(rcodeName(p)).toBe('NOERROR');
  });

  test.each([
    ['shorter than a header', Buffer.alloc(8)],
    ['a record cut short', reply(Q, { answers: [A(NAME, '192.0.2.1')] }).subarray(0, QEND + 10)],
    ['an rdlength past the end', (() => {
      const m = reply(Q, { answers: [A(NAME, '192.0.2.1')] });
      m.writeUInt16BE(200, m.length - 6);
      return m;
    })()],
    ['a label length over 63', (() => {
      const m = reply(Q, { answers: [A(NAME, '192.0.2.1')] });
      m[QEND] = 0x50;
      return m;
    })()],
    ['more records counted than present', (() => {
      const m = reply(Q, { answers: [A(NAME, '192.0.2.1')] });
      m.writeUInt16BE(3, 6);
      return m;
    })()],
  ])('malformed (%s): null, never a throw', (_what, msg) => {
    expect(answerFromWire(msg, QEND, 0, 0x7fffffff)).toBeNull();
  });
});
