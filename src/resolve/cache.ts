// The answer cache (SPEC §4, Cache; issue 4): one bounded LRU in front of cluster, static and
// forwarded answers. Local answers carry the generation they were built in and die the
// moment the view moves (a change never waits out a TTL here); forwarded ones live for their
// TTL, clamped to [minTtl, maxTtl] (RFC 2308 §5 for negative answers).
import { LRUCache } from 'lru-cache';
import type { EncodedAnswer } from '../dns/encoded';
import type { CacheOptions } from '../config/options';

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

export class AnswerCache {
  private readonly lru: LRUCache<string, CacheEntry>;
  hits = 0;
  misses = 0;
  servedStale = 0;

  constructor(readonly opts: CacheOptions) {
    this.lru = new LRUCache({ max: Math.max(1, opts.maxEntries) });
  }

  get size(): number {
    return this.lru.size;
  }

  counts(): CacheCounts {
    return { size: this.lru.size, hits: this.hits, misses: this.misses, servedStale: this.servedStale };
  }

  /** The entry for a key if present, fresh or not: the caller decides (stale serving). */
  peek(key: string): CacheEntry | undefined {
    return this.lru.get(key);
  }

  /** Clamped TTL, seconds, for an answer of the given smallest TTL. */
  clampTtl(ttl: number, negative: boolean): number {
    const cap = negative ? Math.min(this.opts.maxTtl, this.opts.maxNegativeTtl) : this.opts.maxTtl;
    return Math.min(Math.max(ttl, this.opts.minTtl), cap);
  }

  store(key: string, answer: EncodedAnswer, generation: number, ttlSeconds: number, now: number): CacheEntry {
    const entry: CacheEntry = { answer, generation, storedAt: now, expiresAt: now + ttlSeconds * 1000, hits: 0, ttl: ttlSeconds };
    this.lru.set(key, entry);
    return entry;
  }

  delete(key: string): void {
    this.lru.delete(key);
  }

  clear(): void {
    this.lru.clear();
  }
}
