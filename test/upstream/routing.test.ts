// Which upstream a query goes to: stub domains (longest suffix, kube-dns stubDomains), the
// three policies (CoreDNS forward `policy`), and the concurrency cap (SPEC §4).

import { codeOf, decode, fake, forwarder, query, Recorder, sleep, useCleanup } from './helpers';
import type { FakeUpstream } from '../support/fake-upstream';

useCleanup();

/** Index of the upstream that got the first attempt for `name`. */
function firstTo(ups: FakeUpstream[], name: string): number {
  return ups.findIndex((u) => u.received.some((r) => r.name === name));
}

describe('stub domains', () => {
  test('the longest matching suffix picks the servers; other names go to the default upstreams', async () => {
    const def = await fake({ answerIp: '192.0.2.1' });
    const corp = await fake({ answerIp: '192.0.2.2' });
    const eng = await fake({ answerIp: '192.0.2.3' });
    const fw = forwarder({
      upstream: [def.hostPort],
      stubDomains: [
        { domain: 'corp.example', servers: [corp.hostPort] },
        { domain: 'Eng.Corp.Example.', servers: [eng.hostPort] }, // normalised: lower case, no dot
      ],
    });
    const rows: Array<[string, string]> = [
      ['a.eng.corp.example', '192.0.2.3'],
      ['eng.corp.example', '192.0.2.3'],
      ['x.corp.example', '192.0.2.2'],
      ['corp.example', '192.0.2.2'],
      ['xeng.corp.example', '192.0.2.2'], // label boundary: not under eng.corp.example
      ['mycorp.example', '192.0.2.1'],
      ['example', '192.0.2.1'],
      ['', '192.0.2.1'],
    ];
    for (const [name, ip] of rows) {
      const ans = decode(await fw.resolve(query(name === '' ? '.' : name), name, 1));
      expect([name, (ans.answers?.[0] as { data?: unknown } | undefined)?.data]).toEqual([name, ip]);
    }
  });

  test('a root stub domain catches every name', async () => {
    const def = await fake({ answerIp: '192.0.2.1' });
    const all = await fake({ answerIp: '192.0.2.9' });
    const fw = forwarder({ upstream: [def.hostPort], stubDomains: [{ domain: '', servers: [all.hostPort] }] });
    expect(decode(await fw.resolve(query('x.y'), 'x.y', 1)).answers?.[0]).toMatchObject({ data: '192.0.2.9' });
  });
});

describe('policies', () => {
  test('sequential: always the first healthy upstream, the next only when it fails', async () => {
    const ups = [await fake(), await fake(), await fake()];
    const fw = forwarder({ upstream: ups.map((u) => u.hostPort), policy: 'sequential' });
    for (let i = 0; i < 6; i++) await fw.resolve(query(`s${i}.example`), `s${i}.example`, 1);
    expect(ups.map((u) => u.received.length)).toEqual([6, 0, 0]);
    ups[0].mode = 'drop';
    await fw.resolve(query('t.example'), 't.example', 1);
    expect(ups.map((u) => u.received.length)).toEqual([7, 1, 0]);
  });

  test('round_robin: each query starts one further along; failover continues in list order', async () => {
    const ups = [await fake(), await fake(), await fake()];
    const fw = forwarder({ upstream: ups.map((u) => u.hostPort), policy: 'round_robin', timeoutMs: 100, maxFails: 0 });
    const order: number[] = [];
    for (let i = 0; i < 6; i++) {
      await fw.resolve(query(`r${i}.example`), `r${i}.example`, 1);
      order.push(firstTo(ups, `r${i}.example`));
    }
    expect(order).toEqual([0, 1, 2, 0, 1, 2]);
    // The next query starts at upstream 0; with 0 silent it goes on to 1, not to a random one.
    ups[0].mode = 'drop';
    await fw.resolve(query('f.example'), 'f.example', 1);
    expect(ups.map((u) => u.count((r) => r.name === 'f.example'))).toEqual([1, 1, 0]);
  });

  test('random: spreads queries over every upstream', async () => {
    const ups = [await fake(), await fake(), await fake()];
    const fw = forwarder({ upstream: ups.map((u) => u.hostPort), policy: 'random' });
    for (let i = 0; i < 90; i++) await fw.resolve(query(`x${i}.example`), `x${i}.example`, 1);
    const counts = ups.map((u) => u.received.length);
    expect(counts.reduce((a, b) => a + b)).toBe(90);
    // Each share is binomial(90, 1/3): below 10 with probability < 1e-5.
    for (const c of counts) expect(c).toBeGreaterThanOrEqual(10);
  });

  test('every policy skips an upstream that is down', async () => {
    for (const policy of ['random', 'round_robin', 'sequential'] as const) {
      const dead = await fake({ mode: 'drop' });
      const ok = await fake();
      const fw = forwarder({ upstream: [dead.hostPort, ok.hostPort], policy, timeoutMs: 100, maxFails: 1, healthCheckIntervalMs: 60_000 });
      // Fail until the dead one has been tried once (random may pick `ok` first).
      for (let i = 0; dead.received.length === 0 && i < 50; i++) await fw.resolve(query(`w${i}.example`), `w${i}.example`, 1);
      expect(fw.upstreamHealth().get(dead.key)).toBe(false);
      const before = dead.received.length;
      for (let i = 0; i < 10; i++) await fw.resolve(query(`v${i}.example`), `v${i}.example`, 1);
      expect([policy, dead.received.length]).toEqual([policy, before]);
      await fw.close();
    }
  });
});

describe('concurrency cap', () => {
  test('beyond maxConcurrent in flight a query is rejected OVERLOADED at once; capacity returns', async () => {
    const up = await fake({ mode: 'drop' });
    const rec = new Recorder();
    const fw = forwarder({ upstream: [up.hostPort], timeoutMs: 150, maxConcurrent: 3, observer: rec });
    const held = [1, 2, 3].map((i) => codeOf(fw.resolve(query(`h${i}.example`), `h${i}.example`, 1)));
    // "At once": already rejected when resolve() returns, before any I/O or timer.
    let settled = false;
    const over = fw.resolve(query('over.example'), 'over.example', 1);
    over.catch(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(true);
    expect(await codeOf(over)).toBe('CDNS_UPSTREAM_OVERLOADED');
    expect(rec.count('maxConcurrentRejected')).toBe(1);
    await sleep(10);
    expect(up.count((r) => r.name === 'over.example')).toBe(0);
    expect(await Promise.all(held)).toEqual(Array(3).fill('CDNS_UPSTREAM_ALL_FAILED'));
    expect(fw.inFlight).toBe(0);
    expect(await codeOf(fw.resolve(query('after.example'), 'after.example', 1))).toBe('CDNS_UPSTREAM_ALL_FAILED');
  });
});

describe('server sets', () => {
  test('a server listed twice is tried once per query', async () => {
    const up = await fake({ mode: 'drop' });
    const fw = forwarder({ upstream: [up.hostPort, up.hostPort], timeoutMs: 50, maxFails: 0 });
    expect(await codeOf(fw.resolve(query('d.example'), 'd.example', 1))).toBe('CDNS_UPSTREAM_ALL_FAILED');
    expect(up.received).toHaveLength(1);
  });

  test('a stub domain server that is also a default upstream shares its health', async () => {
    const up = await fake({ mode: 'drop' });
    const fw = forwarder({ upstream: [up.hostPort], stubDomains: [{ domain: 'corp', servers: [up.hostPort] }], timeoutMs: 50, maxFails: 1 });
    await codeOf(fw.resolve(query('a.corp'), 'a.corp', 1));
    expect([...fw.upstreamHealth().entries()]).toEqual([[up.key, false]]);
  });
});
