// What the answer cache is told, from either door: the flags/YAML CacheOptions or a Corefile
// `cache` block (config/plan.ts CachePlan; CoreDNS cache README). Both become one shape,
// decided once when the cache is built (STYLE rule 9); resolve/cache.ts reads nothing else.
//
//   cache [TTL] [ZONES] { success CAPACITY [TTL] [MINTTL]; denial CAPACITY [TTL] [MINTTL];
//                         prefetch AMOUNT [[DURATION] [PERCENTAGE%]];
//                         serve_stale [DURATION] [REFRESH_MODE]; disable success|denial ZONES }
//
// Zones and `disable` decide what is stored, per name: resolve/cache-plan.ts storePolicy.
import type { CacheOptions } from '../config/options';
import type { CacheKindPlan, CachePlan } from '../config/plan';

export interface CacheSettings {
  /** Positive answers: entries at most, TTL cap and floor (seconds). */
  success: CacheKindPlan;
  /** NXDOMAIN and NODATA (RFC 2308): the same, kept apart from the positive ones. */
  denial: CacheKindPlan;
  /**
   * One LRU for both kinds, of success.capacity entries (flags/YAML `cache.maxEntries`), or
   * one LRU per kind (a Corefile, as CoreDNS's pcache and ncache).
   */
  shared: boolean;
  /**
   * Refresh an entry asked for `amount` times, each hit within `durationMs` of the previous
   * (CoreDNS freq), once less than `percentage` % of its TTL is left. null = off.
   */
  prefetch: { amount: number; durationMs: number; percentage: number } | null;
  /**
   * RFC 8767: answer from an expired entry for up to `durationMs` past its expiry.
   * `verify`: only when the upstreams fail (ask first); `immediate`: at once, refreshing it in
   * the background (CoreDNS's default mode). null = off.
   */
  serveStale: { durationMs: number; refresh: 'immediate' | 'verify' } | null;
}

/** The flags/YAML cache: one LRU; prefetch counts hits since stored; stale only on failure. */
export function settingsFromOptions(o: CacheOptions): CacheSettings {
  return {
    success: { capacity: o.maxEntries, maxTtl: o.maxTtl, minTtl: o.minTtl },
    denial: { capacity: o.maxEntries, maxTtl: Math.min(o.maxTtl, o.maxNegativeTtl), minTtl: o.minTtl },
    shared: true,
    prefetch: o.prefetchHits > 0 ? { amount: o.prefetchHits, durationMs: Infinity, percentage: 10 } : null,
    serveStale: o.serveStaleSeconds > 0 ? { durationMs: o.serveStaleSeconds * 1000, refresh: 'verify' } : null,
  };
}

/** A Corefile `cache` block: two LRUs, every number as written (the parser filled defaults). */
export function settingsFromPlan(p: CachePlan): CacheSettings {
  return {
    success: { ...p.success },
    denial: { ...p.denial },
    shared: false,
    prefetch: p.prefetch ? { ...p.prefetch } : null,
    serveStale: p.serveStale ? { ...p.serveStale } : null,
  };
}
