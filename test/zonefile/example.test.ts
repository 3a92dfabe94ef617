// zones/example.org.zone (served by `npm start`) loads, answers as its comments say, and every
// answer set it can produce is a valid dns-packet message. Also: every error code is documented.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as dnsPacket from 'dns-packet';
import { RCODE, TYPE } from '../../src/dns/constants';
import { ZONEFILE_CODES } from '../../src/zonefile/errors';
import { parseZoneFile } from '../../src/zonefile/parse';
import { StaticZone } from '../../src/zonefile/zone';

const FILE = join(__dirname, '..', '..', 'zones', 'example.org.zone');
const zone = StaticZone.fromFile(FILE);

test('loads with its SOA', () => {
  expect(zone.origin).toBe('example.org');
  expect(zone.serial).toBe(2024061501);
  expect(zone.size).toBeGreaterThan(30);
});

test.each<[string, keyof typeof TYPE, number, string[]]>([
  ['www.example.org', 'A', RCODE.NOERROR, ['www.example.org CNAME', 'web.example.org CNAME', 'lb.example.org A', 'lb.example.org A']],
  ['example.org', 'MX', RCODE.NOERROR, ['example.org MX', 'example.org MX']],
  ['_sip._tcp.example.org', 'SRV', RCODE.NOERROR, ['_sip._tcp.example.org SRV', '_sip._tcp.example.org SRV']],
  ['_ipp._tcp.example.org', 'PTR', RCODE.NOERROR, ['_ipp._tcp.example.org PTR']],
  ['info.example.org', 'TXT', RCODE.NOERROR, ['info.example.org TXT']],
  ['teams.example.org', 'A', RCODE.NOERROR, []],
  ['ci.teams.example.org', 'AAAA', RCODE.NOERROR, ['ci.teams.example.org CNAME', 'web.example.org CNAME', 'lb.example.org AAAA']],
  ['status.example.org', 'A', RCODE.NOERROR, ['status.example.org CNAME']],
  ['anything.apps.example.org', 'A', RCODE.NOERROR, ['anything.apps.example.org A']],
  ['nope.example.org', 'A', RCODE.NXDOMAIN, []],
])('%s %s', (name, type, rcode, answers) => {
  const s = zone.lookup(name, TYPE[type]);
  expect(s.rcode).toBe(rcode);
  expect(s.answers.map((r) => `${r.name} ${r.type}`)).toEqual(answers);
});

test('TXT strings keep spaces, quotes, semicolons and \\DDD bytes', () => {
  const txt = zone.lookup('printer._ipp._tcp.example.org', TYPE.TXT).answers[0].data as Buffer[];
  expect(txt.map((b) => b.toString('utf8'))).toEqual(['txtvers=1', 'note=2nd floor, room 2.14; by the "big" window', 'ty=Café Laser']);
});

test('lab.example.org is a referral with glue', () => {
  const s = zone.lookup('host.lab.example.org', TYPE.A);
  expect([s.authoritative, s.answers.length, s.authority.map((r) => r.data), s.additional.map((r) => r.data)])
    .toEqual([false, 0, ['ns.lab.example.org'], ['192.0.2.53']]);
});

test('every answer the zone can give encodes and decodes with dns-packet', () => {
  const names = new Set(parseZoneFile(readFileSync(FILE, 'utf8'), FILE).records.map((r) => r.name));
  names.add('teams.example.org').add('x.apps.example.org').add('missing.example.org');
  const types = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'PTR', 'SOA', 'SRV', 'TXT', 'ANY'] as const;
  let checked = 0;
  for (const name of names) {
    for (const t of types) {
      const s = zone.lookup(name, TYPE[t]);
      const wire = dnsPacket.encode({
        type: 'response', id: 1, flags: s.authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0,
        questions: [{ name, type: t as dnsPacket.RecordType }],
        answers: s.answers as dnsPacket.Answer[],
        authorities: s.authority as dnsPacket.Answer[],
        additionals: s.additional as dnsPacket.Answer[],
      });
      const back = dnsPacket.decode(wire);
      expect([back.answers!.length, back.authorities!.length, back.additionals!.length])
        .toEqual([s.answers.length, s.authority.length, s.additional.length]);
      expect(back.answers!.map((r) => `${r.name} ${r.type}`)).toEqual(s.answers.map((r) => `${r.name} ${r.type}`));
      checked++;
    }
  }
  expect(checked).toBe(names.size * types.length);
  expect(checked).toBeGreaterThan(200);
});

test('every CDNS_ZONEFILE_* code is documented in src/zonefile/README.md', () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'src', 'zonefile', 'README.md'), 'utf8');
  for (const code of ZONEFILE_CODES) expect(readme).toContain(`\`${code}\``);
  const src = ['errors.ts'].map((f) => readFileSync(join(__dirname, '..', '..', 'src', 'zonefile', f), 'utf8')).join('');
  expect(src.match(/'CDNS_ZONEFILE_[A-Z]+'/g)!.length).toBe(ZONEFILE_CODES.length * 2);
});
