// StaticZone: the zone checks made at load, and the answer rules of lookup (RFC 1034 §4.3.2)
// as rows of name, type, rcode, AA and the three sections.
import type { AnswerSet, Record as Rr } from '../../src/dns/records';
import { RCODE, TYPE } from '../../src/dns/constants';
import { ZoneFileError } from '../../src/zonefile/errors';
import { MAX_CHAIN, StaticZone } from '../../src/zonefile/zone';

const ZONE = `
$ORIGIN z.test.
$TTL 3600
@         SOA   ns1 hostmaster 42 7200 1800 86400 300
          NS    ns1
          NS    ns.other.test.
          MX    10 mail
          MX    20 mx.other.test.
ns1       A     192.0.2.1
          AAAA  2001:db8::1
mail      A     192.0.2.25
www       CNAME web
web       CNAME lb
lb     60 A     192.0.2.80
       60 A     192.0.2.81
ext       CNAME elsewhere.other.test.
dangling  CNAME missing
toent     CNAME ent
todel     CNAME host.del
_sip._tcp SRV   0 10 5060 sip
          SRV   0 10 5060 sip.other.test.
sip       A     192.0.2.50
          AAAA  2001:db8::50
a.ent     A     192.0.2.9
del       NS    ns.del
          NS    ns.other.test.
ns.del    A     192.0.2.53
*.wild    A     192.0.2.90
          TXT   "wild"
sub.wild  TXT   "real"
*.alias   CNAME lb
*.wc      CNAME x.wc
${Array.from({ length: 10 }, (_, i) => `c${i + 1} CNAME c${i + 2}`).join('\n')}
c11       A     192.0.2.11
`;

const SOA_NEG = 'z.test 300 SOA ns1.z.test hostmaster.z.test 42 7200 1800 86400 300';
const NS1 = ['ns1.z.test 3600 A 192.0.2.1', 'ns1.z.test 3600 AAAA 2001:db8::1'];

function show(rrs: Rr[]): string[] {
  return rrs.map((r) => {
    const d = r.data as unknown;
    const data = Array.isArray(d)
      ? d.map((b: Buffer) => JSON.stringify(b.toString())).join(' ')
      : typeof d === 'string' ? d : Object.values(d as object).join(' ');
    return `${r.name} ${r.ttl} ${r.type} ${data}`;
  });
}

function view(s: AnswerSet): unknown {
  return { rcode: s.rcode, aa: s.authoritative, answer: show(s.answers), authority: show(s.authority), additional: show(s.additional) };
}

const zone = StaticZone.fromText(ZONE, 'z.zone');

describe('StaticZone.lookup (RFC 1034 §4.3.2)', () => {
  type Row = [string, string, keyof typeof TYPE, number, boolean, string[], string[], string[]];
  const rows: Row[] = [
    // exact name and type: answers, AA, no authority section
    ['positive A', 'lb.z.test', 'A', RCODE.NOERROR, true, ['lb.z.test 60 A 192.0.2.80', 'lb.z.test 60 A 192.0.2.81'], [], []],
    ['apex SOA', 'z.test', 'SOA', RCODE.NOERROR, true, ['z.test 3600 SOA ns1.z.test hostmaster.z.test 42 7200 1800 86400 300'], [], []],
    ['apex NS with glue for the in-zone server', 'z.test', 'NS', RCODE.NOERROR, true,
      ['z.test 3600 NS ns1.z.test', 'z.test 3600 NS ns.other.test'], [], NS1],
    ['MX with the in-zone exchange address', 'z.test', 'MX', RCODE.NOERROR, true,
      ['z.test 3600 MX 10 mail.z.test', 'z.test 3600 MX 20 mx.other.test'], [], ['mail.z.test 3600 A 192.0.2.25']],
    ['SRV with the in-zone target addresses', '_sip._tcp.z.test', 'SRV', RCODE.NOERROR, true,
      ['_sip._tcp.z.test 3600 SRV 0 10 5060 sip.z.test', '_sip._tcp.z.test 3600 SRV 0 10 5060 sip.other.test'], [],
      ['sip.z.test 3600 A 192.0.2.50', 'sip.z.test 3600 AAAA 2001:db8::50']],
    // name exists without the type: NODATA, SOA with TTL min(3600, 300) (RFC 2308 §3)
    ['NODATA', 'lb.z.test', 'AAAA', RCODE.NOERROR, true, [], [SOA_NEG], []],
    ['NODATA for a type we do not know', 'lb.z.test', 'OPT', RCODE.NOERROR, true, [], [SOA_NEG], []],
    // CNAME: answered for every other type and chased inside the zone
    ['CNAME chain chased', 'www.z.test', 'A', RCODE.NOERROR, true,
      ['www.z.test 3600 CNAME web.z.test', 'web.z.test 3600 CNAME lb.z.test', 'lb.z.test 60 A 192.0.2.80', 'lb.z.test 60 A 192.0.2.81'], [], []],
    ['qtype CNAME is not chased', 'www.z.test', 'CNAME', RCODE.NOERROR, true, ['www.z.test 3600 CNAME web.z.test'], [], []],
    ['chain ends in NODATA: SOA in authority', 'www.z.test', 'TXT', RCODE.NOERROR, true,
      ['www.z.test 3600 CNAME web.z.test', 'web.z.test 3600 CNAME lb.z.test'], [SOA_NEG], []],
    ['chain ends at a missing name: NXDOMAIN (RFC 6604)', 'dangling.z.test', 'A', RCODE.NXDOMAIN, true,
      ['dangling.z.test 3600 CNAME missing.z.test'], [SOA_NEG], []],
    ['chain ends at an empty non-terminal: NODATA', 'toent.z.test', 'A', RCODE.NOERROR, true,
      ['toent.z.test 3600 CNAME ent.z.test'], [SOA_NEG], []],
    ['target outside the zone: the CNAME alone', 'ext.z.test', 'A', RCODE.NOERROR, true,
      ['ext.z.test 3600 CNAME elsewhere.other.test'], [], []],
    ['target in a delegation: the CNAME alone', 'todel.z.test', 'A', RCODE.NOERROR, true,
      ['todel.z.test 3600 CNAME host.del.z.test'], [], []],
    // empty non-terminal and missing names
    ['empty non-terminal: NODATA', 'ent.z.test', 'A', RCODE.NOERROR, true, [], [SOA_NEG], []],
    ['missing: NXDOMAIN with the SOA', 'nope.z.test', 'A', RCODE.NXDOMAIN, true, [], [SOA_NEG], []],
    ['below an existing name but missing: NXDOMAIN', 'x.lb.z.test', 'A', RCODE.NXDOMAIN, true, [], [SOA_NEG], []],
    // delegation: referral without AA, NS in authority, glue in additional
    ['at the cut: referral', 'del.z.test', 'A', RCODE.NOERROR, false, [],
      ['del.z.test 3600 NS ns.del.z.test', 'del.z.test 3600 NS ns.other.test'], ['ns.del.z.test 3600 A 192.0.2.53']],
    ['NS at the cut: referral too', 'del.z.test', 'NS', RCODE.NOERROR, false, [],
      ['del.z.test 3600 NS ns.del.z.test', 'del.z.test 3600 NS ns.other.test'], ['ns.del.z.test 3600 A 192.0.2.53']],
    ['below the cut, glue name included: referral', 'ns.del.z.test', 'A', RCODE.NOERROR, false, [],
      ['del.z.test 3600 NS ns.del.z.test', 'del.z.test 3600 NS ns.other.test'], ['ns.del.z.test 3600 A 192.0.2.53']],
    ['deep below the cut: referral', 'a.b.del.z.test', 'MX', RCODE.NOERROR, false, [],
      ['del.z.test 3600 NS ns.del.z.test', 'del.z.test 3600 NS ns.other.test'], ['ns.del.z.test 3600 A 192.0.2.53']],
    // ANY: every record at the name
    ['ANY', 'ns1.z.test', 'ANY', RCODE.NOERROR, true, NS1, [], []],
    ['ANY at an empty non-terminal: NODATA', 'ent.z.test', 'ANY', RCODE.NOERROR, true, [], [SOA_NEG], []],
    // wildcards (RFC 4592): the owner is the query name
    ['wildcard A', 'x.wild.z.test', 'A', RCODE.NOERROR, true, ['x.wild.z.test 3600 A 192.0.2.90'], [], []],
    ['wildcard for a deeper name', 'y.x.wild.z.test', 'TXT', RCODE.NOERROR, true, ['y.x.wild.z.test 3600 TXT "wild"'], [], []],
    ['wildcard NODATA', 'x.wild.z.test', 'AAAA', RCODE.NOERROR, true, [], [SOA_NEG], []],
    ['an existing name is not covered by the wildcard', 'sub.wild.z.test', 'A', RCODE.NOERROR, true, [], [SOA_NEG], []],
    ['the wildcard name itself', '*.wild.z.test', 'TXT', RCODE.NOERROR, true, ['*.wild.z.test 3600 TXT "wild"'], [], []],
    ['below an existing name under a wildcard: NXDOMAIN', 'a.sub.wild.z.test', 'A', RCODE.NXDOMAIN, true, [], [SOA_NEG], []],
    ['wildcard CNAME is chased', 'q.alias.z.test', 'A', RCODE.NOERROR, true,
      ['q.alias.z.test 3600 CNAME lb.z.test', 'lb.z.test 60 A 192.0.2.80', 'lb.z.test 60 A 192.0.2.81'], [], []],
    ['wildcard CNAME loop ends', 'l.wc.z.test', 'A', RCODE.NOERROR, true,
      ['l.wc.z.test 3600 CNAME x.wc.z.test', 'x.wc.z.test 3600 CNAME x.wc.z.test'], [], []],
  ];
  test.each(rows)('%s: %s %s', (_what, qname, qtype, rcode, aa, answer, authority, additional) => {
    expect(view(zone.lookup(qname, TYPE[qtype]))).toEqual({ rcode, aa, answer, authority, additional });
  });

  test(`a long CNAME chain stops after ${MAX_CHAIN} links`, () => {
    const s = zone.lookup('c1.z.test', TYPE.A);
    expect(s.rcode).toBe(RCODE.NOERROR);
    expect(s.answers).toHaveLength(MAX_CHAIN + 1);
    expect(s.answers.every((r) => r.type === 'CNAME')).toBe(true);
    expect(zone.lookup('c4.z.test', TYPE.A).answers.at(-1)).toMatchObject({ type: 'A', data: '192.0.2.11' });
  });

  test('records are dns-packet Answer shapes with class IN', () => {
    expect(zone.lookup('lb.z.test', TYPE.A).answers[0]).toEqual({ name: 'lb.z.test', type: 'A', class: 'IN', ttl: 60, data: '192.0.2.80' });
  });

  test('answer sets are built once, shared and frozen', () => {
    const a = zone.lookup('www.z.test', TYPE.A);
    expect(zone.lookup('www.z.test', TYPE.A)).toBe(a);
    expect(zone.lookup('nope.z.test', TYPE.A)).toBe(zone.lookup('other.z.test', TYPE.AAAA));
    expect(Object.isFrozen(a) && Object.isFrozen(a.answers) && Object.isFrozen(a.answers[0])).toBe(true);
    expect(() => (a.answers as Rr[]).push(a.answers[0])).toThrow(TypeError);
  });

  test('contains: the origin and below, nothing else', () => {
    expect(zone.origin).toBe('z.test');
    expect(['z.test', 'a.z.test', 'a.b.z.test'].map((n) => zone.contains(n))).toEqual([true, true, true]);
    expect(['test', 'xz.test', 'z.test.evil', ''].map((n) => zone.contains(n))).toEqual([false, false, false, false]);
  });

  test('a name outside the zone is REFUSED, not denied', () => {
    expect(view(zone.lookup('example.com', TYPE.A))).toEqual({ rcode: RCODE.REFUSED, aa: false, answer: [], authority: [], additional: [] });
  });

  test('negative SOA TTL is the SOA record TTL when that is lower than the minimum (RFC 2308 §3)', () => {
    const z = StaticZone.fromText('$ORIGIN n.test.\n@ 60 SOA ns hm 1 2 3 4 900\n 60 NS ns\nns 60 A 192.0.2.1', 'n');
    expect(show(z.lookup('x.n.test', TYPE.A).authority)).toEqual(['n.test 60 SOA ns.n.test hm.n.test 1 2 3 4 900']);
  });

  test('identical records collapse; differing TTLs in an RRset become the lowest (RFC 2181 §5)', () => {
    const z = StaticZone.fromText(`$ORIGIN d.test.\n$TTL 300\n@ SOA ns hm 1 2 3 4 5\n NS ns\nns A 192.0.2.1\n
a 100 A 192.0.2.1\na 50 A 192.0.2.2\na 100 A 192.0.2.1`, 'd');
    expect(show(z.lookup('a.d.test', TYPE.A).answers)).toEqual(['a.d.test 50 A 192.0.2.1', 'a.d.test 50 A 192.0.2.2']);
    expect(z.size).toBe(5);
    expect(z.serial).toBe(1);
  });

  test("a zone for the root name (origin '')", () => {
    const z = StaticZone.fromText('$TTL 5\n. SOA ns.root. hm.root. 1 2 3 4 5\n. NS ns.root.\nns.root. A 192.0.2.1', 'root');
    expect(z.origin).toBe('');
    expect(z.contains('anything.example')).toBe(true);
    expect(z.lookup('root', TYPE.A).rcode).toBe(RCODE.NOERROR);
    expect(z.lookup('nope', TYPE.A).rcode).toBe(RCODE.NXDOMAIN);
  });
});

describe('StaticZone checks at load (CDNS_ZONEFILE_ZONE)', () => {
  const BASE = '$ORIGIN v.test.\n$TTL 300\n@ SOA ns hm 1 2 3 4 5\n NS ns\nns A 192.0.2.1\n'; // 5 lines
  const rows: Array<[string, string, number | null, string | null, string]> = [
    ['no SOA', '$ORIGIN v.test.\n$TTL 1\n@ NS ns\nns A 192.0.2.1', null, null, 'no SOA record: expected exactly one'],
    ['two SOA', BASE + '@ SOA ns hm 2 2 3 4 5', 6, 'v.test', 'a second SOA record'],
    ['SOA below the apex', BASE + 'sub SOA ns hm 2 2 3 4 5', 6, 'sub.v.test', 'a second SOA record'],
    ['no NS at the apex', '$ORIGIN v.test.\n$TTL 1\n@ SOA ns hm 1 2 3 4 5\nns A 192.0.2.1', 3, null, "no NS record at the apex 'v.test'"],
    ['CNAME and A', BASE + 'www CNAME ns\nwww A 192.0.2.2', 7, 'www.v.test', 'a CNAME must be alone at its name'],
    ['A then CNAME', BASE + 'www A 192.0.2.2\nwww CNAME ns', 7, 'www.v.test', 'CNAME (line 7) and A records (line 6)'],
    ['CNAME at the apex', BASE + '@ CNAME other.test.', 6, 'v.test', 'a CNAME must be alone'],
    ['two CNAMEs', BASE + 'www CNAME a\nwww CNAME b', 7, 'www.v.test', 'a second CNAME'],
    ['out-of-zone data', BASE + 'www.other.test. A 192.0.2.2', 6, 'www.other.test', "outside the zone 'v.test'"],
    ['NS target is a CNAME', BASE + '@ NS alias\nalias CNAME ns', 6, 'alias.v.test', 'NS target alias.v.test is a CNAME (line 7)'],
    ['MX target is a CNAME', BASE + '@ MX 1 alias\nalias CNAME ns', 6, 'alias.v.test', 'expected the name of a host (RFC 2181 §10.3)'],
    ['SRV target is a CNAME', BASE + '_a._tcp SRV 0 0 1 alias\nalias CNAME ns', 6, 'alias.v.test', 'SRV target'],
    ['in-zone name server without address', BASE + '@ NS ns2', 6, 'ns2.v.test', 'has no A or AAAA record'],
    ['delegation without glue', BASE + 'lab NS ns.lab', 6, 'ns.lab.v.test', 'expected its address (glue)'],
    ['CNAME loop', BASE + 'a CNAME b\nb CNAME c\nc CNAME a', 6, 'a.v.test', 'CNAME loop: a.v.test -> b.v.test -> c.v.test -> a.v.test'],
    ['CNAME to itself', BASE + 'a CNAME a', 6, 'a.v.test', 'CNAME loop: a.v.test -> a.v.test'],
    ['NS at a wildcard', BASE + '*.w NS ns', 6, '*.w.v.test', 'wildcard'],
  ];
  test.each(rows)('%s', (_what, text, line, token, part) => {
    let err: unknown;
    try {
      StaticZone.fromText(text, 'zones/v.zone');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ZoneFileError);
    const e = err as ZoneFileError;
    expect({ code: e.code, line: e.line, token: e.token }).toEqual({ code: 'CDNS_ZONEFILE_ZONE', line, token });
    expect(e.message).toContain(`zones/v.zone${line === null ? '' : `:${line}`}: `);
    expect(e.message).toContain(part);
  });

  test('a name server in another delegated zone needs no glue here', () => {
    expect(() => StaticZone.fromText(BASE + 'a NS ns.b\nb NS ns.other.test.', 'v')).not.toThrow();
  });

  test('fromFile: a missing file is CDNS_ZONEFILE_READ naming the path', () => {
    expect(() => StaticZone.fromFile('/nonexistent/x.zone')).toThrow(
      /^CDNS_ZONEFILE_READ: \/nonexistent\/x\.zone: cannot read the zone file: ENOENT/);
  });
});
