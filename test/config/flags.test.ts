// Command-line flags to options, and the precedence DEFAULTS < config file < flags.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/config/errors';
import { loadConfigFile, mergeOptions, resolveOptions } from '../../src/config/file';
import { flagName, flagsToOptions } from '../../src/config/flags';
import { DEFAULTS } from '../../src/config/options';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'clusterdns-flags-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('flagsToOptions', () => {
  test('commander output (strings, booleans, repeated flags) becomes an options layer', () => {
    expect(
      flagsToOptions({
        listen: ['127.0.0.1:1053', '[::1]:1053'],
        clusterDomain: 'Example.Test',
        ttl: '5',
        pods: 'disabled',
        namespaces: 'default,kube-system',
        endpointPodNames: true,
        reverseZones: '10.96.0.0/16',
        upstream: ['192.0.2.1', '192.0.2.2:5353'],
        stubDomain: ['acme.local=192.0.2.53,192.0.2.54:5353', 'corp.test=[2001:db8::53]'],
        zoneFile: ['zones/a.zone', 'zones/b.zone'],
        health: 'off',
        ready: '127.0.0.1:0',
        metrics: ':19153',
        config: '/etc/clusterdns/config.yaml',
        upstreamPolicy: 'sequential',
        workers: '2',
        logLevel: 'warn',
        logQueries: true,
        lameDuck: '2500',
        cacheSize: '500',
        serveStale: '600',
        startupTimeout: '10000',
        cache: false,
        demoHint: true,
        unsetFlag: undefined,
      }),
    ).toEqual({
      listen: [
        { host: '127.0.0.1', port: 1053 },
        { host: '::1', port: 1053 },
      ],
      clusterDomain: 'example.test',
      ttl: 5,
      pods: 'disabled',
      namespaces: ['default', 'kube-system'],
      endpointPodNames: true,
      reverseZones: ['96.10.in-addr.arpa'],
      upstream: [
        { host: '192.0.2.1', port: 53 },
        { host: '192.0.2.2', port: 5353 },
      ],
      stubDomains: [
        {
          domain: 'acme.local',
          servers: [
            { host: '192.0.2.53', port: 53 },
            { host: '192.0.2.54', port: 5353 },
          ],
        },
        { domain: 'corp.test', servers: [{ host: '2001:db8::53', port: 53 }] },
      ],
      zoneFiles: ['zones/a.zone', 'zones/b.zone'],
      health: null,
      ready: { host: '127.0.0.1', port: 0 },
      metrics: { host: '0.0.0.0', port: 19153 },
      config: '/etc/clusterdns/config.yaml',
      upstreamPolicy: 'sequential',
      workers: 2,
      logLevel: 'warn',
      logQueries: true,
      lameDuckMs: 2500,
      cache: { maxEntries: 500, serveStaleSeconds: 600, enabled: false },
      startupTimeoutMs: 10000,
      demoHint: true,
    });
  });

  test('nothing given, nothing set; --no-cache absent (commander: cache true) changes nothing', () => {
    expect(flagsToOptions({})).toEqual({});
    expect(flagsToOptions({ cache: true })).toEqual({});
  });

  test.each([
    [{ ttl: '7200' }, 'CDNS_CONFIG_RANGE: --ttl: expected an integer 0-3600, got "7200"'],
    [{ ttl: 'x' }, 'CDNS_CONFIG_TYPE: --ttl: expected an integer 0-3600, got "x"'],
    [{ lameDuck: '-5' }, 'CDNS_CONFIG_RANGE: --lame-duck: expected an integer 0-600000, got "-5"'],
    [{ cacheSize: '0' }, 'CDNS_CONFIG_RANGE: --cache-size: expected an integer 1-10000000, got "0"'],
    [{ pods: 'on' }, 'CDNS_CONFIG_VALUE: --pods: expected one of disabled, insecure, verified, got "on"'],
    [{ listen: ['127.0.0.1:53', '127.0.0.1:x'] }, 'CDNS_CONFIG_VALUE: --listen[1]: expected host:port (IPv4, [IPv6]:port, bare IPv6 or name:port), got "127.0.0.1:x"'],
    [{ stubDomain: 'acme.local' }, 'CDNS_CONFIG_VALUE: --stub-domain: expected domain=ip[:port][,ip[:port]...], got "acme.local"'],
    [
      { stubDomain: ['acme.local=192.0.2.1', 'acme.local=192.0.2.2'] },
      'CDNS_CONFIG_VALUE: --stub-domain[1].domain: expected each stub domain once, got "acme.local"',
    ],
    [{ stubDomain: 'acme.local=' }, 'CDNS_CONFIG_VALUE: --stub-domain: expected at least 1 item, got ""'],
    [{ upstream: 'ns1.example' }, 'CDNS_CONFIG_VALUE: --upstream[0]: expected an IP address with optional :port (servers are not looked up by name), got "ns1.example"'],
    [{ reverseZones: 'cluster.local' }, 'CDNS_CONFIG_VALUE: --reverse-zones[0]: expected a CIDR or a zone name ending in in-addr.arpa or ip6.arpa, got "cluster.local"'],
  ])('%j -> %s', (flags, message) => {
    const e = errorOf(() => flagsToOptions(flags));
    expect(e.message).toBe(message);
    expect(e.file).toBeUndefined();
  });

  test('a commander key without a mapping is a programming error, not a ConfigError', () => {
    expect(() => flagsToOptions({ colour: 'blue' })).toThrow('config/flags.ts: no mapping for commander option "colour" (--colour)');
    expect(() => flagsToOptions({ colour: 'blue' })).not.toThrow(ConfigError);
  });

  test('flagName', () => {
    expect(flagName('clusterDomain')).toBe('--cluster-domain');
    expect(flagName('ttl')).toBe('--ttl');
  });
});

describe('precedence: DEFAULTS < config file < flags', () => {
  test('each layer wins over the one below, key by key (cache merges per key)', () => {
    const p = join(dir, 'prec.yaml');
    writeFileSync(p, 'ttl: 10\npods: verified\ncache:\n  maxTtl: 60\n  minTtl: 5\nhealth: off\n');
    const flags = flagsToOptions({ config: p, ttl: '20', cacheSize: '99', health: '127.0.0.1:18080' });
    const o = resolveOptions(flags);
    expect(o.ttl).toBe(20); // flag over file over default (30)
    expect(o.pods).toBe('verified'); // file over default
    expect(o.clusterDomain).toBe(DEFAULTS.clusterDomain); // default
    expect(o.cache).toEqual({ ...DEFAULTS.cache, maxTtl: 60, minTtl: 5, maxEntries: 99 });
    expect(o.health).toEqual({ host: '127.0.0.1', port: 18080 }); // flag over file's off
    expect(o.config).toBe(p);
  });

  test('a null from a higher layer is a value (off), undefined is not', () => {
    const o = mergeOptions(DEFAULTS, { health: null }, { health: undefined, ttl: undefined });
    expect(o.health).toBeNull();
    expect(o.ttl).toBe(DEFAULTS.ttl);
  });

  test('lists are replaced, not concatenated', () => {
    const o = mergeOptions(DEFAULTS, { listen: [{ host: '127.0.0.1', port: 1 }] }, { listen: [{ host: '::1', port: 2 }] });
    expect(o.listen).toEqual([{ host: '::1', port: 2 }]);
  });

  test('mergeOptions leaves DEFAULTS alone', () => {
    const before = JSON.stringify(DEFAULTS);
    mergeOptions(DEFAULTS, { cache: { maxTtl: 1 }, tcp: { maxConnections: 2 }, ttl: 3 });
    expect(JSON.stringify(DEFAULTS)).toBe(before);
  });

  test('without --config only flags and DEFAULTS count; a bad file fails resolveOptions', () => {
    expect(resolveOptions({})).toEqual(DEFAULTS);
    const p = join(dir, 'bad.yaml');
    writeFileSync(p, 'ttl: 30\nworkerz: 2\n');
    expect(errorOf(() => resolveOptions(flagsToOptions({ config: p }))).message).toBe(`CDNS_CONFIG_KEY: ${p}:2: workerz: unknown key; did you mean workers?`);
    expect(() => loadConfigFile(p)).toThrow(ConfigError);
  });

  test('a range error only visible after the merge names the option', () => {
    const p = join(dir, 'cache.yaml');
    writeFileSync(p, 'cache:\n  maxTtl: 10\n');
    expect(errorOf(() => resolveOptions(flagsToOptions({ config: p }), mergeOptions(DEFAULTS, { cache: { minTtl: 20 } }))).message).toBe(
      'CDNS_CONFIG_RANGE: cache.minTtl: expected at most cache.maxTtl (10), got 20',
    );
  });
});
