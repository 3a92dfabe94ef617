// rewrite (plugins/rewrite.ts) through its link API, with rules as Corefiles write them: the
// question as the chain will ask it, and the answer mapped back by reverse().
import { TYPE } from '../../src/dns/constants';
import type { AnswerSet, Record as RR } from '../../src/dns/records';
import { createRewrite } from '../../src/plugins/rewrite';
import type { QueryInfo, RewriteRule } from '../../src/plugins/types';

const q = (name: string, qtype: number = TYPE.A, qclass = 1): QueryInfo => ({ name, qtype, qclass, remoteAddress: '10.0.0.1', remotePort: 1, proto: 'udp' });
let line = 10;
const rule = (o: Partial<RewriteRule>): RewriteRule => ({ origin: `Corefile:${line++}`, mode: 'stop', field: 'name', match: 'exact', from: '', to: '', answer: null, ...o });
const set = (answers: RR[]): AnswerSet => ({ rcode: 0, authoritative: true, answers, authority: [], additional: [] });
const a = (name: string, ip: string, ttl = 30): RR => ({ name, type: 'A', ttl, data: ip });
const lines = (s: AnswerSet) => s.answers.map((r) => `${r.name} ${r.ttl} ${r.type} ${typeof r.data === 'string' ? r.data : JSON.stringify(r.data)}`);

describe('name rules', () => {
  test('exact: the question changes and the answer name is mapped back by default', () => {
    const link = createRewrite({ rules: [rule({ from: 'db.example.com', to: 'postgres.data.svc.cluster.local' })] });
    const r = link.rewrite(q('db.example.com'))!;
    expect([r.name, r.qtype, r.qclass]).toEqual(['postgres.data.svc.cluster.local', TYPE.A, 1]);
    const answer = set([a('postgres.data.svc.cluster.local', '10.96.4.4')]);
    expect(lines(r.reverse(answer))).toEqual(['db.example.com 30 A 10.96.4.4']);
    expect(answer.answers[0].name).toBe('postgres.data.svc.cluster.local'); // the memoised set is not touched
    expect(link.rewrite(q('other.example.com'))).toBeNull();
    expect(link.rewrite(q('x.db.example.com'))).toBeNull();
  });

  test.each([
    ['prefix', 'staging-', 'prod-', 'staging-api.example.org', 'prod-api.example.org'],
    ['suffix', 'corp.internal', 'svc.cluster.local', 'web.default.corp.internal', 'web.default.svc.cluster.local'],
    ['substring', '.internal.company.com', '.default.svc.cluster.local', 'db.internal.company.com', 'db.default.svc.cluster.local'],
    ['regex', '(.*)-(us-west-1)\\.example\\.org\\.$', '{1}.service.{2}.consul', 'ftp-us-west-1.example.org', 'ftp.service.us-west-1.consul'],
  ] as const)('%s: %s -> %s', (match, from, to, asked, want) => {
    const link = createRewrite({ rules: [rule({ match, from, to })] });
    const r = link.rewrite(q(asked))!;
    expect(r.name).toBe(want);
    // Without `answer ...`, only exact maps names back.
    expect(lines(r.reverse(set([a(want, '192.0.2.1')])))).toEqual([`${want} 30 A 192.0.2.1`]);
  });

  test('regex with answer name and answer value (CoreDNS README): owners and CNAME targets mapped back', () => {
    const link = createRewrite({
      rules: [
        rule({
          match: 'regex',
          from: '(.*)-(us-west-1)\\.coredns\\.rocks',
          to: '{1}.service.{2}.consul',
          answer: [
            { kind: 'name', from: '(.*)\\.service\\.(us-west-1)\\.consul', to: '{1}-{2}.coredns.rocks' },
            { kind: 'value', from: '(.*)\\.service\\.(us-west-1)\\.consul', to: '{1}-{2}.coredns.rocks' },
          ],
        }),
      ],
    });
    const r = link.rewrite(q('ftp-us-west-1.coredns.rocks'))!;
    expect(r.name).toBe('ftp.service.us-west-1.consul');
    const back = r.reverse(set([
      { name: 'ftp.service.us-west-1.consul', type: 'CNAME', ttl: 5, data: 'www.service.us-west-1.consul' },
      a('www.service.us-west-1.consul', '10.10.10.10'),
    ]));
    expect(lines(back)).toEqual(['ftp-us-west-1.coredns.rocks 5 CNAME www-us-west-1.coredns.rocks', 'www-us-west-1.coredns.rocks 30 A 10.10.10.10']);
  });

  test('answer auto on a suffix rule', () => {
    const link = createRewrite({ rules: [rule({ match: 'suffix', from: 'corp.', to: 'svc.cluster.local.', answer: { kind: 'auto' } })] });
    const r = link.rewrite(q('web.default.corp'))!;
    expect(lines(r.reverse(set([a('web.default.svc.cluster.local', '10.96.0.9')])))).toEqual(['web.default.corp 30 A 10.96.0.9']);
  });

  test('a result that is not a domain name is no match', () => {
    const link = createRewrite({ rules: [rule({ match: 'regex', from: '^(.*)\\.bad\\.$', to: '{1}..broken' })] });
    expect(link.rewrite(q('x.bad'))).toBeNull();
  });
});

describe('type, class, ttl; continue and stop; answer rewrites in reverse', () => {
  test('type ANY HINFO, class CH IN', () => {
    const link = createRewrite({ rules: [rule({ field: 'type', from: 'ANY', to: 'HINFO', mode: 'continue' }), rule({ field: 'class', from: 'CH', to: 'IN' })] });
    const r = link.rewrite(q('example.org', TYPE.ANY, 3))!;
    expect([r.name, r.qtype, r.qclass]).toEqual(['example.org', 13, 1]);
    expect(link.rewrite(q('example.org', TYPE.A))).toBeNull();
  });

  test.each([
    ['15', [15, 15, 15]],
    ['30-60', [30, 30, 60]],
    ['-40', [5, 30, 40]],
    ['20-', [20, 30, 300]],
  ])('ttl regex .* %s', (to, want) => {
    const link = createRewrite({ rules: [rule({ field: 'ttl', match: 'regex', from: '(.*)\\.coredns\\.rocks', to })] });
    const r = link.rewrite(q('www.coredns.rocks'))!;
    expect(r.name).toBe('www.coredns.rocks');
    expect(r.reverse(set([a('www.coredns.rocks', '1.1.1.1', 5), a('www.coredns.rocks', '1.1.1.2', 30), a('www.coredns.rocks', '1.1.1.3', 300)])).answers.map((x) => x.ttl)).toEqual(want);
    expect(link.rewrite(q('www.example.org'))).toBeNull();
  });

  test('stop (the default) ends the rules; continue goes on, matching the rewritten name; answers mapped in reverse', () => {
    const rules = [
      rule({ mode: 'continue', match: 'exact', from: 'a.example', to: 'b.example' }),
      rule({ mode: 'continue', match: 'exact', from: 'b.example', to: 'c.example' }),
      rule({ field: 'ttl', match: 'exact', from: 'c.example', to: '60' }),
      rule({ match: 'exact', from: 'c.example', to: 'never.example' }),
    ];
    const r = createRewrite({ rules }).rewrite(q('a.example'))!;
    expect(r.name).toBe('c.example');
    expect(lines(r.reverse(set([a('c.example', '10.0.0.3')])))).toEqual(['a.example 60 A 10.0.0.3']);

    const stopFirst = createRewrite({ rules: [rule({ mode: 'stop', from: 'a.example', to: 'b.example' }), rule({ from: 'b.example', to: 'c.example' })] });
    expect(stopFirst.rewrite(q('a.example'))!.name).toBe('b.example');
  });
});

describe('configuration errors', () => {
  test.each([
    [rule({ origin: 'Corefile:31', match: 'regex', from: '([a-z]+', to: '{1}.x' }), 'CDNS_PLUGIN_REGEX: Corefile:31: rewrite: "([a-z]+": expected a Go regular expression: Unterminated group'],
    [rule({ origin: 'Corefile:32', field: 'type', from: 'A', to: 'BOGUS' }), 'CDNS_PLUGIN_VALUE: Corefile:32: rewrite: type A BOGUS: expected a record type (A, AAAA, MX, ANY, ...), got "BOGUS"'],
    [rule({ origin: 'Corefile:33', field: 'class', from: 'XX', to: 'IN' }), 'CDNS_PLUGIN_VALUE: Corefile:33: rewrite: class XX IN: expected a class (IN, CH, HS, ANY), got "XX"'],
    [rule({ origin: 'Corefile:34', field: 'ttl', match: 'exact', from: 'a.example', to: '60-30' }), 'CDNS_PLUGIN_VALUE: Corefile:34: rewrite: ttl a.example 60-30: expected seconds (0-2147483647) or a range MIN-MAX, -MAX, MIN-'],
    [rule({ origin: 'Corefile:35', from: 'a.example', to: 'not a name' }), 'CDNS_PLUGIN_VALUE: Corefile:35: rewrite: name exact a.example "not a name": expected a domain name to rewrite to'],
    [rule({ origin: 'Corefile:36', match: 'regex', from: 'x', to: 'y', answer: [{ kind: 'name', from: '(?<=a)b', to: 'c' }] }), 'CDNS_PLUGIN_REGEX: Corefile:36: rewrite: "(?<=a)b": expected a Go regular expression: lookaround ((?=, (?!, (?<=, (?<!) is not RE2 syntax'],
  ])('%#', (r, message) => {
    expect(() => createRewrite({ rules: [r] })).toThrow(message);
  });
});
