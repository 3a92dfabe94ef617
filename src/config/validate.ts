// One check per option, and the checks that need two options at once. validateOptions runs on
// the merged result (defaults < config file < flags) once, before any socket opens (STYLE
// rule 9); the file loader and the flags run the same per-option checks early so their errors
// can name the file line or the flag. Checks normalise (host:port text -> HostPort, CIDR ->
// reverse zone names, domains lower case) and accept their own output, so running twice is safe.

import { ConfigError, expected } from './errors';
import { stubDomains } from './kubedns';
import { DEFAULTS, type CacheOptions, type Options, type TcpOptions } from './options';
import { reverseZones } from './reverse-zones';
import { bindAddress, bindOrOff, bool, dnsLabel, domainName, int, list, nullable, oneOf, server, text, type Check } from './values';

export { ConfigError } from './errors';

export type Fields<T> = { [K in keyof T]-?: Check<T[K]> };

const DAY = 86400;

export const CACHE_FIELDS: Fields<CacheOptions> = {
  enabled: bool,
  maxEntries: int(1, 10_000_000),
  minTtl: int(0, DAY),
  maxTtl: int(0, DAY),
  maxNegativeTtl: int(0, DAY),
  serveStaleSeconds: int(0, 7 * DAY),
  prefetchHits: int(0, 1_000_000),
};

export const TCP_FIELDS: Fields<TcpOptions> = {
  idleTimeoutMs: int(1, 3_600_000),
  maxConnections: int(1, 1_000_000),
};

function group<T>(fields: Fields<T>): Check<T> {
  return (v, field) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw expected('CDNS_CONFIG_TYPE', field, 'expected a map', v);
    const given = v as Record<string, unknown>;
    for (const k of Object.keys(given)) {
      if (!(k in fields)) throw new ConfigError('CDNS_CONFIG_KEY', `unknown key; expected one of ${Object.keys(fields).join(', ')}`, { field: `${field}.${k}` });
    }
    const out = {} as T;
    for (const k of Object.keys(fields) as (keyof T & string)[]) out[k] = fields[k](given[k], `${field}.${k}`);
    return out;
  };
}

export const FIELDS: Fields<Options> = {
  listen: list(bindAddress(53), { min: 1 }),
  clusterDomain: domainName,
  snapshot: nullable(text),
  kubeconfig: nullable(text),
  context: nullable(text),
  // SPEC §3: one TTL setting, 0-3600.
  ttl: int(0, 3600),
  pods: oneOf(['disabled', 'insecure', 'verified'] as const),
  namespaces: nullable(list(dnsLabel, { min: 1 })),
  endpointPodNames: bool,
  ignoreEmptyService: bool,
  reverseZones: nullable(reverseZones),
  upstream: nullable(list(server, { min: 1 })),
  resolvConf: text,
  stubDomains,
  upstreamPolicy: oneOf(['random', 'round_robin', 'sequential'] as const),
  upstreamTimeoutMs: int(1, 60_000),
  maxConcurrentForwards: int(1, 1_000_000),
  zoneFiles: list(text, { split: false }),
  health: bindOrOff(DEFAULTS.health?.port ?? 8080),
  ready: bindOrOff(DEFAULTS.ready?.port ?? 8181),
  metrics: bindOrOff(DEFAULTS.metrics?.port ?? 9153),
  config: nullable(text),
  corefile: nullable(text),
  reloadIntervalMs: int(0, 86_400_000),
  kubeEndpoint: nullable(text),
  serviceSelector: nullable(text),
  namespaceSelector: nullable(text),
  startupTimeoutMs: int(0, 3_600_000),
  cache: group(CACHE_FIELDS),
  tcp: group(TCP_FIELDS),
  lameDuckMs: int(0, 600_000),
  logLevel: oneOf(['debug', 'info', 'warn', 'error'] as const),
  logQueries: bool,
  workers: int(1, 256),
  nativeUdp: bool,
  loadbalance: bool,
  demoHint: bool,
  autopath: bool,
  autopathNamespaces: nullable(list(dnsLabel, { min: 1 })),
  autopathSearch: nullable(list(domainName, { min: 1 })),
};

export const OPTION_NAMES = Object.keys(FIELDS) as (keyof Options)[];

/** Checks every option and the pairs that must agree; returns the normalised copy. */
export function validateOptions(o: Options): Options {
  const out = {} as Record<keyof Options, unknown>;
  const given = o as unknown as Record<string, unknown>;
  for (const k of OPTION_NAMES) out[k] = (FIELDS[k] as Check<unknown>)(given[k], k);
  const v = out as Options;
  crossChecks(v);
  return v;
}

function crossChecks(o: Options): void {
  if (o.cache.minTtl > o.cache.maxTtl) {
    throw expected('CDNS_CONFIG_RANGE', 'cache.minTtl', `expected at most cache.maxTtl (${o.cache.maxTtl})`, o.cache.minTtl);
  }
  // DESIGN §3: a snapshot is served "instead of the API"; a kubeconfig beside it would be ignored.
  if (o.snapshot !== null && (o.kubeconfig !== null || o.context !== null)) {
    throw new ConfigError('CDNS_CONFIG_CONFLICT', 'cannot be used with kubeconfig or context (a snapshot replaces the API server)', { field: 'snapshot' });
  }
  const seen = new Set<string>();
  o.listen.forEach((hp, i) => {
    const key = `${hp.host}|${hp.port}`;
    if (hp.port !== 0 && seen.has(key)) throw expected('CDNS_CONFIG_VALUE', `listen[${i}]`, 'expected each address once', hp.host.includes(':') ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`);
    seen.add(key);
  });
}
