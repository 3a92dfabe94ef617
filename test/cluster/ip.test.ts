// cluster/ip.ts: address family, canonical text (RFC 5952), dashed labels (SPEC §2 Endpoint
// names, Pods) and reverse names (RFC 1035 §3.5, RFC 3596 §2.5). One table per function.
import { addressFromReverse, dashedIP, formatIPv6, ipFamily, ipv4Bytes, ipv6Bytes, normalizeIP, reverseName, undashIP } from '../../src/cluster/ip';

/** Full 32-digit hex -> ip6.arpa name, written independently of the code under test. */
const ptr6 = (full: string) => full.replace(/:/g, '').split('').reverse().join('.') + '.ip6.arpa';

test.each([
  ['10.0.0.1', 4],
  ['255.255.255.255', 4],
  ['::1', 6],
  ['fd00:10:96::20', 6],
  ['::ffff:1.2.3.4', 6],
  ['10.0.0', 0],
  ['10.0.0.256', 0],
  ['fd00::1::2', 0],
  ['example.com', 0],
  ['', 0],
])('ipFamily(%j) = %i', (ip, fam) => {
  expect(ipFamily(ip)).toBe(fam);
});

test.each([
  ['10.96.0.1', '10.96.0.1'],
  ['FD00:0:0:0:0:0:0:20', 'fd00::20'],
  ['fd00:0010:0096:0000:0000:0000:0000:0020', 'fd00:10:96::20'],
  ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // equal runs: the first is shortened
  ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run wins
  ['1:2:3:4:5:6:7:0', '1:2:3:4:5:6:7:0'], // a single zero group is not "::"
  ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'],
  ['0:0:0:0:0:0:0:0', '::'],
  ['0:0:0:0:0:0:0:1', '::1'],
  ['1:0:0:0:0:0:0:0', '1::'],
  ['2001:DB8::', '2001:db8::'],
  ['not-an-ip', ''],
])('normalizeIP(%j) = %j', (ip, want) => {
  expect(normalizeIP(ip)).toBe(want);
});

test('ipv4Bytes / ipv6Bytes / formatIPv6 round trip', () => {
  expect([...ipv4Bytes('10.244.1.7')]).toEqual([10, 244, 1, 7]);
  expect(ipv6Bytes('2001:db8::1').toString('hex')).toBe('20010db8000000000000000000000001');
  expect(ipv6Bytes('::ffff:1.2.3.4').toString('hex')).toBe('00000000000000000000ffff01020304');
  expect(formatIPv6(Buffer.from('fd000010009600000000000000000020', 'hex'))).toBe('fd00:10:96::20');
});

describe('dashedIP (SPEC §2 Endpoint names)', () => {
  test.each([
    ['10.244.1.7', '10-244-1-7'],
    ['5678:abcd::1', '5678-abcd--1'],
    ['2001:db8::', '2001-db8--0'], // a trailing '-' gets a '0'
    ['::1', '0--1'], // and a leading one
    ['::', '0--0'],
    ['fd00:10:96::20', 'fd00-10-96--20'],
  ])('%s -> %s', (ip, label) => {
    expect(dashedIP(ip)).toBe(label);
  });
});

describe('undashIP (SPEC §2 Pods: exactly 3 dashes and no -- is IPv4, otherwise IPv6)', () => {
  test.each([
    ['10-244-1-7', '10.244.1.7'],
    ['0-0-0-0', '0.0.0.0'],
    ['5678-abcd--1', '5678:abcd::1'],
    ['2001-db8--0', '2001:db8::'],
    ['0--1', '::1'],
    ['fd00-0-0-0-0-0-0-1', 'fd00::1'],
    ['10--1-2', '10::1:2'], // 3 dashes but a '--': IPv6
    ['1-2-3', ''],
    ['1-2-3-256', ''],
    ['1-2-3-4-5', ''],
    ['a-b-c-d', ''],
    ['fd00---1', ''],
    ['zz--1', ''],
    ['', ''],
    ['10-244-1-7-', ''],
  ])('%j -> %j', (label, ip) => {
    expect(undashIP(label)).toBe(ip);
  });
});

describe('reverse names', () => {
  test.each([
    ['10.96.0.1', '1.0.96.10.in-addr.arpa'],
    ['192.0.2.255', '255.2.0.192.in-addr.arpa'],
    ['2001:db8::1', ptr6('20010db8000000000000000000000001')],
    ['fd00:10:96::20', ptr6('fd000010009600000000000000000020')],
    ['::', ptr6('00000000000000000000000000000000')],
  ])('reverseName(%s) and back', (ip, name) => {
    expect(reverseName(ip)).toBe(name);
    expect(addressFromReverse(name)).toBe(ip);
  });

  test.each([
    '96.10.in-addr.arpa', // a zone, not an address
    '5.1.96.10.10.in-addr.arpa', // five labels
    '256.0.96.10.in-addr.arpa',
    '01.0.96.10.in-addr.arpa', // leading zero
    'a.0.96.10.in-addr.arpa',
    '.0.96.10.in-addr.arpa',
    'in-addr.arpa',
    ptr6('20010db8000000000000000000000001').slice(2), // 31 nibbles
    '12.' + ptr6('20010db8000000000000000000000001').slice(2), // a label of two digits
    'g.' + ptr6('20010db8000000000000000000000001').slice(2),
    'ip6.arpa',
    'web.default.svc.cluster.local',
  ])('addressFromReverse(%j) = "" (not a full address)', (name) => {
    expect(addressFromReverse(name)).toBe('');
  });
});
