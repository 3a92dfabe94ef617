// The config file: good files load into an options layer; every error names the code, the
// file, the line, the field and the value (STYLE rule 11).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/errors';
import { didYouMean, loadConfigFile, mergeOptions, parseConfigText } from '../../src/config/file';
import { DEFAULTS } from '../../src/config/options';
import { validateOptions } from '../../src/config/validate';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'clusterdns-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** The ConfigError a call throws; fails the test when it does not throw one. */
function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('loadConfigFile: good files', () => {
  test('every kind of value, normalised', () => {
    const p = file(
      'good.yaml',
      [
        'clusterDomain: Corp.Example.',
        'listen:',
        '  - 127.0.0.1:1053',
        '  - "[::1]:1053"',
        'ttl: 5',
        'pods: verified',
        'namespaces: [default, kube-system]',
        'endpointPodNames: true',
        'reverseZones: 10.96.0.0/16, fd00::/120',
        'upstream: [192.0.2.1, "[2001:DB8::1]:5353"]',
        'stubDomains:',
        '  Acme.Local: [192.0.2.53, 192.0.2.54:5353]',
        'zoneFiles: /zones/a,b.zone',
        'health: off',
        'ready: :18181',
        'metrics: 127.0.0.1',
        'snapshot: null',
        'cache:',
        '  maxTtl: 60',
        '  serveStaleSeconds: 3600',
        'tcp:',
        '  idleTimeoutMs: "5000"',
        'logLevel: debug',
        'workers: 2',
      ].join('\n'),
    );
    expect(loadConfigFile(p)).toEqual({
      clusterDomain: 'corp.example',
      listen: [
        { host: '127.0.0.1', port: 1053 },
        { host: '::1', port: 1053 },
      ],
      ttl: 5,
      pods: 'verified',
      namespaces: ['default', 'kube-system'],
      endpointPodNames: true,
      reverseZones: ['96.10.in-addr.arpa', '0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa'],
      upstream: [
        { host: '192.0.2.1', port: 53 },
        { host: '2001:db8::1', port: 5353 },
      ],
      stubDomains: [
        {
          domain: 'acme.local',
          servers: [
            { host: '192.0.2.53', port: 53 },
            { host: '192.0.2.54', port: 5353 },
          ],
        },
      ],
      zoneFiles: ['/zones/a,b.zone'],
      health: null,
      ready: { host: '0.0.0.0', port: 18181 },
      metrics: { host: '127.0.0.1', port: 9153 },
      snapshot: null,
      cache: { maxTtl: 60, serveStaleSeconds: 3600 },
      tcp: { idleTimeoutMs: 5000 },
      logLevel: 'debug',
      workers: 2,
    });
  });

  test('an empty file and a comments-only file set nothing', () => {
    expect(loadConfigFile(file('empty.yaml', ''))).toEqual({});
    expect(loadConfigFile(file('comments.yaml', '# nothing here\n'))).toEqual({});
  });

  test('YAML 1.1 style false turns an HTTP listener off like "off"', () => {
    expect(parseConfigText('health: false\nready: off\nmetrics: null\n', 'c.yaml')).toEqual({ health: null, ready: null, metrics: null });
  });
});

describe('loadConfigFile: errors carry code, file, line, field and value', () => {
  const cases: [string, string, string, { line?: number; field?: string }][] = [
    ['duplicate key', 'ttl: 30\nttl: 40\n', 'CDNS_CONFIG_YAML: c.yaml:2: invalid YAML: Map keys must be unique', { line: 2 }],
    [
      'several documents',
      'ttl: 1\n---\nttl: 2\n',
      'CDNS_CONFIG_YAML: c.yaml:2: invalid YAML: Source contains multiple documents; please use YAML.parseAllDocuments()',
      { line: 2 },
    ],
    ['a list at the top', '- ttl\n', 'CDNS_CONFIG_TYPE: c.yaml:1: expected a map of option names at the top level, got a list', { line: 1 }],
    ['a scalar at the top', '42\n', 'CDNS_CONFIG_TYPE: c.yaml:1: expected a map of option names at the top level, got 42', { line: 1 }],
    ['misspelt key', 'ttl: 5\nclusterDomian: x\n', 'CDNS_CONFIG_KEY: c.yaml:2: clusterDomian: unknown key; did you mean clusterDomain?', { line: 2, field: 'clusterDomian' }],
    ['flag spelling', 'cluster-domain: x\n', 'CDNS_CONFIG_KEY: c.yaml:1: cluster-domain: unknown key; did you mean clusterDomain?', { field: 'cluster-domain' }],
    ['nothing close', 'colour: blue\n', 'CDNS_CONFIG_KEY: c.yaml:1: colour: unknown key', { field: 'colour' }],
    ['nested key', 'cache:\n  maxTtl: 5\n  minTTL: 3\n', 'CDNS_CONFIG_KEY: c.yaml:3: cache.minTTL: unknown key; did you mean minTtl?', { line: 3, field: 'cache.minTTL' }],
    ['config inside the file', 'config: /x.yaml\n', 'CDNS_CONFIG_KEY: c.yaml:1: config: set on the command line only (--config)', { field: 'config' }],
    [
      'kube-dns federations',
      'federations: \'{"a": "b"}\'\n',
      'CDNS_CONFIG_KEY: c.yaml:1: federations: the kube-dns federations key is not supported (federation DNS was removed from Kubernetes)',
      { field: 'federations' },
    ],
    ['integer as text', 'ttl: thirty\n', 'CDNS_CONFIG_TYPE: c.yaml:1: ttl: expected an integer 0-3600, got "thirty"', { field: 'ttl' }],
    ['integer out of range', '# x\nttl: 7200\n', 'CDNS_CONFIG_RANGE: c.yaml:2: ttl: expected an integer 0-3600, got 7200', { line: 2, field: 'ttl' }],
    ['fraction', 'workers: 1.5\n', 'CDNS_CONFIG_TYPE: c.yaml:1: workers: expected an integer 1-256, got 1.5', { field: 'workers' }],
    ['workers 0', 'workers: 0\n', 'CDNS_CONFIG_RANGE: c.yaml:1: workers: expected an integer 1-256, got 0', { field: 'workers' }],
    ['boolean', 'logQueries: yes\n', 'CDNS_CONFIG_TYPE: c.yaml:1: logQueries: expected true or false, got "yes"', { field: 'logQueries' }],
    ['pod mode', 'pods: secure\n', 'CDNS_CONFIG_VALUE: c.yaml:1: pods: expected one of disabled, insecure, verified, got "secure"', { field: 'pods' }],
    [
      'policy',
      'upstreamPolicy: round-robin\n',
      'CDNS_CONFIG_VALUE: c.yaml:1: upstreamPolicy: expected one of random, round_robin, sequential, got "round-robin"',
      { field: 'upstreamPolicy' },
    ],
    [
      'second listen item',
      'listen:\n  - 127.0.0.1:53\n  - 127.0.0.1:99999\n',
      'CDNS_CONFIG_RANGE: c.yaml:3: listen[1]: expected a port 0-65535, got "127.0.0.1:99999"',
      { line: 3, field: 'listen[1]' },
    ],
    [
      'listen garbage',
      'listen: "[::1:53"\n',
      'CDNS_CONFIG_VALUE: c.yaml:1: listen[0]: expected host:port (IPv4, [IPv6]:port, bare IPv6 or name:port), got "[::1:53"',
      { field: 'listen[0]' },
    ],
    ['listen empty', 'listen: []\n', 'CDNS_CONFIG_VALUE: c.yaml:1: listen: expected at least 1 item, got []', { field: 'listen' }],
    ['map for a list', 'listen: {a: 1}\n', 'CDNS_CONFIG_TYPE: c.yaml:1: listen: expected a list, got {"a":1}', { field: 'listen' }],
    [
      'nested value line',
      'cache:\n  enabled: true\n  maxTtl: -1\n',
      'CDNS_CONFIG_RANGE: c.yaml:3: cache.maxTtl: expected an integer 0-86400, got -1',
      { line: 3, field: 'cache.maxTtl' },
    ],
    ['cache not a map', 'cache: 30\n', 'CDNS_CONFIG_TYPE: c.yaml:1: cache: expected a map of enabled, maxEntries, minTtl, maxTtl, maxNegativeTtl, serveStaleSeconds, prefetchHits, got 30', { field: 'cache' }],
    [
      'namespace',
      'namespaces:\n  - default\n  - Kube_System\n',
      'CDNS_CONFIG_VALUE: c.yaml:3: namespaces[1]: expected a namespace name (a-z, 0-9 and -, at most 63, no - at either end), got "Kube_System"',
      { line: 3, field: 'namespaces[1]' },
    ],
    [
      'cluster domain',
      'clusterDomain: cluster..local\n',
      'CDNS_CONFIG_VALUE: c.yaml:1: clusterDomain: expected a domain name (labels of a-z, 0-9 and -, separated by dots), got "cluster..local"',
      { field: 'clusterDomain' },
    ],
    [
      'upstream by name',
      'upstream: [dns.example:53]\n',
      'CDNS_CONFIG_VALUE: c.yaml:1: upstream[0]: expected an IP address with optional :port (servers are not looked up by name), got "dns.example:53"',
      { field: 'upstream[0]' },
    ],
    [
      'upstream and upstreamNameservers',
      'upstream: [192.0.2.1]\nupstreamNameservers: \'["192.0.2.2"]\'\n',
      'CDNS_CONFIG_CONFLICT: c.yaml:2: upstreamNameservers: cannot be used with upstream (both set the upstream servers)',
      { line: 2, field: 'upstreamNameservers' },
    ],
    [
      'stub domain server in a JSON string',
      'stubDomains: |\n  {"acme.local": ["192.0.2.1", "ns.acme.local"]}\n',
      'CDNS_CONFIG_VALUE: c.yaml:1: stubDomains["acme.local"][1]: expected an IP address with optional :port (servers are not looked up by name), got "ns.acme.local"',
      { line: 1, field: 'stubDomains["acme.local"][1]' },
    ],
    [
      'stub domain server in a YAML map',
      'stubDomains:\n  acme.local:\n    - 192.0.2.1\n    - 192.0.2.2:0\n',
      'CDNS_CONFIG_RANGE: c.yaml:4: stubDomains["acme.local"][1]: expected a port 1-65535, got "192.0.2.2:0"',
      { line: 4, field: 'stubDomains["acme.local"][1]' },
    ],
    [
      'four upstreamNameservers',
      'upstreamNameservers: \'["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"]\'\n',
      'CDNS_CONFIG_VALUE: c.yaml:1: upstreamNameservers: expected at most 3 nameservers (the kube-dns limit), got ["192.0.2.1","192.0.2.2","192.0.2.3","192.0.2.4"]',
      { field: 'upstreamNameservers' },
    ],
    [
      'CIDR with host bits',
      'reverseZones:\n  - 10.96.0.1/12\n',
      'CDNS_CONFIG_VALUE: c.yaml:2: reverseZones[0]: expected a network address with the host bits zero (10.96.0.0/12), got "10.96.0.1/12"',
      { line: 2, field: 'reverseZones[0]' },
    ],
  ];

  test.each(cases)('%s', (_name, text, message, place) => {
    const e = errorOf(() => parseConfigText(text, 'c.yaml'));
    expect(e.message).toBe(message);
    expect(e.code).toBe(message.slice(0, message.indexOf(':')));
    expect(e.file).toBe('c.yaml');
    if (place.line !== undefined) expect(e.line).toBe(place.line);
    if (place.field !== undefined) expect(e.field).toBe(place.field);
  });

  test('a JSON string that does not parse names the value and the parser error', () => {
    const e = errorOf(() => parseConfigText('stubDomains: \'{"acme.local": \'\n', 'c.yaml'));
    expect(e.code).toBe('CDNS_CONFIG_VALUE');
    expect(e.message).toMatch(/^CDNS_CONFIG_VALUE: c\.yaml:1: stubDomains: expected JSON like \{"acme\.local": \["1\.2\.3\.4"\]\}, got "\{\\"acme\.local\\":" \(.+\)$/);
  });

  test('an unreadable file is CDNS_CONFIG_READ with the path', () => {
    const p = join(dir, 'missing.yaml');
    const e = errorOf(() => loadConfigFile(p));
    expect(e.message).toBe(`CDNS_CONFIG_READ: ${p}: cannot read the config file (ENOENT)`);
    expect(e.file).toBe(p);
    const d = errorOf(() => loadConfigFile(dir));
    expect(d.message).toBe(`CDNS_CONFIG_READ: ${dir}: cannot read the config file (EISDIR)`);
  });

  test('the file path given is the one in the message', () => {
    const p = file('bad.yaml', 'ttl: 5000\n');
    expect(errorOf(() => loadConfigFile(p)).message).toBe(`CDNS_CONFIG_RANGE: ${p}:1: ttl: expected an integer 0-3600, got 5000`);
  });
});

test('didYouMean ignores case, dashes and underscores, and stops at distance 2', () => {
  expect(didYouMean('CLUSTER_DOMAIN', ['clusterDomain', 'ttl'])).toBe('clusterDomain');
  expect(didYouMean('tl', ['clusterDomain', 'ttl'])).toBe('ttl');
  expect(didYouMean('lameDuck', ['lameDuckMs', 'ttl'])).toBe('lameDuckMs');
  expect(didYouMean('something', ['clusterDomain', 'ttl'])).toBeUndefined();
});

test('the example in src/config/README.md loads and validates', () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'src', 'config', 'README.md'), 'utf8');
  const block = /```yaml\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('no yaml block in src/config/README.md');
  const o = validateOptions(mergeOptions(DEFAULTS, parseConfigText(block[1], 'README.md')));
  expect(o.reverseZones).toHaveLength(16 + 1);
  expect(o.stubDomains[0].servers).toEqual([
    { host: '10.150.0.1', port: 53 },
    { host: '10.150.0.2', port: 5353 },
  ]);
  expect(o.upstream).toHaveLength(2);
});
