// resolve/cache-settings.ts + resolve/cache.ts: what a Corefile `cache` block (CachePlan) and
// the flags/YAML CacheOptions make the cache do (issue 9): per-kind capacity, TTL cap and
// floor, prefetch AMOUNT/DURATION/PERCENTAGE, serve_stale DURATION and refresh mode.
import { DEFAULTS, type CacheOptions } from '../../src/config/options';
import type { CachePlan } from '../../src/config/plan';
import { emptyAnswer, type EncodedAnswer } from '../../src/dns/encoded';
import { AnswerCache } from '../../src/resolve/cache';
import { settingsFromOptions, settingsFromPlan } from '../../src/resolve/cache-settings';

const opts = (o: Partial<CacheOptions> = {}): CacheOptions => ({ ...DEFAULTS.cache, ...o });
const plan = (o: Partial<CachePlan> = {}): CachePlan => ({
  origin: 'Corefile:4',
  zones: [''],
  success: { capacity: 9984, maxTtl: 3600, minTtl: 5 },
  denial: { capacity: 9984, maxTtl: 1800, minTtl: 5 },
  prefetch: null,
  serveStale: null,
  disableSuccess: [],
  disableDenial: [],
  ...o,
});
const fromPlan = (o: Partial<CachePlan> = {}) => new AnswerCache(opts(), settingsFromPlan(plan(o)));

const positive: EncodedAnswer = { ...emptyAnswer(0), an: 1 };
const nxdomain = emptyAnswer(3);
const nodata = emptyAnswer(0);

describe('TTL cap and floor per kind', () => {
  test.each([
    // plan success [cap, floor], denial [cap, floor], ttl, negative, expected
    [[3600, 5], [1800, 5], 30, false, 30],
    [[3600, 5], [1800, 5], 1, false, 5],
    [[300, 0], [1800, 5], 9000, false, 300],
    [[3600, 5], [60, 10], 900, true, 60],
    [[3600, 5], [60, 10], 2, true, 10],
    [[3600, 0], [1800, 0], 0, true, 0],
  ] as const)('success %j denial %j: clampTtl(%s, negative %s) = %s', (s, d, ttl, negative, want) => {
    const c = fromPlan({ success: { capacity: 10, maxTtl: s[0], minTtl: s[1] }, denial: { capacity: 10, maxTtl: d[0], minTtl: d[1] } });
    expect(c.clampTtl(ttl, negative)).toBe(want);
    expect([c.successMax, c.successMin, c.denialMax, c.denialMin]).toEqual([s[0], s[1], d[0], d[1]]);
  });

  test.each([
    // flags/YAML options, ttl, negative, expected: the lower negative cap, one floor
    [{}, 9000, false, 3600],
    [{}, 9000, true, 1800],
    [{ maxTtl: 600 }, 9000, true, 600],
    [{ minTtl: 20 }, 10, true, 20],
  ] as const)('options %j: clampTtl(%s, negative %s) = %s', (o, ttl, negative, want) => {
    expect(new AnswerCache(opts(o)).clampTtl(ttl, negative)).toBe(want);
  });
});

describe('capacity per kind', () => {
  test('a Corefile cache keeps denial apart: a flood of NXDOMAINs does not evict positive answers', () => {
    const c = fromPlan({ success: { capacity: 3, maxTtl: 3600, minTtl: 0 }, denial: { capacity: 2, maxTtl: 1800, minTtl: 0 } });
    for (const k of ['a', 'b', 'c']) c.store(k, positive, 0, 30, 0);
    for (let i = 0; i < 50; i++) c.store(`nx${i}`, i % 2 ? nxdomain : nodata, 0, 30, 0);
    expect(['a', 'b', 'c'].map((k) => c.peek(k) !== undefined)).toEqual([true, true, true]);
    expect(c.size).toBe(5);
    expect(c.peek('nx49')).toBeDefined();
    expect(c.peek('nx0')).toBeUndefined();
  });

  test('flags/YAML: one LRU of maxEntries for both kinds (as before)', () => {
    const c = new AnswerCache(opts({ maxEntries: 3 }));
    for (const k of ['a', 'b', 'c']) c.store(k, positive, 0, 30, 0);
    c.store('nx', nxdomain, 0, 30, 0);
    expect(c.size).toBe(3);
    expect(c.peek('a')).toBeUndefined();
  });

  test('a key that changes kind is found as its latest answer only', () => {
    const c = fromPlan();
    c.store('k', positive, 0, 30, 0);
    c.store('k', nxdomain, 0, 30, 1);
    expect(c.peek('k')?.answer).toBe(nxdomain);
    c.store('k', positive, 0, 30, 2);
    expect(c.peek('k')?.answer).toBe(positive);
    expect(c.size).toBe(1);
  });
});

describe('prefetch AMOUNT [DURATION] [PERCENTAGE%]', () => {
  /** Hits at the given ms offsets on an entry of TTL 100 s stored at 0; returns when it was due. */
  function dueAt(c: AnswerCache, at: number[]): number[] {
    const e = c.store('k', positive, 0, 100, 0);
    const out: number[] = [];
    for (const t of at) {
      e.hits++;
      if (c.prefetchDue(e, t)) out.push(t);
    }
    return out;
  }
  test.each([
    ['off', null, [95_000, 96_000, 97_000], []],
    ['2 hits, 10%: due once 90 s of 100 s have passed', { amount: 2, durationMs: 60_000, percentage: 10 }, [50_000, 89_000, 91_000, 92_000], [91_000]],
    ['2 hits, 50%: due after 50 s', { amount: 2, durationMs: 60_000, percentage: 50 }, [40_000, 49_000, 51_000], [51_000]],
    ['hits further apart than DURATION do not add up', { amount: 2, durationMs: 1000, percentage: 10 }, [91_000, 93_000, 95_000, 95_500], [95_500]],
    ['3 hits needed', { amount: 3, durationMs: 60_000, percentage: 10 }, [91_000, 92_000, 93_000], [93_000]],
  ])('%s', (_what, prefetch, hits, want) => {
    expect(dueAt(fromPlan({ prefetch }), hits)).toEqual(want);
  });

  test('flags/YAML prefetchHits: hits since stored, 10% of the TTL (as before)', () => {
    expect(settingsFromOptions(opts({ prefetchHits: 3 })).prefetch).toEqual({ amount: 3, durationMs: Infinity, percentage: 10 });
    expect(dueAt(new AnswerCache(opts({ prefetchHits: 2 })), [10_000, 91_000, 92_000])).toEqual([91_000]);
  });

  test('never for local answers (generation set): the view invalidates them', () => {
    const c = fromPlan({ prefetch: { amount: 1, durationMs: 60_000, percentage: 100 } });
    const e = c.store('k', positive, 7, 100, 0);
    e.hits = 5;
    expect(c.prefetchDue(e, 99_000)).toBe(false);
  });
});

describe('serve_stale [DURATION] [REFRESH_MODE]', () => {
  test.each([
    ['off', null, 31_000, false, false],
    ['1h verify, just expired', { durationMs: 3_600_000, refresh: 'verify' }, 31_000, true, false],
    ['1h immediate, just expired', { durationMs: 3_600_000, refresh: 'immediate' }, 31_000, true, true],
    ['10 s, expired 11 s ago', { durationMs: 10_000, refresh: 'immediate' }, 41_000, false, true],
  ] as const)('%s', (_what, serveStale, now, usable, immediate) => {
    const c = fromPlan({ serveStale });
    const e = c.store('k', positive, 0, 30, 0);
    expect(c.staleUsable(e, now)).toBe(usable);
    expect(c.staleImmediate).toBe(immediate);
  });

  test('flags/YAML serveStaleSeconds: verify mode (stale only when the upstreams fail)', () => {
    const c = new AnswerCache(opts({ serveStaleSeconds: 60 }));
    expect([c.staleMs, c.staleImmediate]).toEqual([60_000, false]);
  });

  test('local answers (generation set) are never served stale', () => {
    const c = fromPlan({ serveStale: { durationMs: 60_000, refresh: 'immediate' } });
    expect(c.staleUsable(c.store('k', positive, 3, 30, 0), 31_000)).toBe(false);
  });
});

describe('cacheFromPlan', () => {
  test('a Corefile plan: its own settings; a plan compiled from flags: the flags behaviour', async () => {
    const { cacheFromPlan } = await import('../../src/resolve/cache');
    const corefile = cacheFromPlan(plan({ serveStale: { durationMs: 5000, refresh: 'immediate' } }), opts());
    expect([corefile.settings.shared, corefile.staleImmediate, corefile.denialMin]).toEqual([false, true, 5]);
    const flags = cacheFromPlan(plan({ origin: 'flags', serveStale: { durationMs: 60_000, refresh: 'immediate' } }), opts({ serveStaleSeconds: 60 }));
    expect([flags.settings.shared, flags.staleImmediate, flags.staleMs]).toEqual([true, false, 60_000]);
  });
});
