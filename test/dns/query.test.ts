// dns/query.ts: the fast reader of header, question and OPT (RFC 1035 §4.1, RFC 6891 §6).
// Every row is a wire message and what the reader makes of it; malformed input is a status,
// never a throw.
import * as dnsPacket from 'dns-packet';
import { cacheKey, ParsedQuery, readQuery, ReadStatus } from '../../src/dns/query';
import { header, opt, typeClass, u16, wireName } from '../support/dns-e2e';

const q = (name: string, type: dnsPacket.RecordType = 'A', o: { edns?: number; id?: number; klass?: string } = {}) =>
  dnsPacket.encode({
    type: 'query',
    id: o.id ?? 0x1234,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type, class: (o.klass ?? 'IN') as 'IN' }],
    additionals: o.edns ? [{ type: 'OPT', name: '.', udpPayloadSize: o.edns, flags: 0 } as dnsPacket.Answer] : [],
  });

function read(msg: Buffer, into = new ParsedQuery()) {
  const status = readQuery(msg, into);
  return { status, q: into };
}

test('a plain query: lower-cased name, type, class, where the question ends', () => {
  const msg = q('Web.Default.SVC.cluster.local', 'AAAA', { id: 0xbeef });
  const { status, q: p } = read(msg);
  expect(status).toBe(ReadStatus.OK);
  expect(p).toMatchObject({
    id: 0xbeef,
    opcode: 0,
    qdcount: 1,
    name: 'web.default.svc.cluster.local',
    plainName: true,
    qtype: 28,
    qclass: 1,
    edns: false,
    udpSize: 512,
    ednsVersion: 0,
    ednsError: false,
    questionEnd: msg.length,
  });
  expect(p.flags & 0x0100).toBe(0x0100);
  expect(p.qclass).toBe(1);
});

test('the cache key ignores case and separates types', () => {
  const a = read(q('WEB.default.svc.cluster.local')).q.key;
  const b = read(q('web.default.svc.cluster.local')).q.key;
  const c = read(q('web.default.svc.cluster.local', 'AAAA')).q.key;
  expect(a).toBe(b);
  expect(c).not.toBe(a);
});

test.each([
  ['the root', wireName(''), '', true],
  ['one label', wireName('local'), 'local', true],
  ['a label holding a dot', Buffer.from([3, 0x61, 0x2e, 0x62, 5, 0x6c, 0x6f, 0x63, 0x61, 0x6c, 0]), 'a.b.local', false],
  ['a label holding a backslash', Buffer.from([1, 0x5c, 0]), '\\', false],
  ['upper-case ASCII only is folded', Buffer.from([2, 0x41, 0xc4, 0]), 'a\u00c4', true],
])('name: %s', (_n, name, want, plain) => {
  const msg = Buffer.concat([header(), name, typeClass(1)]);
  const { status, q: p } = read(msg);
  expect(status).toBe(ReadStatus.OK);
  expect(p.name).toBe(want);
  expect(p.plainName).toBe(plain);
});

test.each([
  [4096, 4096],
  [1232, 1232],
  [512, 512],
  [511, 512], // RFC 6891 §6.2.5: below 512 counts as 512
  [0, 512],
])('EDNS size %i -> udpSize %i', (size, want) => {
  const { status, q: p } = read(Buffer.concat([header({ ar: 1 }), wireName('web.default.svc.cluster.local'), typeClass(1), opt(size)]));
  expect(status).toBe(ReadStatus.OK);
  expect(p.edns).toBe(true);
  expect(p.udpSize).toBe(want);
});

test('EDNS version 1 is read (the handler answers BADVERS)', () => {
  const { status, q: p } = read(Buffer.concat([header({ ar: 1 }), wireName('x.local'), typeClass(1), opt(1232, 1)]));
  expect(status).toBe(ReadStatus.OK);
  expect([p.edns, p.ednsVersion]).toEqual([true, 1]);
});

test('the ParsedQuery is reused: EDNS state from the previous query does not leak', () => {
  const p = new ParsedQuery();
  read(q('a.local', 'A', { edns: 4096 }), p);
  expect(p.udpSize).toBe(4096);
  read(q('b.local', 'A'), p);
  expect([p.edns, p.udpSize, p.name]).toEqual([false, 512, 'b.local']);
  read(Buffer.concat([header({ ar: 2 }), wireName('c.local'), typeClass(1), opt(), opt()]), p);
  expect(p.ednsError).toBe(true);
  read(q('d.local', 'A', { edns: 1232 }), p);
  expect([p.ednsError, p.edns, p.udpSize]).toEqual([false, true, 1232]);
});

test.each([
  ['11 bytes', Buffer.alloc(11), ReadStatus.DROP],
  ['empty', Buffer.alloc(0), ReadStatus.DROP],
  ['a response (QR set)', Buffer.concat([header({ flags: 0x8000 }), wireName('a.local'), typeClass(1)]), ReadStatus.DROP],
  ['opcode 2 (STATUS)', Buffer.concat([header({ flags: 2 << 11 }), wireName('a.local'), typeClass(1)]), ReadStatus.NOTIMP],
  ['opcode 5 (UPDATE) with no question', header({ flags: 5 << 11, qd: 0 }), ReadStatus.NOTIMP],
  ['qdcount 0', header({ qd: 0 }), ReadStatus.FORMERR],
  ['qdcount 2', Buffer.concat([header({ qd: 2 }), wireName('a.local'), typeClass(1), wireName('b.local'), typeClass(1)]), ReadStatus.FORMERR],
  ['a label of 64', Buffer.concat([header(), Buffer.from([64]), Buffer.alloc(64, 0x61), Buffer.from([0]), typeClass(1)]), ReadStatus.FORMERR],
  ['a compression pointer', Buffer.concat([header(), Buffer.from([0xc0, 12]), typeClass(1)]), ReadStatus.FORMERR],
  ['a name without its end', Buffer.concat([header(), Buffer.from([5, 0x61, 0x62])]), ReadStatus.FORMERR],
  ['no type and class', Buffer.concat([header(), wireName('a.local')]), ReadStatus.FORMERR],
  ['a name of 256 bytes', Buffer.concat([header(), ...Array.from({ length: 4 }, () => Buffer.concat([Buffer.from([63]), Buffer.alloc(63, 0x61)])), Buffer.from([0]), typeClass(1)]), ReadStatus.FORMERR],
  ['ancount 1 and nothing', Buffer.concat([header({ an: 1 }), wireName('a.local'), typeClass(1)]), ReadStatus.FORMERR],
  ['a record whose rdata runs past the end', Buffer.concat([header({ ar: 1 }), wireName('a.local'), typeClass(1), Buffer.from([0]), u16(1), u16(1), Buffer.alloc(4), u16(10), Buffer.alloc(4)]), ReadStatus.FORMERR],
  ['two OPT records', Buffer.concat([header({ ar: 2 }), wireName('a.local'), typeClass(1), opt(), opt()]), ReadStatus.FORMERR],
  ['an OPT in the answer section', Buffer.concat([header({ an: 1 }), wireName('a.local'), typeClass(1), opt()]), ReadStatus.FORMERR],
  ['an OPT with an owner name', Buffer.concat([header({ ar: 1 }), wireName('a.local'), typeClass(1), Buffer.from([1, 0x78]), opt()]), ReadStatus.FORMERR],
])('%s -> status %i', (_n, msg, status) => {
  const p = new ParsedQuery();
  expect(readQuery(msg, p)).toBe(status);
  if (status !== ReadStatus.DROP) expect(p.id).toBe(0x1234);
});

test('the longest legal name (255 bytes on the wire) is read', () => {
  // 3 labels of 63 + one of 61: 4*1 + 63*3 + 61 + 1 = 255.
  const labels = [63, 63, 63, 61].map((n) => Buffer.concat([Buffer.from([n]), Buffer.alloc(n, 0x62)]));
  const { status, q: p } = read(Buffer.concat([header(), ...labels, Buffer.from([0]), typeClass(1)]));
  expect(status).toBe(ReadStatus.OK);
  expect(p.name.length).toBe(253);
});

test('records after the question are skipped, compressed owners included', () => {
  const rec = Buffer.concat([u16(0xc00c), u16(1), u16(1), Buffer.alloc(4), u16(4), Buffer.from([1, 2, 3, 4])]);
  const { status, q: p } = read(Buffer.concat([header({ an: 1, ar: 1 }), wireName('a.local'), typeClass(1), rec, opt(2048)]));
  expect(status).toBe(ReadStatus.OK);
  expect([p.edns, p.udpSize]).toEqual([true, 2048]);
});

test('class is read, not judged here (the resolver refuses non-IN)', () => {
  const { status, q: p } = read(q('version.bind', 'TXT', { klass: 'CH' }));
  expect(status).toBe(ReadStatus.OK);
  expect(p.qclass).toBe(3);
});

test.each([
  ['web.default.svc.cluster.local', 'A', 1],
  ['WeB.Example.ORG', 'AAAA', 28],
  ['example.org', 'UNKNOWN_65', 65], // HTTPS, which dns-packet has no name for
  ['', 'NS', 2],
])('cacheKey(%s, %s) is the key readQuery makes from the wire (a chase and a client share entries)', (name, type, code) => {
  const { status, q: p } = read(q(name, type as never));
  expect(status).toBe(ReadStatus.OK);
  expect(cacheKey(name.toLowerCase(), code)).toBe(p.key);
});
