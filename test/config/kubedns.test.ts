// The kube-dns ConfigMap keys: stubDomains and upstreamNameservers, as kube-dns took them (JSON
// strings) and as plain YAML, through the config file.
import { ConfigError } from '../../src/config/errors';
import { parseConfigText } from '../../src/config/file';
import { MAX_UPSTREAM_NAMESERVERS, stubDomains, upstreamNameservers } from '../../src/config/kubedns';

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

const ACME = {
  domain: 'acme.local',
  servers: [
    { host: '1.2.3.4', port: 53 },
    { host: '1.2.3.5', port: 5353 },
  ],
};

describe('a kube-dns ConfigMap pasted as it is', () => {
  // The shape of the kube-dns ConfigMap in the Kubernetes docs ("Customizing DNS Service").
  const kubeDns = [
    'stubDomains: |',
    '  {"acme.local": ["1.2.3.4", "1.2.3.5:5353"], "Corp.Example.": ["[2001:db8::1]:53"]}',
    'upstreamNameservers: |',
    '  ["198.51.100.1", "198.51.100.2:53"]',
  ].join('\n');

  test('stubDomains and upstreamNameservers become stubDomains and upstream', () => {
    expect(parseConfigText(kubeDns, 'kube-dns.yaml')).toEqual({
      stubDomains: [ACME, { domain: 'corp.example', servers: [{ host: '2001:db8::1', port: 53 }] }],
      upstream: [
        { host: '198.51.100.1', port: 53 },
        { host: '198.51.100.2', port: 53 },
      ],
    });
  });

  test('empty values: no stub domains, resolv.conf kept (upstream left unset)', () => {
    expect(parseConfigText('stubDomains: |\n  {}\nupstreamNameservers: |\n  []\n', 'c.yaml')).toEqual({ stubDomains: [] });
  });
});

describe('stubDomains', () => {
  const sd = (v: unknown) => stubDomains(v, 'stubDomains');
  test('JSON string, YAML map and the Options list form give the same result', () => {
    expect(sd('{"acme.local": ["1.2.3.4", "1.2.3.5:5353"]}')).toEqual([ACME]);
    expect(sd({ 'acme.local': ['1.2.3.4', '1.2.3.5:5353'] })).toEqual([ACME]);
    expect(sd([{ domain: 'acme.local', servers: ['1.2.3.4', '1.2.3.5:5353'] }])).toEqual([ACME]);
    expect(sd([ACME])).toEqual([ACME]);
    expect(sd({ 'acme.local': '1.2.3.4,1.2.3.5:5353' })).toEqual([ACME]);
  });

  test.each([
    ['"not json', /^CDNS_CONFIG_VALUE: stubDomains: expected JSON like \{"acme.local": \["1.2.3.4"\]\}, got "\\"not json" \(.+\)$/],
    ['["1.2.3.4"]', 'CDNS_CONFIG_TYPE: stubDomains[0]: expected a map with domain and servers, got "1.2.3.4"'],
    [42, 'CDNS_CONFIG_TYPE: stubDomains: expected a map of domain to a list of ip[:port], or JSON like {"acme.local": ["1.2.3.4"]}, got 42'],
    [{ 'acme.local': [] }, 'CDNS_CONFIG_VALUE: stubDomains["acme.local"]: expected at least 1 item, got []'],
    [{ 'bad domain': ['1.2.3.4'] }, 'CDNS_CONFIG_VALUE: stubDomains["bad domain"]: expected a domain name (labels of a-z, 0-9 and -, separated by dots), got "bad domain"'],
    [{ 'acme.local': ['1.2.3.4:99999'] }, 'CDNS_CONFIG_RANGE: stubDomains["acme.local"][0]: expected a port 0-65535, got "1.2.3.4:99999"'],
    [{ 'acme.local': ['0.0.0.0'] }, 'CDNS_CONFIG_VALUE: stubDomains["acme.local"][0]: expected an IP address that is not unspecified, got "0.0.0.0"'],
    [{ 'acme.local': [53] }, 'CDNS_CONFIG_TYPE: stubDomains["acme.local"][0]: expected a host:port string, got 53'],
    [{ 'acme.local': ['1.2.3.4'], 'ACME.LOCAL': ['1.2.3.5'] }, 'CDNS_CONFIG_VALUE: stubDomains["ACME.LOCAL"]: expected each stub domain once, got "ACME.LOCAL"'],
    [[{ domain: 'acme.local', server: ['1.2.3.4'] }], 'CDNS_CONFIG_KEY: stubDomains[0].server: unknown key; expected domain and servers'],
  ])('%j is refused', (value, message) => {
    const e = errorOf(() => sd(value));
    if (typeof message === 'string') expect(e.message).toBe(message);
    else expect(e.message).toMatch(message);
  });
});

describe('upstreamNameservers', () => {
  const ns = (v: unknown) => upstreamNameservers(v, 'upstreamNameservers');
  test('JSON string, YAML list, comma string', () => {
    const want = [
      { host: '172.16.0.1', port: 53 },
      { host: 'fd00::1', port: 5353 },
    ];
    expect(ns('["172.16.0.1", "[fd00::1]:5353"]')).toEqual(want);
    expect(ns(['172.16.0.1', '[fd00::1]:5353'])).toEqual(want);
    expect(ns('172.16.0.1, [fd00::1]:5353')).toEqual(want);
  });

  test('an empty list keeps resolv.conf (null), as kube-dns did', () => {
    expect(ns('[]')).toBeNull();
    expect(ns([])).toBeNull();
  });

  test(`at most ${MAX_UPSTREAM_NAMESERVERS}, in any form`, () => {
    expect(MAX_UPSTREAM_NAMESERVERS).toBe(3);
    const four = ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4'];
    expect(errorOf(() => ns(JSON.stringify(four))).code).toBe('CDNS_CONFIG_VALUE');
    expect(errorOf(() => ns(four.join(','))).message).toBe(
      'CDNS_CONFIG_VALUE: upstreamNameservers: expected at most 3 items, got "192.0.2.1,192.0.2.2,192.0.2.3,192.0.2.4"',
    );
  });

  test('names are refused: the upstream of a DNS server cannot be looked up through it', () => {
    expect(errorOf(() => ns('["dns.example"]')).message).toBe(
      'CDNS_CONFIG_VALUE: upstreamNameservers[0]: expected an IP address with optional :port (servers are not looked up by name), got "dns.example"',
    );
  });
});
