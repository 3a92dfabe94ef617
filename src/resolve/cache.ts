// The answer cache (SPEC §4, Cache; issue 4): bounded LRU in front of cluster, static and
// forwarded answers. Local answers carry the generation they were built in and die the
// moment the view moves (a change never waits out a TTL here); forwarded ones live for their
// TTL, clamped per kind (success, denial: RFC 2308 §5) to the floor and cap of its settings
// (resolve/cache-settings.ts: the flags/YAML CacheOptions or a Corefile `cache` block).
//
// Positive and negative answers share one LRU (flags/YAML) or have one each (a Corefile, as
// CoreDNS's pcache and ncache, so a flood of NXDOMAINs cannot evict the names in use). A hit
// stays one LRU get and a few compares either way: the second LRU is asked only on a miss
// of the first.
import { LRUCache } from 'lru-cache';
import { RCODE } from '../dns/constants';
import type { EncodedAnswer } from '../dns/encoded';
import type { CacheOptions } from '../config/options';
import type { CachePlan } from '../config/plan';
import { settingsFromOptions, settingsFromPlan, type CacheSettings } from './cache-settings';

export interface CacheEntry {
  answer: EncodedAnswer;
  /** Local generation the answer was built in; 0 for forwarded answers. */
  generation: number;
  /** ms since epoch */
  storedAt: number;
  expiresAt: number;
  /** Queries served from this entry (prefetch popularity). */
  hits: number;
  /** The TTL it was stored with, seconds (prefetch threshold). */
  ttl: number;
}

/** The cache's numbers for /metrics (summed over workers by the primary). */
export interface CacheCounts {
  /** Entries held now. */
  size: number;
  /** Lookups answered from the cache / not found or expired (since start, monotonic). */
  hits: number;
  misses: number;
  /** Expired answers served while the upstreams failed (RFC 8767). */
  servedStale: number;
}

/** RFC 2308 §5 negative answers: NXDOMAIN, or NOERROR with no answer records (NODATA). */
function isDenial(a: EncodedAnswer): boolean {
  return a.rcode === RCODE.NXDOMAIN || (a.rcode === RCODE.NOERROR && a.an === 0);
}

export class AnswerCache {
  private readonly lru: LRUCache<string, CacheEntry>;
  /** The denial LRU when kinds are kept apart; null when they share `lru`. */
  private readonly neg: LRUCache<string, CacheEntry> | null;
  /** Per kind TTL floor and cap, seconds (also what forwarded records are clamped to). */
  readonly successMin: number;
  readonly successMax: number;
  readonly denialMin: number;
  readonly denialMax: number;
  /** Serve-stale window past expiry, ms (0 = off), and whether stale goes out before asking. */
  readonly staleMs: number;
  readonly staleImmediate: boolean;
  private readonly prefetchAmount: number;
  private readonly prefetchWindowMs: number;
  private readonly prefetchFraction: number;
  /** When each entry was last hit, for the prefetch window (entries keep their shape). */
  private readonly lastHit = new WeakMap<CacheEntry, number>();
  hits = 0;
  misses = 0;
  servedStale = 0;

  /**
   * @param opts the flags/YAML options (kept as `opts` for callers that read them).
   * @param settings what the cache does; default: derived from `opts`.
   */
  constructor(
    readonly opts: CacheOptions,
    readonly settings: CacheSettings = settingsFromOptions(opts),
  ) {
    const s = settings;
    this.lru = new LRUCache({ max: Math.max(1, s.success.capacity) });
    this.neg = s.shared ? null : new LRUCache({ max: Math.max(1, s.denial.capacity) });
    this.successMin = s.success.minTtl;
    this.successMax = s.success.maxTtl;
    this.denialMin = s.denial.minTtl;
    this.denialMax = s.denial.maxTtl;
    this.staleMs = s.serveStale?.durationMs ?? 0;
    this.staleImmediate = s.serveStale?.refresh === 'immediate';
    this.prefetchAmount = s.prefetch?.amount ?? 0;
    this.prefetchWindowMs = s.prefetch?.durationMs ?? 0;
    this.prefetchFraction = (s.prefetch?.percentage ?? 0) / 100;
  }

  get size(): number {
    return this.lru.size + (this.neg?.size ?? 0);
  }

  counts(): CacheCounts {
    return { size: this.size, hits: this.hits, misses: this.misses, servedStale: this.servedStale };
  }

  /** The entry for a key if present, fresh or not: the caller decides (stale serving). */
  peek(key: string): CacheEntry | undefined {
    const e = this.lru.get(key);
    if (e !== undefined || this.neg === null) return e;
    return this.neg.get(key);
  }

  /** Clamped TTL, seconds, for an answer of the given smallest TTL. */
  clampTtl(ttl: number, negative: boolean): number {
    return negative ? Math.min(Math.max(ttl, this.denialMin), this.denialMax) : Math.min(Math.max(ttl, this.successMin), this.successMax);
  }

  store(key: string, answer: EncodedAnswer, generation: number, ttlSeconds: number, now: number): CacheEntry {
    const entry: CacheEntry = { answer, generation, storedAt: now, expiresAt: now + ttlSeconds * 1000, hits: 0, ttl: ttlSeconds };
    if (this.neg === null) this.lru.set(key, entry);
    else if (isDenial(answer)) {
      this.lru.delete(key); // a name that stopped existing must not be found positive first
      this.neg.set(key, entry);
    } else {
      this.neg.delete(key);
      this.lru.set(key, entry);
    }
    return entry;
  }

  /** A forwarded entry that may be served though expired (RFC 8767, `serve_stale`). */
  staleUsable(e: CacheEntry, now: number): boolean {
    return this.staleMs > 0 && e.generation === 0 && now < e.expiresAt + this.staleMs;
  }

  /**
   * Called on each hit of a fresh entry, after `e.hits++`: whether to refresh it now in the
   * background (`prefetch AMOUNT DURATION PERCENTAGE%`). Hits count while each comes within
   * DURATION of the previous one (CoreDNS cache/freq); the refresh is due once AMOUNT hits
   * are counted and less than PERCENTAGE % of the TTL is left. Resets the count when due.
   */
  prefetchDue(e: CacheEntry, now: number): boolean {
    if (this.prefetchAmount <= 0 || e.generation !== 0) return false;
    const last = this.lastHit.get(e);
    if (last !== undefined && now - last > this.prefetchWindowMs) e.hits = 1;
    this.lastHit.set(e, now);
    if (e.hits < this.prefetchAmount) return false;
    if (e.expiresAt - now > e.ttl * 1000 * this.prefetchFraction) return false;
    e.hits = 0;
    return true;
  }

  delete(key: string): void {
    this.lru.delete(key);
    this.neg?.delete(key);
  }

  clear(): void {
    this.lru.clear();
    this.neg?.clear();
  }
}

/**
 * The cache a block's CachePlan asks for. A plan compiled from flags/YAML (origin `flags`)
 * keeps the flags behaviour (one LRU, serve-stale after a failed refresh, prefetch counting
 * hits since stored); a Corefile `cache` block gets per-kind LRUs and its own modes.
 * @param asOptions the same plan as CacheOptions (resolve/cache-plan.ts cacheOptionsOf).
 */
export function cacheFromPlan(p: CachePlan, asOptions: CacheOptions): AnswerCache {
  return new AnswerCache(asOptions, p.origin === 'flags' ? settingsFromOptions(asOptions) : settingsFromPlan(p));
}
