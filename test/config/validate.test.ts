// validateOptions and the value checks it is built from: host:port forms, reverse zones from
// CIDRs (octet and nibble boundaries), ranges and the checks that need two options.
import { ConfigError } from '../../src/config/errors';
import { mergeOptions } from '../../src/config/file';
import { DEFAULTS, type Options } from '../../src/config/options';
import { reverseZones } from '../../src/config/reverse-zones';
import { validateOptions } from '../../src/config/validate';
import { parseHostPort } from '../../src/config/values';

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('parseHostPort', () => {
  test.each([
    ['1.2.3.4', { host: '1.2.3.4', port: 53 }],
    ['1.2.3.4:5353', { host: '1.2.3.4', port: 5353 }],
    [' 127.0.0.1:0 ', { host: '127.0.0.1', port: 0 }],
    ['[::1]:1053', { host: '::1', port: 1053 }],
    ['[fd00::10]', { host: 'fd00::10', port: 53 }],
    ['fd00::10', { host: 'fd00::10', port: 53 }],
    ['::', { host: '::', port: 53 }],
    ['localhost:8080', { host: 'localhost', port: 8080 }],
    ['dns.example.', { host: 'dns.example.', port: 53 }],
    [':8080', { host: '0.0.0.0', port: 8080 }],
  ])('%s', (s, want) => {
    expect(parseHostPort(s, 53, 'listen')).toEqual(want);
  });

  test.each([
    ['', 'CDNS_CONFIG_VALUE'],
    ['1.2.3.4:', 'CDNS_CONFIG_VALUE'],
    ['1.2.3.4:port', 'CDNS_CONFIG_VALUE'],
    ['1.2.3.4:65536', 'CDNS_CONFIG_RANGE'],
    ['[1.2.3.4]:53', 'CDNS_CONFIG_VALUE'],
    ['[::1]53', 'CDNS_CONFIG_VALUE'],
    ['fd00::1::2', 'CDNS_CONFIG_VALUE'],
    ['bad_host:53', 'CDNS_CONFIG_VALUE'],
    ['-x.example:53', 'CDNS_CONFIG_VALUE'],
  ])('%j is refused (%s), naming what and the value', (s, code) => {
    const e = errorOf(() => parseHostPort(s, 53, '--listen'));
    expect(e.code).toBe(code);
    expect(e.field).toBe('--listen');
    expect(e.message).toContain(`--listen: expected `);
    expect(e.message.endsWith(`got ${JSON.stringify(s)}`)).toBe(true);
  });
});

describe('reverseZones: CIDRs become zones on octet and nibble boundaries', () => {
  const z = (v: unknown) => reverseZones(v, 'reverseZones');
  test('octet boundaries give one zone', () => {
    expect(z(['10.0.0.0/8'])).toEqual(['10.in-addr.arpa']);
    expect(z(['10.96.0.0/16'])).toEqual(['96.10.in-addr.arpa']);
    expect(z(['192.168.7.0/24'])).toEqual(['7.168.192.in-addr.arpa']);
    expect(z(['192.168.7.9/32'])).toEqual(['9.7.168.192.in-addr.arpa']);
    expect(z(['0.0.0.0/0'])).toEqual(['in-addr.arpa']);
  });

  test('10.96.0.0/12 (kubeadm Service CIDR) gives 16 zones, 96 to 111', () => {
    const zones = z('10.96.0.0/12');
    expect(zones).toHaveLength(16);
    expect(zones[0]).toBe('96.10.in-addr.arpa');
    expect(zones[15]).toBe('111.10.in-addr.arpa');
    expect(new Set(zones).size).toBe(16);
  });

  test('other IPv4 prefixes round up to the next octet', () => {
    expect(z('172.16.0.0/23')).toEqual(['0.16.172.in-addr.arpa', '1.16.172.in-addr.arpa']);
    expect(z('10.0.0.0/9')).toHaveLength(128);
    expect(z('128.0.0.0/1')).toHaveLength(128);
    expect(z('192.168.0.64/26')).toEqual(['64.0.168.192.in-addr.arpa', '65.0.168.192.in-addr.arpa'].concat(
      Array.from({ length: 62 }, (_, i) => `${66 + i}.0.168.192.in-addr.arpa`),
    ));
  });

  test('IPv6 nibble boundaries', () => {
    const fd00_108 = '0.'.repeat(25) + 'd.f.ip6.arpa';
    expect(z('fd00::/108')).toEqual([fd00_108]);
    expect(z('2001:db8::/32')).toEqual(['8.b.d.0.1.0.0.2.ip6.arpa']);
    expect(z('::/0')).toEqual(['ip6.arpa']);
    expect(z('FD00::/8')).toEqual(['d.f.ip6.arpa']);
  });

  test('other IPv6 prefixes round up to the next nibble', () => {
    expect(z('2001:db8::/31')).toEqual(['8.b.d.0.1.0.0.2.ip6.arpa', '9.b.d.0.1.0.0.2.ip6.arpa']);
    expect(z('fd00::/106')).toEqual(['0', '1', '2', '3'].map((n) => `${n}.` + '0.'.repeat(24) + 'd.f.ip6.arpa'));
    expect(z('2001:db8::/127')).toHaveLength(2);
    expect(z('2001:db8::/125')).toHaveLength(8);
  });

  test('names pass through lower case without the dot; duplicates are dropped', () => {
    expect(z('10.IN-ADDR.ARPA., 10.0.0.0/8, 8.b.d.0.1.0.0.2.ip6.arpa')).toEqual(['10.in-addr.arpa', '8.b.d.0.1.0.0.2.ip6.arpa']);
    expect(z(['in-addr.arpa', 'ip6.arpa'])).toEqual(['in-addr.arpa', 'ip6.arpa']);
  });

  test.each([
    ['10.96.0.1/12', 'CDNS_CONFIG_VALUE', 'expected a network address with the host bits zero (10.96.0.0/12)'],
    ['fd00::1/64', 'CDNS_CONFIG_VALUE', 'expected a network address with the host bits zero (fd00::/64)'],
    ['10.0.0.0/33', 'CDNS_CONFIG_RANGE', 'expected a prefix length 0-32'],
    ['fd00::/129', 'CDNS_CONFIG_RANGE', 'expected a prefix length 0-128'],
    ['10.0.0/8', 'CDNS_CONFIG_VALUE', 'expected a CIDR like 10.96.0.0/12 or fd00::/108'],
    ['10.0.0.0/x', 'CDNS_CONFIG_VALUE', 'expected a CIDR like 10.96.0.0/12 or fd00::/108'],
    ['cluster.local', 'CDNS_CONFIG_VALUE', 'expected a CIDR or a zone name ending in in-addr.arpa or ip6.arpa'],
    ['256.10.in-addr.arpa', 'CDNS_CONFIG_VALUE', 'expected at most 4 labels of octets 0-255 before in-addr.arpa'],
    ['1.2.3.4.5.in-addr.arpa', 'CDNS_CONFIG_VALUE', 'expected at most 4 labels of octets 0-255 before in-addr.arpa'],
    ['01.10.in-addr.arpa', 'CDNS_CONFIG_VALUE', 'expected at most 4 labels of octets 0-255 before in-addr.arpa'],
    ['ab.ip6.arpa', 'CDNS_CONFIG_VALUE', 'expected at most 32 labels of single hex digits before ip6.arpa'],
  ])('%s is refused', (item, code, what) => {
    const e = errorOf(() => z(['10.0.0.0/8', item]));
    expect(e.code).toBe(code);
    expect(e.message).toBe(`${code}: reverseZones[1]: ${what}, got ${JSON.stringify(item)}`);
  });

  test('an empty list is refused (leave the option out for the default)', () => {
    expect(errorOf(() => z([])).message).toBe('CDNS_CONFIG_VALUE: reverseZones: expected at least 1 item, got []');
  });
});

describe('validateOptions', () => {
  test('DEFAULTS are valid and come back unchanged', () => {
    expect(validateOptions(DEFAULTS)).toEqual(DEFAULTS);
  });

  test('running twice gives the same result (checks accept their own output)', () => {
    const once = validateOptions(mergeOptions(DEFAULTS, { reverseZones: ['10.96.0.0/12'] as string[], listen: [{ host: '::1', port: 0 }] }));
    expect(validateOptions(once)).toEqual(once);
    expect(once.reverseZones).toHaveLength(16);
  });

  test('port 0 is allowed for listeners (tests), not for upstreams', () => {
    const o = validateOptions(mergeOptions(DEFAULTS, { listen: [{ host: '127.0.0.1', port: 0 }], health: { host: '127.0.0.1', port: 0 } }));
    expect(o.listen).toEqual([{ host: '127.0.0.1', port: 0 }]);
    const e = errorOf(() => validateOptions(mergeOptions(DEFAULTS, { upstream: [{ host: '127.0.0.1', port: 0 }] })));
    expect(e.message).toBe('CDNS_CONFIG_RANGE: upstream[0]: expected a port 1-65535, got {"host":"127.0.0.1","port":0}');
  });

  const bad: [string, Partial<Options>, string][] = [
    ['ttl', { ttl: 3601 }, 'CDNS_CONFIG_RANGE: ttl: expected an integer 0-3600, got 3601'],
    ['ttl negative', { ttl: -1 }, 'CDNS_CONFIG_RANGE: ttl: expected an integer 0-3600, got -1'],
    ['workers', { workers: 0 }, 'CDNS_CONFIG_RANGE: workers: expected an integer 1-256, got 0'],
    ['pods', { pods: 'all' as Options['pods'] }, 'CDNS_CONFIG_VALUE: pods: expected one of disabled, insecure, verified, got "all"'],
    ['log level', { logLevel: 'trace' as Options['logLevel'] }, 'CDNS_CONFIG_VALUE: logLevel: expected one of debug, info, warn, error, got "trace"'],
    ['namespaces empty', { namespaces: [] }, 'CDNS_CONFIG_VALUE: namespaces: expected at least 1 item, got []'],
    [
      'namespace too long',
      { namespaces: ['a'.repeat(64)] },
      `CDNS_CONFIG_VALUE: namespaces[0]: expected a namespace name (a-z, 0-9 and -, at most 63, no - at either end), got "${'a'.repeat(56)}...`,
    ],
    ['cluster domain', { clusterDomain: '-bad.local' }, 'CDNS_CONFIG_VALUE: clusterDomain: expected a domain name (labels of a-z, 0-9 and -, separated by dots), got "-bad.local"'],
    ['cluster domain root', { clusterDomain: '.' }, 'CDNS_CONFIG_VALUE: clusterDomain: expected a domain name (labels of a-z, 0-9 and -, separated by dots), got "."'],
    ['upstream unspecified', { upstream: [{ host: '0.0.0.0', port: 53 }] }, 'CDNS_CONFIG_VALUE: upstream[0]: expected an IP address that is not unspecified, got {"host":"0.0.0.0","port":53}'],
    ['upstream timeout', { upstreamTimeoutMs: 0 }, 'CDNS_CONFIG_RANGE: upstreamTimeoutMs: expected an integer 1-60000, got 0'],
    ['lame duck', { lameDuckMs: 600_001 }, 'CDNS_CONFIG_RANGE: lameDuckMs: expected an integer 0-600000, got 600001'],
    ['resolv.conf', { resolvConf: '' }, 'CDNS_CONFIG_TYPE: resolvConf: expected a non-empty string, got ""'],
    [
      'stub domain twice',
      {
        stubDomains: [
          { domain: 'acme.local', servers: [{ host: '192.0.2.1', port: 53 }] },
          { domain: 'ACME.local.', servers: [{ host: '192.0.2.2', port: 53 }] },
        ],
      },
      'CDNS_CONFIG_VALUE: stubDomains[1].domain: expected each stub domain once, got "ACME.local."',
    ],
    ['listen twice', { listen: [{ host: '0.0.0.0', port: 53 }, { host: '0.0.0.0', port: 53 }] }, 'CDNS_CONFIG_VALUE: listen[1]: expected each address once, got "0.0.0.0:53"'],
    ['snapshot with kubeconfig', { snapshot: 'zones/x.yaml', kubeconfig: '/k' }, 'CDNS_CONFIG_CONFLICT: snapshot: cannot be used with kubeconfig or context (a snapshot replaces the API server)'],
  ];
  test.each(bad)('%s', (_name, layer, message) => {
    expect(errorOf(() => validateOptions(mergeOptions(DEFAULTS, layer))).message).toBe(message);
  });

  test('zoneFiles given as one string is a list of one path, commas and all', () => {
    const o = validateOptions(mergeOptions(DEFAULTS, { zoneFiles: 'zones/a,b.zone' as unknown as string[] }));
    expect(o.zoneFiles).toEqual(['zones/a,b.zone']);
  });

  test('cache: ranges and minTtl <= maxTtl', () => {
    expect(errorOf(() => validateOptions(mergeOptions(DEFAULTS, { cache: { minTtl: 60, maxTtl: 30 } }))).message).toBe(
      'CDNS_CONFIG_RANGE: cache.minTtl: expected at most cache.maxTtl (30), got 60',
    );
    expect(errorOf(() => validateOptions(mergeOptions(DEFAULTS, { cache: { maxEntries: 0 } }))).message).toBe(
      'CDNS_CONFIG_RANGE: cache.maxEntries: expected an integer 1-10000000, got 0',
    );
    expect(errorOf(() => validateOptions({ ...DEFAULTS, tcp: { idleTimeoutMs: 1, maxConnections: 1, extra: 1 } as Options['tcp'] })).message).toBe(
      'CDNS_CONFIG_KEY: tcp.extra: unknown key; expected one of idleTimeoutMs, maxConnections',
    );
  });

  test('does not modify its input', () => {
    const input = mergeOptions(DEFAULTS, { reverseZones: ['10.0.0.0/8'], clusterDomain: 'Cluster.Local.' });
    const copy = JSON.parse(JSON.stringify(input));
    const out = validateOptions(input);
    expect(input).toEqual(copy);
    expect(out.clusterDomain).toBe('cluster.local');
    expect(out.reverseZones).toEqual(['10.in-addr.arpa']);
  });
});
