// A block's CachePlan (config/plan.ts) as what the cache and the chain take: the AnswerCache
// options and the zones whose answers may be stored. Decided once per block (STYLE rule 9).
import type { CacheOptions } from '../config/options';
import type { CachePlan } from '../config/plan';
import { inZones } from '../dns/zones';

export function cacheOptionsOf(p: CachePlan): CacheOptions {
  return {
    enabled: true,
    maxEntries: Math.max(p.success.capacity, p.denial.capacity),
    minTtl: p.success.minTtl,
    maxTtl: p.success.maxTtl,
    maxNegativeTtl: p.denial.maxTtl,
    serveStaleSeconds: p.serveStale ? Math.round(p.serveStale.durationMs / 1000) : 0,
    prefetchHits: p.prefetch ? p.prefetch.amount : 0,
  };
}

/**
 * Whether an answer for `name` may be stored: the name is under one of the cache's zones and
 * not under a `disable success|denial` zone for its kind (CoreDNS cache README: kubeadm's
 * `disable success cluster.local` keeps cluster answers out of the cache). null: always.
 */
export type StorePolicy = ((name: string, negative: boolean) => boolean) | null;

export function storePolicy(p: CachePlan): StorePolicy {
  const all = p.zones.length === 0 || p.zones.includes('');
  if (all && p.disableSuccess.length === 0 && p.disableDenial.length === 0) return null;
  return (name, negative) => {
    if (!all && !inZones(name, p.zones)) return false;
    return !inZones(name, negative ? p.disableDenial : p.disableSuccess);
  };
}
