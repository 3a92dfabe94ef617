// dns/writer.ts: the record encoder with name compression (RFC 1035 §4.1.4). Its output is
// checked by decoding it with dns-packet (an independent decoder) and by its exact size.
import * as dnsPacket from 'dns-packet';
import { WireWriter } from '../../src/dns/writer';
import type { Record as RR } from '../../src/dns/records';

const QNAME = 'web.default.svc.cluster.local';

/** header + question for `qname` (as a query for A), then the writer's body: one whole message. */
function message(qname: string, records: RR[], spelled = qname): { msg: Buffer; body: Buffer } {
  const w = new WireWriter(qname);
  for (const r of records) w.record(r);
  const body = w.body();
  const q = dnsPacket.encode({ type: 'response', id: 1, flags: 0, questions: [{ name: spelled, type: 'A', class: 'IN' }] });
  const msg = Buffer.concat([q, body]);
  msg.writeUInt16BE(records.length, 6);
  return { msg, body };
}

test('an owner equal to the question is a 2-byte pointer to offset 12', () => {
  const { body } = message(QNAME, [{ name: QNAME, type: 'A', ttl: 30, data: '10.96.0.1' }]);
  expect(body.length).toBe(2 + 10 + 4);
  expect(body.readUInt16BE(0)).toBe(0xc00c);
});

test('the pointer makes the owner echo the question spelling (SPEC §1, 0x20)', () => {
  const spelled = 'WeB.default.SVC.cluster.local';
  const { msg } = message(QNAME, [{ name: QNAME, type: 'A', ttl: 30, data: '10.96.0.1' }], spelled);
  expect(dnsPacket.decode(msg).answers?.[0].name).toBe(spelled);
});

test('suffixes of the question and of earlier names are reused', () => {
  const recs: RR[] = [
    { name: 'db.default.svc.cluster.local', type: 'A', ttl: 30, data: '10.0.0.1' }, // 'db' + pointer to default.svc...
    { name: 'db.default.svc.cluster.local', type: 'A', ttl: 30, data: '10.0.0.2' }, // pointer to the previous owner
    { name: 'x.db.default.svc.cluster.local', type: 'AAAA', ttl: 30, data: 'fd00::1' }, // 'x' + pointer
  ];
  const { msg, body } = message(QNAME, recs);
  expect(body.length).toBe(1 + 2 + 2 + 14 + (2 + 14) + (1 + 1 + 2 + 10 + 16));
  const d = dnsPacket.decode(msg);
  expect(d.answers?.map((r) => `${r.name} ${r.type} ${(r as { data: string }).data}`)).toEqual([
    'db.default.svc.cluster.local A 10.0.0.1',
    'db.default.svc.cluster.local A 10.0.0.2',
    'x.db.default.svc.cluster.local AAAA fd00::1',
  ]);
});

test('compression matches suffixes case-insensitively', () => {
  const { body } = message(QNAME, [{ name: 'WEB.Default.svc.cluster.local', type: 'A', ttl: 1, data: '1.2.3.4' }]);
  expect(body.readUInt16BE(0)).toBe(0xc00c);
});

test('every common type round-trips through dns-packet', () => {
  const recs: RR[] = [
    { name: QNAME, type: 'A', ttl: 30, data: '10.96.0.1' },
    { name: QNAME, type: 'AAAA', ttl: 30, data: 'fd00:10:96::20' },
    { name: QNAME, type: 'CNAME', ttl: 30, data: 'api.example.com' },
    { name: '34.12.96.10.in-addr.arpa', type: 'PTR', ttl: 30, data: QNAME },
    { name: 'cluster.local', type: 'NS', ttl: 30, data: 'ns.dns.cluster.local' },
    { name: '_http._tcp.' + QNAME, type: 'SRV', ttl: 30, data: { priority: 0, weight: 50, port: 80, target: QNAME } },
    { name: 'dns-version.cluster.local', type: 'TXT', ttl: 28800, data: ['1.1.0'] },
    { name: 'cluster.local', type: 'MX', ttl: 30, data: { preference: 10, exchange: 'mail.cluster.local' } },
    {
      name: 'cluster.local',
      type: 'SOA',
      ttl: 30,
      data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 4000000000, refresh: 7200, retry: 1800, expire: 86400, minimum: 30 },
    },
  ];
  const d = dnsPacket.decode(message(QNAME, recs).msg);
  const got = (d.answers ?? []).map((r) => ({ name: r.name, type: r.type, ttl: (r as { ttl?: number }).ttl, data: (r as { data: unknown }).data }));
  expect(got.slice(0, 6)).toEqual(recs.slice(0, 6).map((r) => ({ ...r, data: r.data })));
  expect((got[6].data as Buffer[]).map(String)).toEqual(['1.1.0']);
  expect(got[7].data).toEqual({ preference: 10, exchange: 'mail.cluster.local' });
  expect(got[8].data).toEqual(recs[8].data);
});

test('a type outside dns/constants TYPE (CAA, 257) keeps its type code; dns-packet encodes its rdata', () => {
  // Such records reach the writer when an ExternalName chase re-encodes an upstream answer.
  const d = dnsPacket.decode(message(QNAME, [{ name: 'cluster.local', type: 'CAA', ttl: 30, data: { flags: 0, tag: 'issue', value: 'ca.example' } }]).msg);
  expect(d.answers?.[0].type).toBe('CAA');
  expect((d.answers?.[0] as { data: unknown }).data).toMatchObject({ flags: 0, tag: 'issue', value: 'ca.example' });
});

test('an SRV target is written in full even when a suffix is known (RFC 2782)', () => {
  const target = QNAME;
  const { body } = message(QNAME, [{ name: '_http._tcp.' + QNAME, type: 'SRV', ttl: 30, data: { priority: 0, weight: 100, port: 80, target } }]);
  const full = Buffer.concat(target.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])));
  expect(body.includes(Buffer.concat([full, Buffer.from([0])]))).toBe(true);
});

test('a name after an SRV target may point into that target', () => {
  const target = 'db-0.db.default.svc.cluster.local';
  const recs: RR[] = [
    { name: QNAME, type: 'SRV', ttl: 30, data: { priority: 0, weight: 100, port: 5432, target } },
    { name: target, type: 'A', ttl: 30, data: '10.244.1.10' },
  ];
  const { body, msg } = message(QNAME, recs);
  // The glue owner is one pointer: 2 + 10 + 4 bytes at the end.
  expect(body.readUInt16BE(body.length - 16) & 0xc000).toBe(0xc000);
  expect(dnsPacket.decode(msg).answers?.[1].name).toBe(target);
});

test('offsets: record() returns where the TTL sits; the body grows past its first buffer', () => {
  const w = new WireWriter(QNAME);
  const start = w.bodyStart;
  expect(start).toBe(12 + QNAME.length + 2 + 4);
  const ttlAt = w.record({ name: QNAME, type: 'A', ttl: 0x01020304, data: '10.0.0.1' });
  expect(ttlAt - start).toBe(2 + 4);
  for (let i = 0; i < 100; i++) w.record({ name: `n${i}.x.example`, type: 'A', ttl: 1, data: '10.0.0.2' });
  const body = w.body();
  expect(body.readUInt32BE(ttlAt - start)).toBe(0x01020304);
  expect(w.offset - start).toBe(body.length);
});

test('names keep their spelling, uncompressed SRV targets register suffixes, the root is one byte', () => {
  const recs: RR[] = [
    { name: 'Pod-0.DB.default.svc.cluster.local', type: 'A', ttl: 30, data: '10.0.0.1' }, // 'Pod-0' 'DB' + pointer
    { name: '_pg._tcp.db.default.svc.cluster.local', type: 'SRV', ttl: 30, data: { priority: 0, weight: 100, port: 5432, target: 'x.y.example.org.' } },
    { name: 'y.example.org', type: 'A', ttl: 30, data: '255.0.0.9' }, // a pointer into the uncompressed target
    { name: '.', type: 'NS', ttl: 30, data: 'a.root-servers.net' },
  ];
  const { msg, body } = message(QNAME, recs);
  const d = dnsPacket.decode(msg);
  expect(d.answers?.map((r) => `${r.name} ${r.type} ${JSON.stringify((r as { data: unknown }).data)}`)).toEqual([
    'Pod-0.DB.default.svc.cluster.local A "10.0.0.1"',
    // Compression is case-insensitive: the owner points at the earlier 'DB' spelling.
    '_pg._tcp.DB.default.svc.cluster.local SRV {"priority":0,"weight":100,"port":5432,"target":"x.y.example.org"}',
    'y.example.org A "255.0.0.9"',
    '. NS "a.root-servers.net"',
  ]);
  // y.example.org is a pointer (2 bytes) to the target's second label.
  const yOwnerAt = body.length - (1 + 10 + 20) - (2 + 10 + 4);
  expect(body.readUInt16BE(yOwnerAt) & 0xc000).toBe(0xc000);
});

test.each(['10.0.0', '10.0.0.1.2', '10.0.0.256', '10.256.0.1', '300.1.1.1', '10..0.1', 'a.b.c.d', '::1', ''])('an A record of %j is refused, not written half', (bad) => {
  expect(() => message(QNAME, [{ name: QNAME, type: 'A', ttl: 1, data: bad }])).toThrow(/not an IPv4 address/);
});
