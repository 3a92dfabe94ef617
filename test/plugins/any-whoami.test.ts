// any (RFC 8482) and whoami through their link API, and once through the encoder to show the
// records are writable on the wire as clients will read them.
import * as dnsPacket from 'dns-packet';
import { TYPE } from '../../src/dns/constants';
import { buildResponse, encodeAnswer } from '../../src/dns/encoded';
import { createAny } from '../../src/plugins/any';
import { createWhoami } from '../../src/plugins/whoami';
import type { QueryInfo } from '../../src/plugins/types';

const q = (name: string, qtype: number, o: Partial<QueryInfo> = {}): QueryInfo => ({ name, qtype, qclass: 1, remoteAddress: '127.0.0.1', remotePort: 40000, proto: 'udp', ...o });

function wire(name: string, qtype: string, set: NonNullable<ReturnType<ReturnType<typeof createAny>['answer']>>) {
  const msg = dnsPacket.encode({ type: 'query', id: 1, questions: [{ name, type: qtype as dnsPacket.RecordType, class: 'IN' }] });
  return dnsPacket.decode(buildResponse(msg, { questionEnd: msg.length, edns: false, opcode: 0, flags: 0 }, encodeAnswer(name, set), 512));
}

describe('any', () => {
  const any = createAny();
  test('ANY gets HINFO "RFC8482" "" (TTL 8482); other types pass on', () => {
    const set = any.answer(q('web.default.svc.cluster.local', TYPE.ANY))!;
    expect(set).toEqual({ rcode: 0, authoritative: false, answers: [{ name: 'web.default.svc.cluster.local', type: 'HINFO', ttl: 8482, data: { cpu: 'RFC8482', os: '' } }], authority: [], additional: [] });
    expect(any.answer(q('web.default.svc.cluster.local', TYPE.A))).toBeNull();
    expect(any.memoizable).toBe(true);
    const r = wire('web.default.svc.cluster.local', 'ANY', set);
    expect(r.answers).toEqual([expect.objectContaining({ type: 'HINFO', ttl: 8482, data: { cpu: 'RFC8482', os: '' } })]);
  });
});

describe('whoami', () => {
  const who = createWhoami();
  test.each([
    ['IPv4 over UDP', q('example.org', TYPE.A), [{ name: 'example.org', type: 'A', ttl: 0, data: '127.0.0.1' }, { name: '_udp.example.org', type: 'SRV', ttl: 0, data: { priority: 0, weight: 0, port: 40000, target: '.' } }]],
    ['IPv6 over TCP, any qtype', q('example.org', TYPE.TXT, { remoteAddress: '::1', remotePort: 5353, proto: 'tcp' }), [{ name: 'example.org', type: 'AAAA', ttl: 0, data: '::1' }, { name: '_tcp.example.org', type: 'SRV', ttl: 0, data: { priority: 0, weight: 0, port: 5353, target: '.' } }]],
    ['a v4-mapped client is IPv4', q('a.b', TYPE.A, { remoteAddress: '::ffff:10.0.0.7' }), [{ name: 'a.b', type: 'A', ttl: 0, data: '10.0.0.7' }, expect.objectContaining({ name: '_udp.a.b' })]],
    ['the root', q('', TYPE.A), [{ name: '', type: 'A', ttl: 0, data: '127.0.0.1' }, expect.objectContaining({ name: '_udp' })]],
  ])('%s', (_t, query, additional) => {
    const set = who.answer(query)!;
    expect(set.rcode).toBe(0);
    expect(set.authoritative).toBe(true);
    expect(set.answers).toEqual([]);
    expect(set.additional).toEqual(additional);
  });

  test('not memoizable, and on the wire as dig shows it', () => {
    expect(who.memoizable).toBe(false);
    const r = wire('example.org', 'A', who.answer(q('example.org', TYPE.A))!);
    expect(r.answers).toEqual([]);
    expect(r.additionals).toEqual([
      expect.objectContaining({ name: 'example.org', type: 'A', data: '127.0.0.1' }),
      expect.objectContaining({ name: '_udp.example.org', type: 'SRV', data: expect.objectContaining({ port: 40000, target: '.' }) }),
    ]);
  });
});
