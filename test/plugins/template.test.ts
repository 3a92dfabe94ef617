// template (plugins/template.ts) through its link API with the templates real Corefiles carry:
// AKS's search-path NXDOMAIN, the CoreDNS README's ip-a-b-c-d names and their PTR, .Remote,
// authority/additional records, first-match order, and the configuration errors.
import { RCODE, TYPE } from '../../src/dns/constants';
import type { AnswerSet } from '../../src/dns/records';
import { createTemplate, createTemplates } from '../../src/plugins/template';
import type { QueryInfo, TemplateConfig } from '../../src/plugins/types';

const q = (name: string, qtype: number = TYPE.A, qclass = 1): QueryInfo => ({ name, qtype, qclass, remoteAddress: '10.244.0.7', remotePort: 33000, proto: 'udp' });
const cfg = (o: Partial<TemplateConfig>): TemplateConfig => ({ origin: 'Corefile:20', qclass: null, qtype: null, zones: [''], match: [], answer: [], additional: [], authority: [], rcode: RCODE.NOERROR, fallthrough: null, ...o });
const show = (s: AnswerSet | null) =>
  s === null
    ? null
    : {
        rcode: s.rcode,
        answers: s.answers.map((r) => `${r.name} ${r.ttl} ${r.type} ${JSON.stringify(r.data)}`),
        authority: s.authority.map((r) => `${r.name} ${r.type}`),
        additional: s.additional.map((r) => `${r.name} ${r.type} ${JSON.stringify(r.data)}`),
      };

// AKS (kube-system/coredns): names with 4+ labels under the VNet suffix are search-path misses.
const AKS = cfg({ zones: ['internal.cloudapp.net'], match: ['^(?:[^.]+\\.){4,}internal\\.cloudapp\\.net\\.$'], rcode: RCODE.NXDOMAIN, fallthrough: [] });
// CoreDNS README: ip-a-b-c-d.example answers a.b.c.d, and the PTR the other way.
const IPNAMES = cfg({
  qclass: 1,
  qtype: TYPE.A,
  zones: ['example'],
  match: ['^ip-(?P<a>[0-9]*)-(?P<b>[0-9]*)-(?P<c>[0-9]*)-(?P<d>[0-9]*)[.]example[.]$'],
  answer: ['{{ .Name }} 60 IN A {{ .Group.a }}.{{ .Group.b }}.{{ .Group.c }}.{{ .Group.d }}'],
  fallthrough: [],
});
const PTRS = cfg({
  qclass: 1,
  qtype: TYPE.PTR,
  zones: ['in-addr.arpa'],
  match: ['^(?P<d>[0-9]*)[.](?P<c>[0-9]*)[.](?P<b>[0-9]*)[.](?P<a>[0-9]*)[.]in-addr[.]arpa[.]$'],
  answer: ['{{ .Name }} 60 IN PTR ip-{{ .Group.a }}-{{ .Group.b }}-{{ .Group.c }}-{{ .Group.d }}.example.'],
});

describe('answers', () => {
  test.each([
    ['AKS: a 4-label name is NXDOMAIN', AKS, q('api.default.svc.cluster.local.internal.cloudapp.net'), { rcode: RCODE.NXDOMAIN, answers: [], authority: [], additional: [] }],
    ['AKS: a shorter name falls through', AKS, q('vm1.internal.cloudapp.net'), null],
    ['AKS: outside the zone passes on', AKS, q('example.com'), null],
    ['named groups', IPNAMES, q('ip-10-1-2-3.example'), { rcode: 0, answers: ['ip-10-1-2-3.example 60 A "10.1.2.3"'], authority: [], additional: [] }],
    ['another type passes on', IPNAMES, q('ip-10-1-2-3.example', TYPE.AAAA), null],
    ['another class passes on', IPNAMES, q('ip-10-1-2-3.example', TYPE.A, 3), null],
    ['qtype ANY is served by a typed template', IPNAMES, q('ip-10-1-2-3.example', TYPE.ANY), { rcode: 0, answers: ['ip-10-1-2-3.example 60 A "10.1.2.3"'], authority: [], additional: [] }],
    ['PTR from a reverse name', PTRS, q('3.2.1.10.in-addr.arpa', TYPE.PTR), { rcode: 0, answers: ['3.2.1.10.in-addr.arpa 60 PTR "ip-10-1-2-3.example"'], authority: [], additional: [] }],
    ['no regex matches, no fallthrough: SERVFAIL', PTRS, q('in-addr.arpa', TYPE.PTR), { rcode: RCODE.SERVFAIL, answers: [], authority: [], additional: [] }],
    [
      'index .Match, trimming, authority and additional, a TTL-less record (3600)',
      cfg({
        zones: ['svc.example'],
        match: ['^([a-z]+)\\.svc\\.example\\.$'],
        answer: ['   {{- .Name }} 30 IN CNAME {{ index .Match 1 -}}   .pods.example.'],
        authority: ['svc.example. 60 IN SOA ns.svc.example. hostmaster.svc.example. 1 7200 1800 86400 30'],
        additional: ['{{ index .Match 1 }}.pods.example. IN A 10.0.0.9{{/* a comment */}}'],
      }),
      q('web.svc.example'),
      { rcode: 0, answers: ['web.svc.example 30 CNAME "web.pods.example"'], authority: ['svc.example SOA'], additional: ['web.pods.example A "10.0.0.9"'] },
    ],
  ])('%s', (_t, config, query, want) => {
    const link = createTemplate(config);
    expect(show(link.answer(query))).toEqual(want);
    expect(link.memoizable).toBe(true);
  });

  test('.Zone .Class .Type .Remote; reading .Remote makes it not memoizable', () => {
    const link = createTemplate(cfg({ zones: ['whoami.example'], answer: ['{{ .Name }} 0 IN TXT "{{ .Zone }} {{ .Class }} {{ .Type }} {{ .Remote }}"'] }));
    expect(link.memoizable).toBe(false);
    const a = link.answer(q('x.whoami.example', TYPE.TXT))!;
    expect(a.answers[0].data).toEqual([Buffer.from('whoami.example. IN TXT 10.244.0.7')]);
    expect(a.authoritative).toBe(true);
  });

  test('a rendered text that is no record is SERVFAIL, logged once', () => {
    const lines: string[] = [];
    const link = createTemplate(cfg({ match: ['^(x)?y\\.$'], answer: ['{{ .Name }} 60 IN A 10.0.0.{{ index .Match 1 }}'] }), { info: () => {}, warn: (m) => lines.push(m) });
    expect(link.answer(q('y'))?.rcode).toBe(RCODE.SERVFAIL);
    expect(link.answer(q('y'))?.rcode).toBe(RCODE.SERVFAIL);
    expect(lines).toEqual([expect.stringMatching(/^template: Corefile:20: answer "y\. 60 IN A 10\.0\.0\." is not a record: /)]);
  });

  test('several templates: in order; a zone match without regex match and without fallthrough stops there', () => {
    const strict = cfg({ zones: ['example'], match: ['^www\\.example\\.$'], answer: ['www.example. 60 IN A 192.0.2.1'] });
    const later = cfg({ zones: ['example'], answer: ['{{ .Name }} 60 IN A 192.0.2.2'] });
    expect(show(createTemplates([strict, later]).answer(q('www.example')))?.answers).toEqual(['www.example 60 A "192.0.2.1"']);
    expect(createTemplates([strict, later]).answer(q('api.example'))?.rcode).toBe(RCODE.SERVFAIL);
    expect(show(createTemplates([{ ...strict, fallthrough: [] }, later]).answer(q('api.example')))?.answers).toEqual(['api.example 60 A "192.0.2.2"']);
  });
});

describe('configuration errors', () => {
  test.each([
    [{ match: ['(unclosed'] }, 'CDNS_PLUGIN_REGEX: Corefile:20: template: "(unclosed": expected a Go regular expression: Unterminated group'],
    [{ match: ['^a(?=b)'] }, 'CDNS_PLUGIN_REGEX: Corefile:20: template: "^a(?=b)": expected a Go regular expression: lookaround ((?=, (?!, (?<=, (?<!) is not RE2 syntax'],
    [{ answer: ['{{ if .Name }}x{{ end }}'] }, 'CDNS_PLUGIN_TEMPLATE: Corefile:20: template: answer "{{ if .Name }}x{{ end }}": unsupported action {{ if .Name }}: supported are {{ .Name }}, .Zone, .Class, .Type, .Remote, .Group.NAME, index .Match N, index .Group "NAME"'],
    [{ answer: ['{{ .Name | printf "%s" }} A 1.2.3.4'] }, 'CDNS_PLUGIN_TEMPLATE: Corefile:20: template: answer "{{ .Name | printf \\"%s\\" }} A 1.2.3.4": unsupported action {{ .Name | printf "%s" }}: supported are {{ .Name }}, .Zone, .Class, .Type, .Remote, .Group.NAME, index .Match N, index .Group "NAME"'],
    [{ additional: ['{{ .Name '] }, 'CDNS_PLUGIN_TEMPLATE: Corefile:20: template: additional "{{ .Name ": unclosed action: "{{ .Name "'],
    [{ answer: ['example. 60 IN A not-an-ip'] }, /^CDNS_PLUGIN_TEMPLATE: Corefile:20: template: answer "example\. 60 IN A not-an-ip": expected one resource record \(RFC 1035 text\): .*not-an-ip/],
  ])('%#', (o, message) => {
    expect(() => createTemplate(cfg(o as Partial<TemplateConfig>))).toThrow(message);
  });

  test('Go syntax is translated: (?i) flags, (?P<name>), [[:digit:]]', () => {
    const link = createTemplate(cfg({ match: ['(?i)^HOST-(?P<n>[[:digit:]]+)\\.'], answer: ['{{ .Name }} 5 IN TXT "{{ .Group.n }}"'] }));
    expect(link.answer(q('host-42.lab', TYPE.TXT))?.answers[0].data).toEqual([Buffer.from('42')]);
  });
});
