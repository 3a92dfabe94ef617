// resolve/from-wire.ts re-encodes an upstream's records with name compression (issue 10 item
// 2): each row is an upstream reply built by dns-packet (uncompressed), converted, served to a
// client and decoded again by dns-packet; the records must be the same, the body no longer.
import * as dnsPacket from 'dns-packet';
import { buildResponse } from '../../src/dns/encoded';
import { answerFromWire } from '../../src/resolve/from-wire';
import { A, dataOf, decode, query, questionEnd, reply, soa } from '../support/resolve-unit';

const NAME = 'www.example.org';
const ANY = 'ANY' as dnsPacket.RecordType;
const Q = query(NAME, ANY);
const QEND = questionEnd(NAME);
const shape = { questionEnd: QEND, edns: false, opcode: 0, flags: Q.readUInt16BE(2) };

const rr = (type: string, data: unknown, name = NAME): dnsPacket.Answer => ({ name, type, ttl: 60, data }) as dnsPacket.Answer;

describe('forwarded records are compressed and read back the same', () => {
  test.each([
    ['A x3', [A(NAME, '192.0.2.1'), A(NAME, '192.0.2.2'), A(NAME, '192.0.2.3')], true],
    ['AAAA', [rr('AAAA', '2001:db8::1')], true],
    ['CNAME into the same zone', [rr('CNAME', 'web.example.org')], true],
    ['NS', [rr('NS', 'ns1.example.org'), rr('NS', 'ns2.example.org')], true],
    ['PTR', [rr('PTR', 'host.example.org')], true],
    ['MX', [rr('MX', { preference: 10, exchange: 'mail.example.org' })], true],
    ['SRV: the target stays uncompressed (RFC 2782), the owner is compressed', [rr('SRV', { priority: 1, weight: 2, port: 80, target: 'srv.example.org' })], true],
    ['TXT', [rr('TXT', ['hello', 'world'])], true],
    ['CAA (no names: copied as is)', [rr('CAA', { flags: 0, tag: 'issue', value: 'ca.example.net' })], true],
    ['SOA', [soa('example.org', 60, 30)], true],
    ['NAPTR (names in a layout not rewritten: kept as sent)', [rr('NAPTR', { order: 1, preference: 1, flags: 'U', services: 'E2U+sip', regexp: '', replacement: 'x.example.org' })], false],
  ])('%s', (_what, answers, shorter) => {
    const msg = reply(Q, { answers: answers as dnsPacket.Answer[] });
    const w = answerFromWire(msg, QEND, 0, 0x7fffffff);
    expect(w).not.toBeNull();
    const served = buildResponse(Q, shape, w!.answer, 65535);
    const norm = (p: dnsPacket.DecodedPacket) => dataOf(p).map((s) => s.toLowerCase()).sort();
    expect(norm(decode(served))).toEqual(norm(decode(msg)));
    if (shorter) expect(w!.answer.body.length).toBeLessThan(msg.length - QEND);
    else expect(w!.answer.body.equals(msg.subarray(QEND))).toBe(true);
    expect(w!.answer.rrEnds).toHaveLength(answers.length);
    expect(w!.answer.rrEnds[answers.length - 1]).toBe(w!.answer.body.length);
  });

  test('an upstream that compresses rdata (a CNAME target pointing at its own question) is decompressed and re-pointed', () => {
    const head = reply(Q, {}).subarray(0, QEND);
    head.writeUInt16BE(1, 6);
    // owner -> 12, CNAME, IN, TTL 60, rdata: label "web" then a pointer to "example.org" at 16.
    const rd = Buffer.from([3, 0x77, 0x65, 0x62, 0xc0, 16]);
    const rec = Buffer.concat([Buffer.from([0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, rd.length]), rd]);
    const w = answerFromWire(Buffer.concat([head, rec]), QEND, 0, 0x7fffffff)!;
    expect(dataOf(decode(buildResponse(Q, shape, w.answer, 512)))).toEqual([`${NAME} CNAME web.example.org`]);
  });

  test.each([
    ['an rdata name running past its rdlength', (() => {
      const m = reply(Q, { answers: [rr('CNAME', 'web.example.org')] });
      m.writeUInt16BE(3, m.length - 17 - 2); // rdlength 3 instead of 17
      return m.subarray(0, m.length - 14);
    })()],
    ['a pointer loop in an owner name', (() => {
      const head = reply(Q, {}).subarray(0, QEND);
      head.writeUInt16BE(1, 6);
      const at = QEND;
      return Buffer.concat([head, Buffer.from([0xc0 | (at >> 8), at & 0xff, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4])]);
    })()],
  ])('malformed (%s): null', (_what, msg) => {
    expect(answerFromWire(msg, QEND, 0, 0x7fffffff)).toBeNull();
  });
});
