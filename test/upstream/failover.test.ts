// Timeouts, failover to the next upstream and the bound on time and resources when every
// upstream fails (SPEC §4: "SERVFAIL when every attempt fails"; STYLE rule 8: one clock).

import { codeOf, decode, fake, forwarder, query, Recorder, sleep, useCleanup } from './helpers';

useCleanup();

const T = 200; // per-attempt read timeout in these tests; the clock ticks every T/20 = 10 ms
const SLACK = 150; // scheduling noise on a shared 2-core machine

describe('failover', () => {
  test('a silent upstream costs one timeout, then the next upstream answers', async () => {
    const silent = await fake({ mode: 'drop' });
    const good = await fake({ answerIp: '192.0.2.2' });
    const rec = new Recorder();
    const fw = forwarder({ upstream: [silent.hostPort, good.hostPort], timeoutMs: T, observer: rec });
    const t0 = Date.now();
    const ans = decode(await fw.resolve(query('a.example'), 'a.example', 1));
    const took = Date.now() - t0;
    expect(ans.answers?.[0]).toMatchObject({ data: '192.0.2.2' });
    expect(took).toBeGreaterThanOrEqual(T - 5);
    expect(took).toBeLessThan(T + SLACK);
    expect(rec.count('failure', { upstream: silent.key, reason: 'timeout' })).toBe(1);
    expect(silent.received).toHaveLength(1);
  });

  test('a closed port fails in one round trip (ICMP -> refused), not after the timeout', async () => {
    const gone = await fake();
    await gone.down();
    const good = await fake({ answerIp: '192.0.2.3' });
    const rec = new Recorder();
    const fw = forwarder({ upstream: [gone.hostPort, good.hostPort], timeoutMs: 2000, observer: rec });
    const t0 = Date.now();
    const ans = decode(await fw.resolve(query('a.example'), 'a.example', 1));
    expect(Date.now() - t0).toBeLessThan(500);
    expect(ans.answers?.[0]).toMatchObject({ data: '192.0.2.3' });
    expect(rec.count('failure', { upstream: gone.key, reason: 'refused' })).toBe(1);
  });

  test('every upstream silent: ALL_FAILED after one timeout per upstream, each tried once', async () => {
    const ups = [await fake({ mode: 'drop' }), await fake({ mode: 'drop' }), await fake({ mode: 'drop' })];
    const fw = forwarder({ upstream: ups.map((u) => u.hostPort), timeoutMs: T, maxFails: 0 });
    const t0 = Date.now();
    let err: Error | null = null;
    await fw.resolve(query('a.example', 'AAAA'), 'a.example', 28).catch((e: Error) => (err = e));
    const took = Date.now() - t0;
    expect(err).not.toBeNull();
    expect((err as unknown as { code: string }).code).toBe('CDNS_UPSTREAM_ALL_FAILED');
    expect(String(err)).toContain(`a.example. AAAA: ${ups[0].key} udp timeout, ${ups[1].key} udp timeout, ${ups[2].key} udp timeout`);
    expect(took).toBeGreaterThanOrEqual(3 * T - 5);
    expect(took).toBeLessThan(3 * T + SLACK);
    for (const u of ups) expect(u.received).toHaveLength(1);
  });

  test('no pile-up: 50 concurrent queries against dead upstreams end together and leave nothing behind', async () => {
    const ups = [await fake({ mode: 'drop' }), await fake({ mode: 'drop' })];
    const fw = forwarder({ upstream: ups.map((u) => u.hostPort), timeoutMs: T, maxFails: 0 });
    const t0 = Date.now();
    const codes = await Promise.all(Array.from({ length: 50 }, (_, i) => codeOf(fw.resolve(query(`n${i}.example`), `n${i}.example`, 1))));
    const took = Date.now() - t0;
    expect(new Set(codes)).toEqual(new Set(['CDNS_UPSTREAM_ALL_FAILED']));
    expect(took).toBeLessThan(2 * T + SLACK);
    expect(fw.inFlight).toBe(0);
    // At most udpSocketsPerUpstream (4) sockets per upstream, whatever the number of queries.
    expect(fw.openSockets).toBeLessThanOrEqual(8);
    for (const u of ups) expect(u.received).toHaveLength(50);
  });

  test('all upstreams marked down: one upstream is tried anyway, and the query fails after one timeout', async () => {
    const ups = [await fake({ mode: 'drop' }), await fake({ mode: 'drop' }), await fake({ mode: 'drop' })];
    const rec = new Recorder();
    const fw = forwarder({ upstream: ups.map((u) => u.hostPort), timeoutMs: T, maxFails: 1, healthCheckIntervalMs: 10_000, observer: rec });
    expect(await codeOf(fw.resolve(query('a.example'), 'a.example', 1))).toBe('CDNS_UPSTREAM_ALL_FAILED');
    expect([...fw.upstreamHealth().values()]).toEqual([false, false, false]);
    const sent = ups.map((u) => u.received.length);
    const t0 = Date.now();
    expect(await codeOf(fw.resolve(query('b.example'), 'b.example', 1))).toBe('CDNS_UPSTREAM_ALL_FAILED');
    const took = Date.now() - t0;
    expect(took).toBeLessThan(T + SLACK);
    expect(ups.map((u, i) => u.received.length - sent[i]).reduce((a, b) => a + b)).toBe(1);
    expect(rec.count('healthcheckBroken')).toBe(1);
    // ... and when that one answers, it is up again.
    for (const u of ups) u.mode = 'answer';
    await fw.resolve(query('c.example'), 'c.example', 1);
    expect([...fw.upstreamHealth().values()].filter((x) => x)).toHaveLength(1);
  });

  test('a reply after its timeout is dropped quietly, not counted as spoofed', async () => {
    const slow = await fake({ mode: 'delay', delayMs: T + 60 });
    const good = await fake();
    const rec = new Recorder();
    const fw = forwarder({ upstream: [slow.hostPort, good.hostPort], timeoutMs: T, observer: rec });
    await fw.resolve(query('a.example'), 'a.example', 1);
    await sleep(150); // the slow answer lands on a socket that no longer waits for it
    expect(rec.count('failure', { reason: 'timeout' })).toBe(1);
    expect(rec.count('failure', { reason: 'spoofed' })).toBe(0);
  });
});
