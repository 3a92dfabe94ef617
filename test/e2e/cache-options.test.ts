// SPEC §4 cache options through the real server, on one clock (the scenarios run side by side
// from beforeAll; each test awaits its own):
// - a floor and a cap on TTLs (cache.minTtl, cache.maxTtl) that apply both to the TTL served
//   and to how long the answer is kept, and a cap on negative TTLs (cache.maxNegativeTtl,
//   RFC 2308 §5);
// - a bounded number of entries (cache.maxEntries: the least recently used one goes first);
// - serve-stale (cache.serveStaleSeconds, RFC 8767: an expired answer is served with TTL 30
//   while the upstreams fail, for a bounded time);
// - prefetch (cache.prefetchHits: a popular entry is refreshed before it expires, so clients
//   never wait for the upstream on it).
import * as dnsPacket from 'dns-packet';
import { rcode, rrs } from '../support/dns-e2e';
import { startTestServer, type TestServer } from '../support/server';
import { allListening, A, askEach, RCODE_NXDOMAIN, scenarios, sleep, soa, startZoneUpstream, timed, ttls, WORKERS, type ZoneUpstream } from '../support/forward-e2e';

const T = 300;
const CLUSTER = `
apiVersion: v1
kind: Namespace
metadata: { name: default }
`;

/** Answer A with TTL `ttl` and 192.0.2.<n> the n-th time the name is asked: tells answers apart. */
const tagged = (ttl: number) => (q: { name: string; nth: number }) => ({ answers: [A(q.name, `192.0.2.${q.nth}`, ttl)] });
const tagOf = (p: dnsPacket.DecodedPacket) => Number(rrs(p)[0]?.split('.').pop());

let up: ZoneUpstream;
let staleUp: ZoneUpstream;
let clamped: TestServer;
let small: TestServer;
let stale: TestServer;
let pf: TestServer;
let run: ReturnType<typeof start>;

function start() {
  return scenarios({
    /** Against cache {minTtl: 1, maxTtl: 2, maxNegativeTtl: 1}: TTL 0, TTL 100 and an NXDOMAIN with SOA minimum 300. */
    async clamp() {
      const names: [string, dnsPacket.RecordType][] = [
        ['zero.example.org', 'A'],
        ['long.example.org', 'A'],
        ['nx-long.example.org', 'A'],
      ];
      const askAll = async () => {
        const out: Record<string, dnsPacket.DecodedPacket> = {};
        for (const [n, t] of names) out[n] = (await askEach(clamped.port, n, t))[0].packet;
        return out;
      };
      const counts = () => Object.fromEntries(names.map(([n]) => [n, up.asked(n)]));
      const first = await askAll();
      const t0 = Date.now();
      const at: Record<string, number>[] = [counts()];
      for (const ms of [500, 1300, 2800]) {
        await sleep(t0 + ms - Date.now());
        await askAll();
        at.push(counts());
      }
      return { first, at };
    },
    /** Against cache {maxEntries: 3}. */
    async lru() {
      const p = small.port;
      const e = (i: number) => `e${i}.example.org`;
      const q = async (i: number) => (await askEach(p, e(i), 'A'))[0].packet;
      for (const i of [1, 2, 3]) await q(i); // cache: e1 e2 e3
      await q(1); // e1 used again: e2 is now the oldest
      await q(4); // a fourth entry: e2 goes
      const hits = [await q(1), await q(3), await q(4)];
      const before = Object.fromEntries([1, 2, 3, 4].map((i) => [e(i), up.asked(e(i))]));
      await q(2); // evicted: asked again
      return { hits, before, after: up.asked(e(2)) };
    },
    /** TTL 1, serveStaleSeconds 1: the upstream goes away right after the answer is cached. */
    async stale() {
      const p = stale.port;
      const first = (await askEach(p, 'stale.example.org', 'A')).map((r) => r.packet);
      const t0 = Date.now();
      await staleUp.fake.down();
      await sleep(t0 + 1300 - Date.now());
      const expired = await timed(() => askEach(p, 'stale.example.org', 'A'));
      const never = (await askEach(p, 'never.example.org', 'A'))[0].packet;
      await sleep(t0 + 2400 - Date.now());
      const tooOld = (await askEach(p, 'stale.example.org', 'A')).map((r) => r.packet);
      await staleUp.fake.up();
      const back = Date.now();
      let fresh: dnsPacket.DecodedPacket | null = null;
      while (Date.now() - back < 1500) {
        fresh = (await askEach(p, 'stale.example.org', 'A'))[0].packet;
        if (rcode(fresh) === 'NOERROR') break;
        await sleep(50);
      }
      return { first, expired, never, tooOld, fresh };
    },
    /** TTL 3, prefetchHits 2: pf is asked 3 times (the last one within 10% of its TTL), cold twice. */
    async prefetch() {
      const p = pf.port;
      await askEach(p, 'pf.example.org', 'A'); // stored
      await askEach(p, 'cold.example.org', 'A');
      const t0 = Date.now();
      await sleep(100);
      await askEach(p, 'pf.example.org', 'A'); // hit 1
      await sleep(t0 + 2750 - Date.now());
      const trigger = (await askEach(p, 'pf.example.org', 'A')).map((r) => r.packet); // hit 2, 250 ms left
      await askEach(p, 'cold.example.org', 'A'); // hit 1 only, 250 ms left
      await sleep(t0 + 2920 - Date.now());
      const beforeExpiry = { pf: up.asked('pf.example.org'), cold: up.asked('cold.example.org') };
      await sleep(t0 + 3300 - Date.now());
      const afterExpiry = (await askEach(p, 'pf.example.org', 'A')).map((r) => r.packet);
      await askEach(p, 'cold.example.org', 'A');
      return { trigger, beforeExpiry, afterExpiry, pfAsked: up.asked('pf.example.org'), coldAsked: up.asked('cold.example.org') };
    },
  });
}

beforeAll(async () => {
  up = await startZoneUpstream(
    {
      'zero.example.org A': (q) => ({ answers: [A(q.name, '192.0.2.1', 0)] }),
      'long.example.org A': (q) => ({ answers: [A(q.name, '192.0.2.2', 100), A(q.name, '192.0.2.3', 50)] }),
      'nx-long.example.org A': { rcode: RCODE_NXDOMAIN, authorities: [soa('example.org', 300, 300)] },
      'pf.example.org A': tagged(3),
      'cold.example.org A': tagged(3),
    },
    (q) => ({ answers: q.type === 'A' ? [A(q.name, '192.0.2.9', 60)] : [] }),
  );
  staleUp = await startZoneUpstream({ 'stale.example.org A': tagged(1) }, (q) => ({ answers: q.type === 'A' ? [A(q.name, '192.0.2.200')] : [] }));
  clamped = await startTestServer(CLUSTER, { upstream: [up.fake.hostPort], cache: { minTtl: 1, maxTtl: 2, maxNegativeTtl: 1 } });
  small = await startTestServer(CLUSTER, { upstream: [up.fake.hostPort], cache: { maxEntries: 3 } });
  stale = await startTestServer(CLUSTER, { upstream: [staleUp.fake.hostPort], upstreamTimeoutMs: T, cache: { serveStaleSeconds: 1 } });
  pf = await startTestServer(CLUSTER, { upstream: [up.fake.hostPort], upstreamTimeoutMs: T, cache: { prefetchHits: 2 } });
  await allListening(up, 3 * WORKERS);
  await allListening(staleUp);
  run = start();
});
afterAll(async () => {
  for (const s of [clamped, small, stale, pf]) await s?.close();
  await up?.fake.close();
  await staleUp?.fake.close();
});

describe('TTL floor and caps', () => {
  test('TTLs are raised to cache.minTtl and lowered to cache.maxTtl in what is served', async () => {
    const { first } = await run.clamp;
    expect(rrs(first['zero.example.org'])).toEqual(['zero.example.org A 192.0.2.1']);
    expect(ttls(first['zero.example.org'])).toEqual([1]);
    expect(rrs(first['long.example.org'])).toEqual(['long.example.org A 192.0.2.2', 'long.example.org A 192.0.2.3']);
    expect(ttls(first['long.example.org'])).toEqual([2, 2]);
    expect(rcode(first['nx-long.example.org'])).toBe('NXDOMAIN');
  });

  test('...and in how long the answer is kept: TTL 0 is kept 1 s, TTL 100 only 2 s, a negative answer with minimum 300 only 1 s (maxNegativeTtl)', async () => {
    const { at } = await run.clamp;
    const W = WORKERS;
    expect(at[0]).toEqual({ 'zero.example.org': W, 'long.example.org': W, 'nx-long.example.org': W });
    // 0.5 s: everything still cached (TTL 0 was raised to 1 s).
    expect(at[1]).toEqual({ 'zero.example.org': W, 'long.example.org': W, 'nx-long.example.org': W });
    // 1.3 s: the 1 s entries expired and were asked again; the capped 100 s entry is still there.
    expect(at[2]).toEqual({ 'zero.example.org': 2 * W, 'long.example.org': W, 'nx-long.example.org': 2 * W });
    // 2.8 s: the capped entry is gone after 2 s, not 100; the 1 s ones stored again at 1.3 s are gone too.
    expect(at[3]).toEqual({ 'zero.example.org': 3 * W, 'long.example.org': 2 * W, 'nx-long.example.org': 3 * W });
  });
});

describe('maxEntries', () => {
  test('cache.maxEntries bounds the cache: the least recently used entry is evicted and asked upstream again', async () => {
    const { hits, before, after } = await run.lru;
    for (const p of hits) expect(rcode(p)).toBe('NOERROR');
    const W = WORKERS;
    expect(before).toEqual({ 'e1.example.org': W, 'e2.example.org': W, 'e3.example.org': W, 'e4.example.org': W });
    expect(after).toBe(2 * W);
  });
});

describe('serve-stale', () => {
  test('an expired answer is served with TTL 30 while the upstream is down', async () => {
    const { first, expired } = await run.stale;
    for (const p of first) expect(ttls(p)).toEqual([1]);
    for (const r of expired.value) {
      expect(rcode(r.packet)).toBe('NOERROR');
      // The answer cached before the upstream went away (one of the first WORKERS it sent).
      expect(tagOf(r.packet)).toBeLessThanOrEqual(WORKERS);
      expect(ttls(r.packet)).toEqual([30]);
    }
    // Not after a wait: the upstream refused at once (its port is closed).
    expect(expired.ms).toBeLessThan(WORKERS * T);
  });

  test('a name never cached gets SERVFAIL meanwhile', async () => {
    expect(rcode((await run.stale).never)).toBe('SERVFAIL');
  });

  test('past serveStaleSeconds after expiry the stale answer is no longer served: SERVFAIL', async () => {
    for (const p of (await run.stale).tooOld) expect(rcode(p)).toBe('SERVFAIL');
  });

  test('when the upstream is back, a fresh answer replaces the stale one', async () => {
    const { fresh } = await run.stale;
    expect(fresh).not.toBeNull();
    expect(rcode(fresh!)).toBe('NOERROR');
    expect(tagOf(fresh!)).toBeGreaterThan(WORKERS);
    expect(ttls(fresh!)[0]).toBeLessThanOrEqual(1);
  });
});

describe('prefetch', () => {
  test('an entry asked prefetchHits times is refreshed in the last 10% of its TTL, before it expires', async () => {
    const { trigger, beforeExpiry } = await run.prefetch;
    // The query that triggered the refresh was answered from the cache: 3 s minus the 2 whole
    // seconds elapsed (CoreDNS counts the same way).
    for (const p of trigger) {
      expect(tagOf(p)).toBeLessThanOrEqual(WORKERS);
      expect(ttls(p)).toEqual([1]);
    }
    expect(beforeExpiry.pf).toBe(2 * WORKERS);
    // An entry hit only once was left to expire.
    expect(beforeExpiry.cold).toBe(WORKERS);
  });

  test('after the original expiry the refreshed entry is served, without asking the upstream', async () => {
    const { afterExpiry, pfAsked, coldAsked } = await run.prefetch;
    for (const p of afterExpiry) {
      expect(rcode(p)).toBe('NOERROR');
      expect(tagOf(p)).toBeGreaterThan(WORKERS);
      expect(ttls(p)[0]).toBeGreaterThanOrEqual(2);
    }
    expect(pfAsked).toBe(2 * WORKERS);
    // cold expired and was asked again by the client's query.
    expect(coldAsked).toBe(2 * WORKERS);
  });
});
