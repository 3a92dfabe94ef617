// resolve/cache.ts: the bounded LRU of answers. TTL clamping (floor, cap, and the lower cap on
// negative answers, RFC 2308 §5), expiry stamps, eviction of the least recently used entry,
// and entries returned fresh or not (the resolver decides about stale ones).
import { AnswerCache } from '../../src/resolve/cache';
import { emptyAnswer } from '../../src/dns/encoded';
import { DEFAULTS, type CacheOptions } from '../../src/config/options';

const opts = (o: Partial<CacheOptions> = {}): CacheOptions => ({ ...DEFAULTS.cache, ...o });
const ans = emptyAnswer(0);

describe('AnswerCache', () => {
  test.each([
    // ttl, negative, options, expected
    [30, false, {}, 30],
    [0, false, { minTtl: 5 }, 5],
    [9000, false, { maxTtl: 3600 }, 3600],
    [9000, true, { maxTtl: 3600, maxNegativeTtl: 1800 }, 1800],
    [9000, true, { maxTtl: 600, maxNegativeTtl: 1800 }, 600],
    [10, true, { minTtl: 20, maxNegativeTtl: 1800 }, 20],
    [0, true, { minTtl: 0 }, 0],
  ] as const)('clampTtl(%s, negative %s) with %j = %s', (ttl, negative, o, expected) => {
    expect(new AnswerCache(opts(o)).clampTtl(ttl, negative)).toBe(expected);
  });

  test('store stamps the entry: stored, expiry, TTL, no hits; peek returns it expired or not', () => {
    const c = new AnswerCache(opts());
    const e = c.store('k', ans, 7, 30, 1_000);
    expect(e).toMatchObject({ answer: ans, generation: 7, storedAt: 1_000, expiresAt: 31_000, hits: 0, ttl: 30 });
    expect(c.peek('k')).toBe(e);
    expect(c.size).toBe(1);
    c.store('k', ans, 0, 0, 2_000); // replaced, already expired: still returned by peek
    expect(c.peek('k')?.expiresAt).toBe(2_000);
    expect(c.size).toBe(1);
  });

  test('bounded: past maxEntries the least recently used entry goes; a peek counts as a use', () => {
    const c = new AnswerCache(opts({ maxEntries: 3 }));
    for (const k of ['a', 'b', 'c']) c.store(k, ans, 0, 30, 0);
    expect(c.peek('a')).toBeDefined(); // a is now the most recent; b the oldest
    c.store('d', ans, 0, 30, 0);
    expect(c.size).toBe(3);
    expect(c.peek('b')).toBeUndefined();
    expect(['a', 'c', 'd'].map((k) => c.peek(k) !== undefined)).toEqual([true, true, true]);
  });

  test('maxEntries below 1 still keeps one entry; delete and clear', () => {
    const c = new AnswerCache(opts({ maxEntries: 0 }));
    c.store('a', ans, 0, 30, 0);
    c.store('b', ans, 0, 30, 0);
    expect(c.size).toBe(1);
    expect(c.peek('b')).toBeDefined();
    c.delete('b');
    expect(c.size).toBe(0);
    c.store('x', ans, 0, 30, 0);
    c.clear();
    expect(c.peek('x')).toBeUndefined();
  });

  test('hit and miss counters start at 0', () => {
    const c = new AnswerCache(opts());
    expect([c.hits, c.misses]).toEqual([0, 0]);
  });
});
