// Command-line flags (DESIGN §3) to an options layer. Input: commander's `opts()` for `serve`,
// camelCase keys (`--cluster-domain` -> clusterDomain), strings, booleans, or string arrays for
// repeated flags. Each value goes through the same check as the config file key it sets, so
// errors name the flag: `CDNS_CONFIG_RANGE: --ttl: expected an integer 0-3600, got "7200"`.
//
// The layer is the top of the precedence DEFAULTS < config file < flags; for that to hold,
// commander must not fill in defaults of its own (an absent flag has to stay undefined). The one
// exception commander forces is `--no-cache`, which makes `cache` true unless given; only an
// explicit false is taken from it.

import { CACHE_FIELDS, FIELDS } from './validate';
import type { OptionsLayer } from './file';
import { stubDomainFlag, stubDomains } from './kubedns';
import type { Check } from './values';

type Target = { key: string; nested?: 'cache' | 'tcp'; check: Check<unknown> };

/** Repeated flags arrive as arrays; lists also take commas; both become one comma list. */
const joined = (check: Check<unknown>): Check<unknown> => (v, f) => check(Array.isArray(v) ? v.join(',') : v, f);

const stubDomainFlags: Check<unknown> = (v, f) => {
  const values = Array.isArray(v) ? v : [v];
  // The list form goes through stubDomains again only to refuse a domain given twice.
  return stubDomains(values.map((s, i) => stubDomainFlag(s, values.length > 1 ? `${f}[${i}]` : f)), f);
};

/** commander key -> option. Flags named as the option need no entry beyond their check. */
const FLAGS: Record<string, Target> = {
  listen: { key: 'listen', check: joined(FIELDS.listen) },
  clusterDomain: { key: 'clusterDomain', check: FIELDS.clusterDomain },
  snapshot: { key: 'snapshot', check: FIELDS.snapshot },
  kubeconfig: { key: 'kubeconfig', check: FIELDS.kubeconfig },
  context: { key: 'context', check: FIELDS.context },
  ttl: { key: 'ttl', check: FIELDS.ttl },
  pods: { key: 'pods', check: FIELDS.pods },
  namespaces: { key: 'namespaces', check: joined(FIELDS.namespaces) },
  endpointPodNames: { key: 'endpointPodNames', check: FIELDS.endpointPodNames },
  ignoreEmptyService: { key: 'ignoreEmptyService', check: FIELDS.ignoreEmptyService },
  reverseZones: { key: 'reverseZones', check: joined(FIELDS.reverseZones) },
  upstream: { key: 'upstream', check: joined(FIELDS.upstream) },
  stubDomain: { key: 'stubDomains', check: stubDomainFlags },
  zoneFile: { key: 'zoneFiles', check: FIELDS.zoneFiles },
  health: { key: 'health', check: FIELDS.health },
  ready: { key: 'ready', check: FIELDS.ready },
  metrics: { key: 'metrics', check: FIELDS.metrics },
  config: { key: 'config', check: FIELDS.config },
  corefile: { key: 'corefile', check: FIELDS.corefile },
  upstreamPolicy: { key: 'upstreamPolicy', check: FIELDS.upstreamPolicy },
  workers: { key: 'workers', check: FIELDS.workers },
  logLevel: { key: 'logLevel', check: FIELDS.logLevel },
  logQueries: { key: 'logQueries', check: FIELDS.logQueries },
  lameDuck: { key: 'lameDuckMs', check: FIELDS.lameDuckMs },
  cacheSize: { key: 'maxEntries', nested: 'cache', check: CACHE_FIELDS.maxEntries },
  serveStale: { key: 'serveStaleSeconds', nested: 'cache', check: CACHE_FIELDS.serveStaleSeconds },
  startupTimeout: { key: 'startupTimeoutMs', check: FIELDS.startupTimeoutMs },
  demoHint: { key: 'demoHint', check: FIELDS.demoHint },
  autopath: { key: 'autopath', check: FIELDS.autopath },
  autopathNamespaces: { key: 'autopathNamespaces', check: joined(FIELDS.autopathNamespaces) },
  autopathSearch: { key: 'autopathSearch', check: joined(FIELDS.autopathSearch) },
  // Not in DESIGN §3, mapped so that cli.ts may offer them without touching this file.
  resolvConf: { key: 'resolvConf', check: FIELDS.resolvConf },
  upstreamTimeout: { key: 'upstreamTimeoutMs', check: FIELDS.upstreamTimeoutMs },
  maxConcurrentForwards: { key: 'maxConcurrentForwards', check: FIELDS.maxConcurrentForwards },
  serviceSelector: { key: 'serviceSelector', check: FIELDS.serviceSelector },
  namespaceSelector: { key: 'namespaceSelector', check: FIELDS.namespaceSelector },
};

/** `clusterDomain` -> `--cluster-domain`. */
export function flagName(key: string): string {
  return '--' + key.replace(/[A-Z]/g, (ch) => '-' + ch.toLowerCase());
}

/** The commander keys this file maps (for cli.ts tests that every declared flag is covered). */
export const FLAG_KEYS: readonly string[] = [...Object.keys(FLAGS), 'cache', 'nativeUdp', 'loadbalance'];

export function flagsToOptions(parsed: Record<string, unknown>): OptionsLayer {
  const layer: Record<string, unknown> = {};
  const cache: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (value === undefined) continue;
    if (name === 'cache') {
      if (value === false) cache.enabled = false; // --no-cache
      continue;
    }
    if (name === 'nativeUdp') {
      if (value === false) layer.nativeUdp = false; // --no-native-udp
      continue;
    }
    if (name === 'loadbalance') {
      if (value === false) layer.loadbalance = false; // --no-loadbalance
      continue;
    }
    const t = FLAGS[name];
    // A commander option nobody mapped is our bug, not the user's (STYLE rule 12).
    if (t === undefined) throw new Error(`config/flags.ts: no mapping for commander option "${name}" (${flagName(name)})`);
    const v = t.check(value, flagName(name));
    if (t.nested === 'cache') cache[t.key] = v;
    else layer[t.key] = v;
  }
  if (Object.keys(cache).length > 0) layer.cache = cache;
  return layer as OptionsLayer;
}
