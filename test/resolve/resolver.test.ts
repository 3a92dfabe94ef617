// resolve/resolver.ts: the chain a query walks (local memo -> cache -> cluster zone -> static
// zones -> forwarder) with fake links and a hand-driven clock. What each outcome answers
// (resolve/README.md): REFUSED for other classes, zone transfers and names no link serves;
// SERVFAIL when the upstreams fail; REFUSED when the forwarder is overloaded; the upstream's
// own answer otherwise, cached by its TTL, with stale answers (RFC 8767) and prefetch.
import { DEFAULTS, type CacheOptions } from '../../src/config/options';
import { AnswerCache } from '../../src/resolve/cache';
import { Resolver, Source, type ResolverParts, type StaticZones } from '../../src/resolve/resolver';
import { A, dataOf, decode, FakeForward, FakeZone, flush, parse, positiveSet, query, rcodeName, reply, soa, ttlsOf } from '../support/resolve-unit';

const T0 = 1_700_000_000_000;

function setup(o: { cache?: Partial<CacheOptions> | null; forwarder?: boolean; zones?: StaticZones | null } = {}) {
  let now = T0;
  let gen = 1;
  const cluster = new FakeZone();
  const fwd = new FakeForward();
  const cache = o.cache === null ? null : new AnswerCache({ ...DEFAULTS.cache, ...(o.cache ?? {}) });
  // The cache's own counters (what /metrics reads).
  const events = {
    get hit() { return cache?.hits ?? 0; },
    get miss() { return cache?.misses ?? 0; },
    get stale() { return cache?.servedStale ?? 0; },
  };
  const parts: ResolverParts = {
    cluster,
    zones: o.zones ?? null,
    forwarder: o.forwarder === false ? null : fwd,
    cache,
    generation: () => gen,
    now: () => now,
  };
  const r = new Resolver(parts);
  /** Resolve one query; `sync` tells whether it was answered in the same tick. */
  const ask = async (name: string, type: Parameters<typeof query>[1] = 'A', maxSize = 512, id = 0x4242) => {
    const msg = query(name, type, { id });
    const out = r.resolve(msg, parse(msg), maxSize);
    const sync = !(out instanceof Promise);
    const raw = await out;
    return { sync, raw, p: decode(raw), source: r.source };
  };
  return {
    r,
    cluster,
    fwd,
    cache,
    events,
    ask,
    advance: (ms: number) => (now += ms),
    bump: () => gen++,
  };
}

describe('outcomes without the forwarder', () => {
  test('class CH and zone transfers are REFUSED without asking any link', async () => {
    const s = setup();
    const msg = query('version.bind', 'TXT', { klass: 'CH' });
    const ch = decode(await s.r.resolve(msg, parse(msg), 512));
    expect(rcodeName(ch)).toBe('REFUSED');
    const axfr = await s.ask('cluster.local', 'AXFR');
    expect(rcodeName(axfr.p)).toBe('REFUSED');
    expect(axfr.sync).toBe(true);
    expect(s.cluster.calls).toBe(0);
    expect(s.fwd.calls).toHaveLength(0);
  });

  test('no forwarder: a name no zone serves is REFUSED, synchronously', async () => {
    const s = setup({ forwarder: false });
    const r = await s.ask('www.example.org');
    expect(r.sync).toBe(true);
    expect(rcodeName(r.p)).toBe('REFUSED');
    expect(r.source).toBe(Source.ERROR);
  });

  test('a cluster answer is computed once per generation and answered in the same tick', async () => {
    const s = setup();
    s.cluster.answers.set('web.default.svc.cluster.local 1', positiveSet([{ name: 'web.default.svc.cluster.local', type: 'A', ttl: 30, data: '10.96.0.1' }]));
    for (let i = 0; i < 3; i++) {
      const r = await s.ask('Web.Default.svc.cluster.local');
      expect(r.sync).toBe(true);
      expect(dataOf(r.p)).toEqual(['Web.Default.svc.cluster.local A 10.96.0.1']);
      expect(r.p.flag_aa).toBe(true);
    }
    expect(s.cluster.calls).toBe(1);
    s.bump();
    await s.ask('web.default.svc.cluster.local');
    expect(s.cluster.calls).toBe(2);
    expect(s.fwd.calls).toHaveLength(0);
  });

  test('a static zone is asked when the cluster passes; its answer is memoised too', async () => {
    let lookups = 0;
    const zones: StaticZones = {
      find: (name) => (name.endsWith('example.com') ? { lookup: () => (lookups++, positiveSet([{ name: 'www.example.com', type: 'A', ttl: 300, data: '192.0.2.80' }])) } : null),
    };
    const s = setup({ zones });
    for (let i = 0; i < 2; i++) {
      const r = await s.ask('www.example.com');
      expect(r.source === Source.FILE || r.source === Source.CACHE).toBe(true);
      expect(dataOf(r.p)).toEqual(['www.example.com A 192.0.2.80']);
    }
    expect(lookups).toBe(1);
    expect(s.fwd.calls).toHaveLength(0);
  });
});

describe('forwarding and the cache', () => {
  test("the upstream's answer comes back under the client's ID, then from the cache with the TTL counted down", async () => {
    const s = setup();
    s.fwd.auto = (q) => reply(q, { answers: [A('www.example.org', '192.0.2.1', 60)] });
    const first = await s.ask('www.example.org', 'A', 512, 0x1111);
    expect(first.sync).toBe(false);
    expect(first.source).toBe(Source.FORWARD);
    expect(first.p.id).toBe(0x1111);
    expect(ttlsOf(first.p)).toEqual([60]);
    s.advance(2_500);
    const second = await s.ask('WWW.example.org', 'A', 512, 0x2222);
    expect(second.sync).toBe(true);
    expect(second.source).toBe(Source.CACHE);
    expect(second.p.id).toBe(0x2222);
    expect(second.p.questions?.[0].name).toBe('WWW.example.org');
    expect(ttlsOf(second.p)).toEqual([58]);
    expect(s.fwd.calls).toHaveLength(1);
    expect(s.events).toMatchObject({ hit: 1 });
    s.advance(58_000);
    await s.ask('www.example.org');
    expect(s.fwd.calls).toHaveLength(2); // expired: asked again
  });

  test('the forwarder gets the client query as received, name lower-cased, and the type', async () => {
    const s = setup();
    s.fwd.auto = (q) => reply(q, {});
    await s.ask('MiXeD.example.org', 'MX');
    expect(s.fwd.calls[0].name).toBe('mixed.example.org');
    expect(s.fwd.calls[0].qtype).toBe(15);
    expect(decode(s.fwd.calls[0].query).questions?.[0].name).toBe('MiXeD.example.org');
  });

  test('concurrent identical questions share one upstream exchange; each client gets its own ID', async () => {
    const s = setup();
    const pending = [1, 2, 3].map((id) => {
      const msg = query('same.example.org', 'A', { id });
      return s.r.resolve(msg, parse(msg), 512) as Promise<Buffer>;
    });
    expect(s.fwd.calls).toHaveLength(1);
    s.fwd.calls[0].resolve(reply(s.fwd.calls[0].query, { answers: [A('same.example.org', '192.0.2.5')] }));
    const out = (await Promise.all(pending)).map(decode);
    expect(out.map((p) => p.id)).toEqual([1, 2, 3]);
    for (const p of out) expect(dataOf(p)).toEqual(['same.example.org A 192.0.2.5']);
  });

  test.each([
    ['CDNS_UPSTREAM_ALL_FAILED', 'SERVFAIL'],
    ['CDNS_UPSTREAM_LOOP', 'SERVFAIL'],
    ['CDNS_UPSTREAM_CLOSED', 'SERVFAIL'],
    ['CDNS_UPSTREAM_OVERLOADED', 'REFUSED'],
  ])('a forwarder rejection %s is answered %s and nothing is cached', async (code, rc) => {
    const s = setup();
    s.fwd.auto = () => ({ code });
    const r = await s.ask('fail.example.org');
    expect(rcodeName(r.p)).toBe(rc);
    expect(r.p.id).toBe(0x4242);
    await s.ask('fail.example.org');
    expect(s.fwd.calls).toHaveLength(2);
  });

  test('SERVFAIL from the upstream is passed on and not cached', async () => {
    const s = setup();
    s.fwd.auto = (q) => reply(q, { rcode: 2 });
    expect(rcodeName((await s.ask('sf.example.org')).p)).toBe('SERVFAIL');
    expect(rcodeName((await s.ask('sf.example.org')).p)).toBe('SERVFAIL');
    expect(s.fwd.calls).toHaveLength(2);
  });

  test('a malformed upstream reply is SERVFAIL', async () => {
    const s = setup();
    s.fwd.auto = (q) => {
      const m = reply(q, { answers: [A('bad.example.org', '192.0.2.1')] });
      m.writeUInt16BE(5, 6); // 5 answers announced, 1 present
      return m;
    };
    expect(rcodeName((await s.ask('bad.example.org')).p)).toBe('SERVFAIL');
  });

  test('negative answers: cached for min(SOA TTL, minimum), capped by maxNegativeTtl; not at all without an SOA', async () => {
    const s = setup({ cache: { maxNegativeTtl: 10 } });
    s.fwd.auto = (q, name) =>
      name === 'nx.example.org' ? reply(q, { rcode: 3, authorities: [soa('example.org', 300, 5)] })
      : name === 'capped.example.org' ? reply(q, { rcode: 3, authorities: [soa('example.org', 300, 300)] })
      : reply(q, { rcode: 3 });
    for (const n of ['nx.example.org', 'capped.example.org', 'nosoa.example.org']) await s.ask(n);
    s.advance(4_000);
    for (const n of ['nx.example.org', 'capped.example.org', 'nosoa.example.org']) expect(rcodeName((await s.ask(n)).p)).toBe('NXDOMAIN');
    expect(s.fwd.calls.map((c) => c.name)).toEqual(['nx.example.org', 'capped.example.org', 'nosoa.example.org', 'nosoa.example.org']);
    s.advance(2_000); // 6 s: the 5 s entry is gone, the 10 s one is not
    await s.ask('nx.example.org');
    await s.ask('capped.example.org');
    expect(s.fwd.calls.map((c) => c.name).slice(4)).toEqual(['nx.example.org']);
    s.advance(5_000); // 11 s
    await s.ask('capped.example.org');
    expect(s.fwd.calls.map((c) => c.name).slice(5)).toEqual(['capped.example.org']);
  });

  test('the answer is cut for a small UDP client (TC) and whole over TCP', async () => {
    const s = setup();
    s.fwd.auto = (q) => reply(q, { answers: Array.from({ length: 50 }, (_, i) => A('big.example.org', `10.0.0.${i}`)) });
    const udp = await s.ask('big.example.org', 'A', 512);
    expect(udp.raw.length).toBeLessThanOrEqual(512);
    expect(udp.p.flag_tc).toBe(true);
    const tcp = await s.ask('big.example.org', 'A', 65535);
    expect(tcp.p.flag_tc).toBe(false);
    expect(tcp.p.answers).toHaveLength(50);
    expect(s.fwd.calls).toHaveLength(1);
  });

  test('with the cache off, every query goes upstream and still gets its answer', async () => {
    const s = setup({ cache: null });
    s.fwd.auto = (q) => reply(q, { answers: [A('nc.example.org', '192.0.2.1')] });
    for (let i = 0; i < 3; i++) expect(dataOf((await s.ask('nc.example.org')).p)).toEqual(['nc.example.org A 192.0.2.1']);
    expect(s.fwd.calls).toHaveLength(3);
  });

  test('a forwarded answer does not hide what the cluster answers once the view changes', async () => {
    // A PTR miss under the catch-all went upstream (SPEC §2) and was cached; then a Service
    // took the address. The next query must get the cluster's answer, not the cached one.
    const s = setup();
    const name = '55.0.96.10.in-addr.arpa';
    s.fwd.auto = (q) => reply(q, { rcode: 3, authorities: [soa('10.in-addr.arpa', 3600, 600)] });
    expect(rcodeName((await s.ask(name, 'PTR')).p)).toBe('NXDOMAIN');
    s.cluster.answers.set(`${name} 12`, positiveSet([{ name, type: 'PTR', ttl: 30, data: 'late.default.svc.cluster.local' }]));
    s.bump();
    const after = await s.ask(name, 'PTR');
    expect(dataOf(after.p)).toEqual([`${name} PTR late.default.svc.cluster.local`]);
  });
});

describe('serve-stale (RFC 8767)', () => {
  test('an expired answer is served with TTL 30 while the upstreams fail, for serveStaleSeconds after expiry', async () => {
    const s = setup({ cache: { serveStaleSeconds: 60 } });
    s.fwd.auto = (q) => reply(q, { answers: [A('st.example.org', '192.0.2.1', 10)] });
    await s.ask('st.example.org');
    s.fwd.auto = () => ({ code: 'CDNS_UPSTREAM_ALL_FAILED' });
    s.advance(30_000); // expired 20 s ago
    const stale = await s.ask('st.example.org');
    expect(rcodeName(stale.p)).toBe('NOERROR');
    expect(dataOf(stale.p)).toEqual(['st.example.org A 192.0.2.1']);
    expect(ttlsOf(stale.p)).toEqual([30]);
    expect(s.events.stale).toBe(1);
    s.advance(45_000); // expired 65 s ago
    expect(rcodeName((await s.ask('st.example.org')).p)).toBe('SERVFAIL');
  });

  test('off by default: SERVFAIL once the entry expired', async () => {
    const s = setup();
    s.fwd.auto = (q) => reply(q, { answers: [A('st.example.org', '192.0.2.1', 10)] });
    await s.ask('st.example.org');
    s.fwd.auto = () => ({ code: 'CDNS_UPSTREAM_ALL_FAILED' });
    s.advance(11_000);
    expect(rcodeName((await s.ask('st.example.org')).p)).toBe('SERVFAIL');
  });
});

describe('prefetch', () => {
  test('after prefetchHits hits, a hit in the last 10% of the TTL refreshes the entry in the background', async () => {
    const s = setup({ cache: { prefetchHits: 2 } });
    let n = 0;
    s.fwd.auto = (q) => reply(q, { answers: [A('pf.example.org', `192.0.2.${++n}`, 100)] });
    await s.ask('pf.example.org'); // stored
    await s.ask('pf.example.org'); // hit 1, 100 s left
    s.advance(95_000);
    const trigger = await s.ask('pf.example.org'); // hit 2, 5 s left
    expect(trigger.sync).toBe(true);
    expect(dataOf(trigger.p)).toEqual(['pf.example.org A 192.0.2.1']);
    await flush();
    expect(s.fwd.calls).toHaveLength(2);
    s.advance(10_000); // past the first answer's expiry
    const after = await s.ask('pf.example.org');
    expect(after.sync).toBe(true);
    expect(dataOf(after.p)).toEqual(['pf.example.org A 192.0.2.2']);
    expect(ttlsOf(after.p)).toEqual([90]);
    expect(s.fwd.calls).toHaveLength(2);
  });

  test('fewer hits, or more than 10% of the TTL left: no prefetch', async () => {
    const s = setup({ cache: { prefetchHits: 3 } });
    s.fwd.auto = (q) => reply(q, { answers: [A('pf.example.org', '192.0.2.1', 100)] });
    await s.ask('pf.example.org');
    for (let i = 0; i < 5; i++) await s.ask('pf.example.org'); // many hits, 100 s left
    await flush();
    expect(s.fwd.calls).toHaveLength(1);
    const t = setup({ cache: { prefetchHits: 3 } });
    t.fwd.auto = s.fwd.auto;
    await t.ask('pf.example.org');
    t.advance(95_000);
    await t.ask('pf.example.org'); // hit 1 in the window
    await flush();
    expect(t.fwd.calls).toHaveLength(1);
  });
});

describe('ExternalName chase (SPEC §2)', () => {
  const EXT = 'ext.default.svc.cluster.local';
  const chase = (target: string) => positiveSet([{ name: EXT, type: 'CNAME', ttl: 30, data: target }], { chase: target });

  test('CNAME first, then the target records from the upstream; the combined answer is cached for its generation', async () => {
    const s = setup();
    s.cluster.answers.set(`${EXT} 1`, chase('www.example.org'));
    s.fwd.auto = (q, name) => reply(q, { answers: [A(name, '192.0.2.10', 120)] });
    const r = await s.ask('Ext.default.svc.cluster.local');
    expect(dataOf(r.p)).toEqual(['Ext.default.svc.cluster.local CNAME www.example.org', 'www.example.org A 192.0.2.10']);
    expect(s.fwd.calls.map((c) => c.name)).toEqual(['www.example.org']);
    const again = await s.ask(EXT);
    expect(again.sync).toBe(true);
    expect(s.fwd.calls).toHaveLength(1);
    s.bump(); // the view moved: the ExternalName may point elsewhere now
    s.cluster.answers.set(`${EXT} 1`, chase('other.example.org'));
    const moved = await s.ask(EXT);
    expect(dataOf(moved.p)).toEqual([`${EXT} CNAME other.example.org`, 'other.example.org A 192.0.2.10']);
  });

  test('the target is looked up through the cache like any other name', async () => {
    const s = setup();
    s.cluster.answers.set(`${EXT} 1`, chase('www.example.org'));
    s.fwd.auto = (q) => reply(q, { answers: [A('www.example.org', '192.0.2.10', 120)] });
    await s.ask('www.example.org'); // a client asked the target itself: cached
    expect(s.fwd.calls).toHaveLength(1);
    const r = await s.ask(EXT);
    expect(dataOf(r.p)).toEqual([`${EXT} CNAME www.example.org`, 'www.example.org A 192.0.2.10']);
    expect(s.fwd.calls).toHaveLength(1);
  });

  test('upstream failure for the target: SERVFAIL, not cached', async () => {
    const s = setup();
    s.cluster.answers.set(`${EXT} 1`, chase('www.example.org'));
    s.fwd.auto = () => ({ code: 'CDNS_UPSTREAM_ALL_FAILED' });
    expect(rcodeName((await s.ask(EXT)).p)).toBe('SERVFAIL');
    await s.ask(EXT);
    expect(s.fwd.calls).toHaveLength(2);
  });
});
