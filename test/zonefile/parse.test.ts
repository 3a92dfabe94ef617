// Table tests of the master-file parser: every syntax feature it accepts, and every error
// with its code, file:line and token (src/zonefile/README.md).
import { parseZoneFile, type ZoneRecord } from '../../src/zonefile/parse';
import { ZoneFileError, type ZoneFileCode } from '../../src/zonefile/errors';

const HEAD = '$ORIGIN example.org.\n$TTL 300\n';

/** Records as `name ttl type data` lines, TXT strings shown as JSON. */
function show(records: ZoneRecord[]): string[] {
  return records.map((r) => {
    const d = r.data;
    const data = Array.isArray(d)
      ? d.map((b: Buffer) => JSON.stringify(b.toString('latin1'))).join(' ')
      : typeof d === 'string' ? d : Object.values(d as object).join(' ');
    return `${r.name} ${r.ttl} ${r.type} ${data}`;
  });
}

describe('parseZoneFile: accepted syntax', () => {
  const rows: Array<[string, string, string[]]> = [
    ['relative name under $ORIGIN', 'www A 192.0.2.1', ['www.example.org 300 A 192.0.2.1']],
    ['@ is the origin', '@ A 192.0.2.1', ['example.org 300 A 192.0.2.1']],
    ['absolute name, case folded', 'WWW.Example.NET. A 192.0.2.1', ['www.example.net 300 A 192.0.2.1']],
    ['omitted owner reuses the previous one', 'www A 192.0.2.1\n   A 192.0.2.2\n\tAAAA 2001:db8::1',
      ['www.example.org 300 A 192.0.2.1', 'www.example.org 300 A 192.0.2.2', 'www.example.org 300 AAAA 2001:db8::1']],
    ['TTL then class', 'a 60 IN A 192.0.2.1', ['a.example.org 60 A 192.0.2.1']],
    ['class then TTL', 'a IN 60 A 192.0.2.1', ['a.example.org 60 A 192.0.2.1']],
    ['class only', 'a IN A 192.0.2.1', ['a.example.org 300 A 192.0.2.1']],
    ['TTL only', 'a 60 A 192.0.2.1', ['a.example.org 60 A 192.0.2.1']],
    ['lower-case class and type', 'a in a 192.0.2.1', ['a.example.org 300 A 192.0.2.1']],
    ['TTL units', 'a 1h A 192.0.2.1\nb 2d A 192.0.2.1\nc 1w A 192.0.2.1\nd 1h30m A 192.0.2.1\ne 90S A 192.0.2.1',
      ['a.example.org 3600 A 192.0.2.1', 'b.example.org 172800 A 192.0.2.1', 'c.example.org 604800 A 192.0.2.1',
        'd.example.org 5400 A 192.0.2.1', 'e.example.org 90 A 192.0.2.1']],
    ['$TTL changes the default', 'a A 192.0.2.1\n$TTL 1h\nb A 192.0.2.1', ['a.example.org 300 A 192.0.2.1', 'b.example.org 3600 A 192.0.2.1']],
    ['$ORIGIN relative to the current origin', '$ORIGIN sub\nx A 192.0.2.1', ['x.sub.example.org 300 A 192.0.2.1']],
    ['$ORIGIN changes relative names after it', 'a A 192.0.2.1\n$ORIGIN example.net.\na A 192.0.2.2',
      ['a.example.org 300 A 192.0.2.1', 'a.example.net 300 A 192.0.2.2']],
    ['parentheses span lines, with comments', 'a MX ( 10 ; preference\n  mail ) ; exchange\nb A 192.0.2.1',
      ['a.example.org 300 MX 10 mail.example.org', 'b.example.org 300 A 192.0.2.1']],
    ['comment-only and blank lines keep the owner', 'a A 192.0.2.1\n; note\n\n   ; indented note\n  A 192.0.2.2',
      ['a.example.org 300 A 192.0.2.1', 'a.example.org 300 A 192.0.2.2']],
    ['CRLF line ends', 'a A 192.0.2.1\r\n  A 192.0.2.2\r\n', ['a.example.org 300 A 192.0.2.1', 'a.example.org 300 A 192.0.2.2']],
    ['AAAA is lower-cased', 'a AAAA 2001:DB8::A', ['a.example.org 300 AAAA 2001:db8::a']],
    ['NS CNAME PTR names', 'a NS ns1\nb CNAME c.example.net.\nc PTR @',
      ['a.example.org 300 NS ns1.example.org', 'b.example.org 300 CNAME c.example.net', 'c.example.org 300 PTR example.org']],
    ['SRV, and . as "no service"', '_x._tcp SRV 1 2 3 t\n_y._udp SRV 0 0 0 .',
      ['_x._tcp.example.org 300 SRV 1 2 3 t.example.org', '_y._udp.example.org 300 SRV 0 0 0 ']],
    ['SOA with timer units', '@ SOA ns hm.example.org. ( 7 1h 15m 1w 60 )',
      ['example.org 300 SOA ns.example.org hm.example.org 7 3600 900 604800 60']],
    ['TXT: several strings, spaces, unquoted', 'a TXT "hello world" two "" x', ['a.example.org 300 TXT "hello world" "two" "" "x"']],
    ['TXT: ; and parentheses inside quotes', 'a TXT "a;b (c)"  ; real comment', ['a.example.org 300 TXT "a;b (c)"']],
    ['TXT: \\" and \\\\ escapes', 'a TXT "say \\"hi\\"" "back\\\\slash"', ['a.example.org 300 TXT "say \\"hi\\"" "back\\\\slash"']],
    ['TXT: \\DDD bytes', 'a TXT "caf\\195\\169" "\\000\\255"', ['a.example.org 300 TXT "cafÃ©" "\\u0000ÿ"']],
    ['TXT: escapes outside quotes', 'a TXT semi\\;colon sp\\ ace', ['a.example.org 300 TXT "semi;colon" "sp ace"']],
    ['TXT: UTF-8 text', 'a TXT "café"', ['a.example.org 300 TXT "cafÃ©"']],
    ['wildcard owner', '*.apps A 192.0.2.9', ['*.apps.example.org 300 A 192.0.2.9']],
    ['owner that looks like a class or type', 'in A 192.0.2.1\nmx A 192.0.2.2', ['in.example.org 300 A 192.0.2.1', 'mx.example.org 300 A 192.0.2.2']],
    ['numeric owner (reverse zone style)', '1 PTR host', ['1.example.org 300 PTR host.example.org']],
  ];
  test.each(rows)('%s', (_what, body, expected) => {
    expect(show(parseZoneFile(HEAD + body, 't.zone').records)).toEqual(expected);
  });

  test('without $TTL an omitted TTL is the last one stated (RFC 1035 §5.1)', () => {
    const z = parseZoneFile('$ORIGIN example.org.\na 60 A 192.0.2.1\nb A 192.0.2.2', 't.zone');
    expect(show(z.records)).toEqual(['a.example.org 60 A 192.0.2.1', 'b.example.org 60 A 192.0.2.2']);
  });

  test('defaultOrigin stands in for $ORIGIN, trailing dot optional', () => {
    expect(show(parseZoneFile('$TTL 5\nw A 192.0.2.1', 't', 'Example.COM').records)).toEqual(['w.example.com 5 A 192.0.2.1']);
    expect(show(parseZoneFile('$TTL 5\n@ A 192.0.2.1', 't', 'example.com.').records)).toEqual(['example.com 5 A 192.0.2.1']);
  });

  test('origin is the owner of the SOA, else the first origin', () => {
    expect(parseZoneFile(HEAD + '$ORIGIN sub\n@ SOA ns hm 1 2 3 4 5\n', 't').origin).toBe('sub.example.org');
    expect(parseZoneFile(HEAD + 'a A 192.0.2.1', 't').origin).toBe('example.org');
    expect(parseZoneFile('$TTL 1\na.example. A 192.0.2.1', 't').origin).toBe('');
  });

  test('records carry their line', () => {
    const z = parseZoneFile(HEAD + 'a MX (\n 10\n m )\nb A 192.0.2.1', 't');
    expect(z.records.map((r) => r.line)).toEqual([3, 6]);
  });

  test('an empty file has no records', () => {
    expect(parseZoneFile('; nothing\n\n', 't').records).toEqual([]);
  });
});

describe('parseZoneFile: errors name file:line, the token and what was expected', () => {
  // [what, body (after HEAD, which is 2 lines), code, line, token or null, message part]
  const rows: Array<[string, string, ZoneFileCode, number, string | null, string]> = [
    ['$INCLUDE', '$INCLUDE other.zone', 'CDNS_ZONEFILE_DIRECTIVE', 3, '$INCLUDE', '$INCLUDE is not supported'],
    ['$GENERATE', 'a A 192.0.2.1\n$GENERATE 1-4 h$ A 10.0.0.$', 'CDNS_ZONEFILE_DIRECTIVE', 4, '$GENERATE', 'expected $ORIGIN or $TTL'],
    ['$ORIGIN without a name', '$ORIGIN', 'CDNS_ZONEFILE_SYNTAX', 3, '$ORIGIN', 'expected a domain name'],
    ['$TTL with two values', '$TTL 1 2', 'CDNS_ZONEFILE_SYNTAX', 3, '2', 'expected only a TTL'],
    ['class CH', 'a CH A 192.0.2.1', 'CDNS_ZONEFILE_CLASS', 3, 'CH', 'IN records only'],
    ['class HS after TTL', 'a 60 hs A 192.0.2.1', 'CDNS_ZONEFILE_CLASS', 3, 'hs', 'expected IN'],
    ['class CLASS3', 'a CLASS3 A 192.0.2.1', 'CDNS_ZONEFILE_CLASS', 3, 'CLASS3', 'IN records only'],
    ['two classes', 'a IN CH A 192.0.2.1', 'CDNS_ZONEFILE_SYNTAX', 3, 'CH', 'a second class'],
    ['two TTLs', 'a 1 IN 2 A 192.0.2.1', 'CDNS_ZONEFILE_SYNTAX', 3, '2', 'a second TTL'],
    ['unknown type', 'a\tFOO bar', 'CDNS_ZONEFILE_TYPE', 3, 'FOO', 'unknown record type: expected one of A, AAAA'],
    ['unsupported real type', '\n\na CAA 0 issue "ca.example"', 'CDNS_ZONEFILE_TYPE', 5, 'CAA', 'CAA is not served'],
    ['RFC 3597 TYPEnnn', 'a TYPE65 \\# 0', 'CDNS_ZONEFILE_TYPE', 3, 'TYPE65', 'not served'],
    ['indented name read as a type', 'a A 192.0.2.1\n  www A 192.0.2.1', 'CDNS_ZONEFILE_TYPE', 4, 'www', 'starts with a blank'],
    ['no type', 'a 60 IN', 'CDNS_ZONEFILE_SYNTAX', 3, 'IN', 'expected a record type'],
    ['quoted type', 'a "A" 192.0.2.1', 'CDNS_ZONEFILE_TYPE', 3, 'A', 'unknown record type'],
    ['bad A', 'a A 192.0.2.256', 'CDNS_ZONEFILE_SYNTAX', 3, '192.0.2.256', 'expected an IPv4 address'],
    ['IPv6 in A', 'a A 2001:db8::1', 'CDNS_ZONEFILE_SYNTAX', 3, '2001:db8::1', 'expected an IPv4 address'],
    ['bad AAAA', 'a AAAA 192.0.2.1', 'CDNS_ZONEFILE_SYNTAX', 3, '192.0.2.1', 'expected an IPv6 address'],
    ['bad TTL', 'a 1x A 192.0.2.1', 'CDNS_ZONEFILE_SYNTAX', 3, '1x', 'TTL: expected seconds or a duration'],
    ['TTL too large', 'a 2147483648 A 192.0.2.1', 'CDNS_ZONEFILE_SYNTAX', 3, '2147483648', 'at most 2147483647'],
    ['bad $TTL', '$TTL soon', 'CDNS_ZONEFILE_SYNTAX', 3, 'soon', '$TTL: expected seconds'],
    ['MX preference not a number', 'a MX ten mail', 'CDNS_ZONEFILE_SYNTAX', 3, 'ten', 'MX preference: expected an integer 0-65535'],
    ['SRV port too large', 'a SRV 0 0 65536 t', 'CDNS_ZONEFILE_SYNTAX', 3, '65536', 'SRV port: expected an integer 0-65535'],
    ['SOA serial too large', '@ SOA ns hm 4294967296 1 1 1 1', 'CDNS_ZONEFILE_SYNTAX', 3, '4294967296', 'SOA serial'],
    ['SRV missing the target', 'a SRV 0 0\n b A 192.0.2.1', 'CDNS_ZONEFILE_SYNTAX', 3, null, 'missing port, target'],
    ['missing rdata on a later line', 'a SOA ns hm (\n 1 2 3\n 4 )', 'CDNS_ZONEFILE_SYNTAX', 5, null, 'missing minimum'],
    ['extra token (comment without ;)', 'a A 192.0.2.1 web server', 'CDNS_ZONEFILE_SYNTAX', 3, 'web', 'unexpected extra token'],
    ['unterminated quote', 'a TXT "abc\nb A 192.0.2.1', 'CDNS_ZONEFILE_SYNTAX', 3, '"abc', 'unterminated quoted string'],
    ['backslash before the end of a quoted line', 'a TXT "abc\\\nb A 192.0.2.1', 'CDNS_ZONEFILE_SYNTAX', 3, '"abc\\', 'unterminated'],
    ['( never closed', 'a SOA ns hm (\n 1 2 3 4 5\nb A 192.0.2.1', 'CDNS_ZONEFILE_SYNTAX', 3, '(', "expected ')'"],
    ['nested (', 'a SOA ns hm (\n 1 ( 2 ) 3 4 5 )', 'CDNS_ZONEFILE_SYNTAX', 4, '(', 'nested'],
    ['stray )', 'a A 192.0.2.1 )', 'CDNS_ZONEFILE_SYNTAX', 3, ')', "without an open '('"],
    ['first record without owner', '  A 192.0.2.1', 'CDNS_ZONEFILE_SYNTAX', 3, 'A', 'previous owner'],
    ['empty label', 'a..b A 192.0.2.1', 'CDNS_ZONEFILE_SYNTAX', 3, 'a..b', 'empty labels'],
    ['bad character', 'a!b A 192.0.2.1', 'CDNS_ZONEFILE_SYNTAX', 3, 'a!b', "label 'a!b' may hold only"],
    ['* inside a label', 'a* A 192.0.2.1', 'CDNS_ZONEFILE_SYNTAX', 3, 'a*', 'lone'],
    ['label over 63', `${'x'.repeat(64)} A 192.0.2.1`, 'CDNS_ZONEFILE_SYNTAX', 3, 'x'.repeat(64), 'at most 63'],
    ['name over 253', `${'abcdefghi.'.repeat(25)}abcd. A 192.0.2.1`, 'CDNS_ZONEFILE_SYNTAX', 3, `${'abcdefghi.'.repeat(25)}abcd.`, 'at most 253'],
    ['escape in a name', 'a CNAME b\\.c', 'CDNS_ZONEFILE_SYNTAX', 3, 'b\\.c', 'without backslash escapes'],
    ['quoted name', 'a CNAME "b"', 'CDNS_ZONEFILE_SYNTAX', 3, '"b"', 'not a quoted string'],
    ['\\DDD over 255', 'a TXT "x\\256"', 'CDNS_ZONEFILE_SYNTAX', 3, '\\256', 'three digits 000-255'],
    ['\\DD short', 'a TXT "x\\12"', 'CDNS_ZONEFILE_SYNTAX', 3, '\\12', 'three digits'],
    ['TXT string over 255 bytes', `a TXT "${'y'.repeat(256)}"`, 'CDNS_ZONEFILE_SYNTAX', 3, `${'y'.repeat(37)}...`, 'at most 255 bytes'],
    ['backslash at the end of a line', 'a TXT abc\\\nb A 192.0.2.1', 'CDNS_ZONEFILE_SYNTAX', 3, 'abc\\', "'\\' at the end of a line"],
  ];
  test.each(rows)('%s', (_what, body, code, line, token, part) => {
    let err: unknown;
    try {
      parseZoneFile(HEAD + body, 'zones/t.zone');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ZoneFileError);
    const e = err as ZoneFileError;
    expect({ code: e.code, line: e.line, file: e.file }).toEqual({ code, line, file: 'zones/t.zone' });
    expect(e.message.startsWith(`${code}: zones/t.zone:${line}: `)).toBe(true);
    expect(e.message).toContain(part);
    if (token !== null) {
      expect(e.token).toBe(token);
      expect(e.message).toContain(`(got '${token}')`);
    }
  });

  test('a relative name or @ with no origin at all', () => {
    expect(() => parseZoneFile('$TTL 1\nwww A 192.0.2.1', 'f')).toThrow(/^CDNS_ZONEFILE_SYNTAX: f:2: owner name: a relative name needs an origin: add \$ORIGIN/);
    expect(() => parseZoneFile('$TTL 1\n@ A 192.0.2.1', 'f')).toThrow(/f:2: owner name: '@' needs an origin/);
    expect(() => parseZoneFile('$TTL 1\na.example. CNAME b', 'f')).toThrow(/f:2: CNAME target name: a relative name needs/);
  });

  test('no TTL anywhere', () => {
    expect(() => parseZoneFile('$ORIGIN example.org.\n\nwww A 192.0.2.1', 'f')).toThrow(
      "CDNS_ZONEFILE_SYNTAX: f:3: no TTL for this record: expected $TTL at the top of the file or a TTL before the type (got 'A')");
  });
});
