// Server block keys: scheme, zone, port, CIDR reverse zones (CoreDNS plugin.SplitHostPort and
// plugin/pkg/cidr).
import { parseKey } from '../../src/corefile/keys';
import type { Token } from '../../src/corefile/lexer';

const tok = (text: string): Token => ({ text, file: 'Corefile', line: 3, endLine: 3, quoted: false });

describe('keys', () => {
  test.each<[string, string[], number | null]>([
    ['.', [''], null],
    ['.:53', [''], 53],
    ['dns://.:1053', [''], 1053],
    ['Cluster.Local.', ['cluster.local'], null],
    ['cluster.local:5353', ['cluster.local'], 5353],
    ['in-addr.arpa', ['in-addr.arpa'], null],
    ['10.0.0.0/8', ['10.in-addr.arpa'], null],
    ['10.0.0.0/8:53', ['10.in-addr.arpa'], 53],
    ['10.1.2.0/24', ['2.1.10.in-addr.arpa'], null],
    ['10.1.2.3/32', ['3.2.1.10.in-addr.arpa'], null],
    ['0.0.0.0/0', ['in-addr.arpa'], null],
    // Host bits are masked, as Go's net.ParseCIDR does.
    ['10.1.2.3/8', ['10.in-addr.arpa'], null],
    ['10.0.0.0/15', ['0.10.in-addr.arpa', '1.10.in-addr.arpa'], null],
    ['fd00::/8', ['d.f.ip6.arpa'], null],
    ['fd00::/7', ['c.f.ip6.arpa', 'd.f.ip6.arpa'], null],
    ['fd00::/108:53', [`${'0.'.repeat(25)}d.f.ip6.arpa`], 53],
    ['_tcp.example.org', ['_tcp.example.org'], null],
  ])('%s', (text, zones, port) => {
    expect(parseKey(tok(text))).toEqual({ zones, port });
  });

  test('10.0.0.0/17 is cut on octets: the 128 zones 0-127.0.10.in-addr.arpa', () => {
    const { zones } = parseKey(tok('10.0.0.0/17'));
    expect(zones).toEqual(Array.from({ length: 128 }, (_, i) => `${i}.0.10.in-addr.arpa`));
  });

  test('10.96.0.0/12 is the 16 zones 96-111.10.in-addr.arpa', () => {
    const { zones } = parseKey(tok('10.96.0.0/12'));
    expect(zones).toEqual(Array.from({ length: 16 }, (_, i) => `${96 + i}.10.in-addr.arpa`));
  });

  test.each<[string, string]>([
    ['tls://.:853', 'CDNS_COREFILE_UNSUPPORTED: Corefile:3: "tls://.:853": tls:// servers are not supported; expected dns:// (or no scheme)'],
    ['grpc://.', 'CDNS_COREFILE_UNSUPPORTED: Corefile:3: "grpc://.": grpc:// servers are not supported; expected dns:// (or no scheme)'],
    ['.:', 'CDNS_COREFILE_KEY: Corefile:3: ".:": expected a port after the last colon'],
    ['.:70000', 'CDNS_COREFILE_KEY: Corefile:3: ".:70000": expected a port 0-65535'],
    ['a..b', 'CDNS_COREFILE_KEY: Corefile:3: "a..b": expected a domain name (labels of letters, digits, - and _, separated by dots) or a CIDR'],
    ['exa mple', 'CDNS_COREFILE_KEY: Corefile:3: "exa mple": expected a domain name (labels of letters, digits, - and _, separated by dots) or a CIDR'],
    ['cluster.local:dns', 'CDNS_COREFILE_KEY: Corefile:3: "cluster.local:dns": expected a domain name (labels of letters, digits, - and _, separated by dots) or a CIDR'],
    ['10.0.0.0/33', 'CDNS_COREFILE_KEY: Corefile:3: "10.0.0.0/33": expected a zone name or a CIDR such as 10.0.0.0/8 or fd00::/108'],
    ['10.0.0/8', 'CDNS_COREFILE_KEY: Corefile:3: "10.0.0/8": expected a zone name or a CIDR such as 10.0.0.0/8 or fd00::/108'],
  ])('bad key %s', (text, want) => {
    expect(() => parseKey(tok(text))).toThrow(want);
  });
});
