// dns/constants.ts: the numeric codes and their names (RFC 1035 §3.2, RFC 3596, RFC 2782,
// RFC 6891) as the writer, the metrics and the logs use them.
import { rcodeName, RCODE, TYPE, typeCode, typeName } from '../../src/dns/constants';

test.each([
  ['A', 1],
  ['NS', 2],
  ['CNAME', 5],
  ['SOA', 6],
  ['PTR', 12],
  ['MX', 15],
  ['TXT', 16],
  ['AAAA', 28],
  ['SRV', 33],
  ['OPT', 41],
  ['IXFR', 251],
  ['AXFR', 252],
  ['ANY', 255],
])('%s = %i, both ways', (name, code) => {
  expect((TYPE as Record<string, number>)[name]).toBe(code);
  expect(typeName(code)).toBe(name);
  expect(typeCode(name)).toBe(code);
  expect(typeCode(name.toLowerCase())).toBe(code);
});

test('unknown types: TYPEnnn (RFC 3597) one way, undefined the other', () => {
  expect(typeName(65)).toBe('TYPE65');
  expect(typeCode('BOGUS')).toBeUndefined();
});

test.each([
  [0, 'NOERROR'],
  [1, 'FORMERR'],
  [2, 'SERVFAIL'],
  [3, 'NXDOMAIN'],
  [4, 'NOTIMP'],
  [5, 'REFUSED'],
  [16, 'BADVERS'],
  [9, 'RCODE9'],
])('rcode %i is %s', (code, name) => {
  expect(rcodeName(code)).toBe(name);
  if (!name.startsWith('RCODE')) expect((RCODE as Record<string, number>)[name]).toBe(code);
});
