// Issue 9 point 5: every error class as one exact line with file, line, directive and what was
// expected (STYLE rule 11). Codes are also checked against docs/errors.md (test/docs-errors).
import { COREFILE_ERROR_CODES } from '../../src/corefile/errors';
import { compileError } from './helpers';

const inBlock = (body: string) => `.:53 {\n${body}\n}\n`;

const CASES: [string, string, string][] = [
  ['unknown plugin, with a suggestion', inBlock('kubernets cluster.local'), 'CDNS_COREFILE_UNKNOWN: DIR/Corefile:2: kubernets: unknown directive; did you mean kubernetes?'],
  ['unknown plugin', inBlock('frobnicate'), 'CDNS_COREFILE_UNKNOWN: DIR/Corefile:2: frobnicate: unknown directive; expected a plugin name (clusterdns -plugins lists them)'],
  ['unsupported CoreDNS plugin', inBlock('etcd example.org'), 'CDNS_COREFILE_UNSUPPORTED: DIR/Corefile:2: etcd: the CoreDNS plugin etcd is not supported by clusterdns; see clusterdns -plugins'],
  ['plugin twice', inBlock('cache 30\nerrors\ncache 10'), 'CDNS_COREFILE_DUPLICATE: DIR/Corefile:4: cache: already given at DIR/Corefile:2; expected once per server block'],
  ['forward twice', inBlock('forward a.com 10.0.0.1\nforward . 10.0.0.2'), 'CDNS_COREFILE_DUPLICATE: DIR/Corefile:3: forward: already given at DIR/Corefile:2; expected once per server block'],
  ['unknown option', inBlock('forward . 10.0.0.1 {\n  polcy random\n}'), 'CDNS_COREFILE_OPTION: DIR/Corefile:3: forward/polcy: unknown option; expected one of except, force_tcp, prefer_udp, expire, max_fails, health_check, policy, max_concurrent, max_idle_conns, next, failover, failfast_all_unhealthy_upstreams'],
  ['bad enum', inBlock('forward . 10.0.0.1 {\n  policy fastest\n}'), 'CDNS_COREFILE_OPTION: DIR/Corefile:3: forward/policy: expected one of random, round_robin, sequential, got "fastest"'],
  ['bad number', inBlock('kubernetes cluster.local {\n  ttl 7200\n}'), 'CDNS_COREFILE_OPTION: DIR/Corefile:3: kubernetes/ttl: expected a TTL in seconds (an integer 0-3600), got "7200"'],
  ['bad duration', inBlock('health {\n  lameduck five\n}'), 'CDNS_COREFILE_OPTION: DIR/Corefile:3: health/lameduck: expected a lame duck duration (a duration such as 5s, 300ms or 1m), got "five"'],
  ['argument count', inBlock('forward .'), 'CDNS_COREFILE_OPTION: DIR/Corefile:2: forward: expected 2-16 arguments (forward FROM TO...), got 1'],
  ['upstream by name', inBlock('forward . dns.google'), 'CDNS_COREFILE_OPTION: DIR/Corefile:2: forward: expected an IP address with optional :port, or a resolv.conf file (upstreams are not looked up by name), got "dns.google"'],
  ['tls upstream', inBlock('forward . tls://9.9.9.9'), 'CDNS_COREFILE_UNSUPPORTED: DIR/Corefile:2: forward: tls:// upstreams are not supported; expected IP[:port] or a resolv.conf file, got "tls://9.9.9.9"'],
  ['bad reload interval', inBlock('reload 1s'), 'CDNS_COREFILE_OPTION: DIR/Corefile:2: reload: expected a check interval (a duration such as 5s, 300ms or 1m, at least 2000ms), got "1s"'],
  ['bad fallthrough zone', inBlock('kubernetes cluster.local {\n  fallthrough 10.0.0.0/40\n}'), 'CDNS_COREFILE_OPTION: DIR/Corefile:3: kubernetes/fallthrough: "10.0.0.0/40": expected a zone name or a CIDR such as 10.0.0.0/8 or fd00::/108'],
  ['bad rewrite regex', inBlock('rewrite name regex (.*\\.example\\.org {1}.svc'), 'CDNS_COREFILE_REGEX: DIR/Corefile:2: rewrite: invalid regular expression "(.*\\\\.example\\\\.org": Unterminated group'],
  ['bad template regex', inBlock('template IN A {\n  match "^[a-"\n}'), 'CDNS_COREFILE_REGEX: DIR/Corefile:3: template/match: invalid regular expression "^[a-": Unterminated character class'],
  ['regex with a backreference', inBlock('template IN A {\n  match "(a)\\1"\n}'), 'CDNS_COREFILE_REGEX: DIR/Corefile:3: template/match: invalid regular expression "(a)\\\\1": backreferences (\\1) are not RE2 syntax'],
  ['bad template: unclosed action', inBlock('template IN A {\n  answer "{{ .Name 60 IN A 1.2.3.4"\n}'), 'CDNS_COREFILE_TEMPLATE: DIR/Corefile:3: template/answer: invalid template "{{ .Name 60 IN A 1.2.3.4": unclosed action: "{{ .Name 60 IN A 1.2"'],
  ['bad template: unknown field', inBlock('template IN A {\n  answer "{{ .Nmae }} 60 IN A 1.2.3.4"\n}'), 'CDNS_COREFILE_TEMPLATE: DIR/Corefile:3: template/answer: invalid template "{{ .Nmae }} 60 IN A 1.2.3.4": unsupported action {{ .Nmae }}: supported are {{ .Name }}, .Zone, .Class, .Type, .Remote, .Group.NAME, index .Match N, index .Group "NAME"'],
  ['bad template: not an RR', inBlock('template IN A {\n  answer "{{ .Name }}"\n}'), 'CDNS_COREFILE_TEMPLATE: DIR/Corefile:3: template/answer: invalid template "{{ .Name }}": expected a resource record such as "{{ .Name }} 60 IN A 10.0.0.1"'],
  ['bad template rcode', inBlock('template IN A {\n  rcode NOPE\n}'), 'CDNS_COREFILE_OPTION: DIR/Corefile:3: template/rcode: expected a response code (NOERROR, NXDOMAIN, SERVFAIL, REFUSED, ...), got "NOPE"'],
  ['bad key', 'exa$mple.com {\n}\n', 'CDNS_COREFILE_KEY: DIR/Corefile:1: "exa$mple.com": expected a domain name (labels of letters, digits, - and _, separated by dots) or a CIDR'],
  ['zone twice on a port', '.:53 {\n whoami\n}\n. {\n errors\n}\n', 'CDNS_COREFILE_KEY: DIR/Corefile:4: zone . on port 53 is already served by the block at DIR/Corefile:1; expected each zone and port once'],
  ['missing import', inBlock('import custom/extra.conf'), 'CDNS_COREFILE_IMPORT: DIR/Corefile:2: import: file DIR/custom/extra.conf not found; expected an existing file, a glob or a snippet name'],
  ['syntax', '.:53 {\n errors\n', "CDNS_COREFILE_SYNTAX: DIR/Corefile:1: expected '}' to close the block opened here, got the end of the file"],
  ['autopath without kubernetes', inBlock('autopath @kubernetes'), 'CDNS_COREFILE_OPTION: DIR/Corefile:2: autopath: @kubernetes needs a kubernetes directive in the same server block'],
  ['autopath with a file', inBlock('autopath my-resolv.conf'), 'CDNS_COREFILE_UNSUPPORTED: DIR/Corefile:2: autopath: only @kubernetes is supported (the search path of the client pod), got "my-resolv.conf"'],
  ['hosts option', inBlock('hosts {\n  tll 60\n}'), 'CDNS_COREFILE_OPTION: DIR/Corefile:3: hosts/tll: unknown option; expected one of IP NAME... (an inline hosts line), ttl, reload, no_reverse, fallthrough, fallthrough_unsupported'],
  ['rewrite field', inBlock('rewrite qname a b'), 'CDNS_COREFILE_OPTION: DIR/Corefile:2: rewrite: expected a field, one of name, type, class, ttl, got "qname"'],
  ['rewrite edns0', inBlock('rewrite edns0 local set 0xffee abcd'), 'CDNS_COREFILE_UNSUPPORTED: DIR/Corefile:2: rewrite: rewrite edns0 is not supported; expected one of name, type, class, ttl'],
  ['bind by name', inBlock('bind dns.example.com'), `CDNS_COREFILE_OPTION: DIR/Corefile:2: bind: expected an IP address or a network interface name (${Object.keys(require('node:os').networkInterfaces()).join(', ')}), got "dns.example.com"`],
];

describe('Corefile errors', () => {
  test.each(CASES)('%s', (_, text, want) => {
    expect(compileError(text)).toBe(want);
  });

  test('every code but READ has a case here (READ is in parse.test.ts)', () => {
    const seen = new Set(CASES.map(([, , m]) => m.split(':')[0]));
    expect(COREFILE_ERROR_CODES.filter((c) => c !== 'CDNS_COREFILE_READ' && !seen.has(c))).toEqual([]);
  });
});
