// The flags and YAML path to the server model (DESIGN §2, "server blocks"): validated Options
// become a ServerPlan, the same shape a Corefile compiles to, so one composition (app.ts)
// serves both. The translation is the one CoreDNS deployments made from kube-dns: one block
// for the root zone with kubernetes, forward, cache and zone files, and each kube-dns stub
// domain an extra block of its own with `forward . SERVERS` (coredns/deployment
// migration/corefile.go: `stubDomains` become server blocks).
import type { CacheOptions, Options } from './options';
import { inZone } from '../dns/zones';
import type { BlockPlan, CachePlan, ForwardPlan, KubernetesPlan, ServerPlan } from './plan';
import { emptyBlock } from './plan';

/** CoreDNS's catch-all reverse zones, answered from the view; misses fall through. */
const ARPA = ['in-addr.arpa', 'ip6.arpa'];

export function planFromOptions(opts: Options): ServerPlan {
  const domain = opts.clusterDomain.toLowerCase().replace(/\.$/, '');
  const cache = opts.cache.enabled ? cachePlan(opts.cache) : null;
  const main: BlockPlan = {
    ...emptyBlock('flags', [''], opts.listen),
    kubernetes: kubernetesPlan(opts, domain),
    forward: opts.upstream !== null && opts.upstream.length === 0 ? null : forwardPlan(opts, '', opts.upstream),
    cache,
    zoneFiles: opts.zoneFiles.map((path) => ({ origin: 'flags', path, zones: [] })),
    loadbalance: opts.loadbalance,
    // Issue 12 (`--autopath`): the flags' form of the Corefile's `autopath @kubernetes`.
    autopath: opts.autopath
      ? { origin: 'flags', zone: domain, searchDomains: opts.autopathSearch, verified: opts.pods === 'verified', namespaces: opts.autopathNamespaces }
      : null,
    log: opts.logQueries,
    loop: true,
  };
  // kube-dns stubDomains: a block per domain that forwards it (and caches as the main block).
  // A stub domain overlapping the cluster's zones (10.in-addr.arpa) keeps the view in front:
  // what the cluster answers is answered here, and only its misses go to the stub (issue 4).
  const stubs = opts.stubDomains.map((s): BlockPlan => {
    const zone = s.domain.toLowerCase().replace(/\.$/, '');
    const k = main.kubernetes!;
    const overlaps = k.zones.some((z) => inZone(zone, z) || inZone(z, zone));
    return {
      ...emptyBlock(`flags (stub domain ${s.domain})`, [zone], opts.listen),
      kubernetes: overlaps ? k : null,
      forward: forwardPlan(opts, '', s.servers),
      cache,
      log: opts.logQueries,
    };
  });
  return { blocks: [main, ...stubs] };
}


function kubernetesPlan(opts: Options, domain: string): KubernetesPlan {
  // --reverse-zones unset: every reverse name is looked up in the view and a miss goes on,
  // which is kubeadm's `kubernetes cluster.local in-addr.arpa ip6.arpa { fallthrough
  // in-addr.arpa ip6.arpa }`. Set: those zones are authoritative, a miss is NXDOMAIN.
  const reverse = opts.reverseZones ?? ARPA;
  return {
    origin: 'flags',
    zones: [domain, ...reverse],
    ttl: opts.ttl,
    pods: opts.pods,
    namespaces: opts.namespaces,
    namespaceLabels: opts.namespaceSelector,
    labels: opts.serviceSelector,
    endpointPodNames: opts.endpointPodNames,
    ignoreEmptyService: opts.ignoreEmptyService,
    noEndpoints: false,
    fallthrough: opts.reverseZones === null ? [...ARPA] : null,
  };
}

function forwardPlan(opts: Options, from: string, to: Options['upstream']): ForwardPlan {
  return {
    origin: 'flags',
    from,
    to: to === null ? null : to.map((a) => ({ ...a })),
    resolvConf: opts.resolvConf,
    except: [],
    forceTcp: false,
    preferUdp: false,
    policy: opts.upstreamPolicy,
    maxConcurrent: opts.maxConcurrentForwards,
    timeoutMs: opts.upstreamTimeoutMs,
    // The forwarder's own defaults (CoreDNS's: max_fails 2, health_check 0.5s, expire 10s).
    maxFails: 2,
    healthCheckMs: 500,
    expireMs: 10_000,
  };
}

/** CacheOptions as a CachePlan; cacheOptionsOf() (resolve/cache-plan.ts) is the way back. */
export function cachePlan(c: CacheOptions): CachePlan {
  return {
    origin: 'flags',
    zones: [''],
    success: { capacity: c.maxEntries, maxTtl: c.maxTtl, minTtl: c.minTtl },
    denial: { capacity: c.maxEntries, maxTtl: Math.min(c.maxTtl, c.maxNegativeTtl), minTtl: c.minTtl },
    prefetch: c.prefetchHits > 0 ? { amount: c.prefetchHits, durationMs: 60_000, percentage: 10 } : null,
    serveStale: c.serveStaleSeconds > 0 ? { durationMs: c.serveStaleSeconds * 1000, refresh: 'immediate' } : null,
    disableSuccess: [],
    disableDenial: [],
  };
}

