// A Corefile `forward` block (config/plan.ts ForwardPlan) through forwarderOptionsFromPlan and
// the real Forwarder, against fake upstreams on 127.0.0.1 (issue 9): each option that changes
// behaviour is shown on the wire.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ForwardPlan } from '../../src/config/plan';
import { Forwarder } from '../../src/upstream/forwarder';
import { forwarderOptionsFromPlan } from '../../src/upstream/from-plan';
import type { FakeUpstream } from '../support/fake-upstream';
import { decode, fake, query, useCleanup } from './helpers';

useCleanup();

const fws: Forwarder[] = [];
afterEach(async () => {
  while (fws.length > 0) await fws.pop()!.close();
});

/** The plan CoreDNS's defaults give `forward . <ups>`, with `over` on top. */
function plan(ups: FakeUpstream[], over: Partial<ForwardPlan> = {}): ForwardPlan {
  return {
    origin: 'Corefile:3',
    from: '',
    to: ups.map((u) => u.hostPort),
    resolvConf: '/etc/resolv.conf',
    except: [],
    forceTcp: false,
    preferUdp: false,
    policy: 'sequential',
    maxConcurrent: 0,
    timeoutMs: 300,
    maxFails: 2,
    healthCheckMs: 500,
    expireMs: 10_000,
    ...over,
  };
}

function start(p: ForwardPlan, extra: Partial<ConstructorParameters<typeof Forwarder>[0]> = {}): Forwarder {
  const fw = new Forwarder({ ...forwarderOptionsFromPlan(p), ...extra });
  fws.push(fw);
  return fw;
}

const ask = (fw: Forwarder, name: string, clientTcp = false) => fw.resolve(query(name), name, 1, clientTcp);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const probes = (u: FakeUpstream) => u.received.filter((r) => (r.name === '' || r.name === '.') && r.type === 'NS');

describe('from and except', () => {
  test.each([
    ['www.example.org', '', ['internal.example.org'], true],
    ['a.internal.example.org', '', ['internal.example.org'], false],
    ['internal.example.org', '', ['internal.example.org'], false],
    ['notinternal.example.org', '', ['internal.example.org'], true],
    ['db.corp', 'corp', [], true],
    ['corp', 'corp', [], true],
    ['www.example.org', 'corp', [], false],
    ['x.y.corp', 'corp', ['y.corp'], false],
  ])('%s with from=%p except=%p: forwarded=%p', async (name, from, except, forwarded) => {
    const up = await fake();
    const fw = start(plan([up], { from, except }));
    expect(fw.matches(name)).toBe(forwarded);
    if (forwarded) {
      expect((decode(await ask(fw, name)) as { rcode?: string }).rcode).toBe('NOERROR');
      expect(up.count((r) => r.name === name)).toBe(1);
    } else {
      await expect(ask(fw, name)).rejects.toMatchObject({ code: 'CDNS_UPSTREAM_NOT_FORWARDED' });
      expect(up.count()).toBe(0);
    }
  });
});

describe('transport: force_tcp and prefer_udp', () => {
  test.each([
    // forceTcp, preferUdp, client over TCP, the upstream sees
    [false, false, false, 'udp'],
    [false, false, true, 'tcp'], // CoreDNS: asked as the client asked
    [false, true, true, 'udp'], // prefer_udp: UDP first even for a TCP client
    [false, true, false, 'udp'],
    [true, false, false, 'tcp'],
    [true, true, false, 'tcp'], // force_tcp wins over prefer_udp
  ])('force_tcp=%p prefer_udp=%p clientTcp=%p: over %s', async (forceTcp, preferUdp, clientTcp, proto) => {
    const up = await fake();
    const fw = start(plan([up], { forceTcp, preferUdp }));
    expect(decode(await ask(fw, 'www.example.org', clientTcp)).answers?.[0]).toMatchObject({ data: '192.0.2.1' });
    expect(up.received.map((r) => r.proto)).toEqual([proto]);
  });

  test('prefer_udp: a truncated UDP answer is still asked again over TCP', async () => {
    const up = await fake({ mode: 'truncate', tcpRecords: 30 });
    const fw = start(plan([up], { preferUdp: true }));
    expect(decode(await ask(fw, 'big.example.org', true)).answers).toHaveLength(30);
    expect(up.received.map((r) => r.proto)).toEqual(['udp', 'tcp']);
  });

  test('force_tcp: the health probe of a down upstream goes over TCP too', async () => {
    const up = await fake({ mode: 'drop' });
    const fw = start(plan([up], { forceTcp: true, maxFails: 1, healthCheckMs: 50, timeoutMs: 100 }));
    await expect(ask(fw, 'www.example.org')).rejects.toMatchObject({ code: 'CDNS_UPSTREAM_ALL_FAILED' });
    await sleep(200);
    expect(probes(up).length).toBeGreaterThan(0);
    expect(new Set(probes(up).map((r) => r.proto))).toEqual(new Set(['tcp']));
  });
});

describe('max_fails and health_check', () => {
  test('max_fails 0: never marked down, never probed, however many attempts fail', async () => {
    const up = await fake({ mode: 'drop' });
    const fw = start(plan([up], { maxFails: 0, healthCheckMs: 20, timeoutMs: 60 }));
    for (let i = 0; i < 4; i++) await expect(ask(fw, `n${i}.example.org`)).rejects.toMatchObject({ code: 'CDNS_UPSTREAM_ALL_FAILED' });
    await sleep(100);
    expect(fw.upstreamHealth().get(up.key)).toBe(true);
    expect(probes(up)).toHaveLength(0);
  });

  test('max_fails 3: down after the third consecutive failure, not before', async () => {
    const up = await fake({ mode: 'drop' });
    const fw = start(plan([up], { maxFails: 3, healthCheckMs: 10_000, timeoutMs: 60 }));
    for (let i = 0; i < 2; i++) await ask(fw, `n${i}.example.org`).catch(() => undefined);
    expect(fw.upstreamHealth().get(up.key)).toBe(true);
    await ask(fw, 'n2.example.org').catch(() => undefined);
    expect(fw.upstreamHealth().get(up.key)).toBe(false);
  });

  test('health_check: a down upstream is probed at the interval the plan gives', async () => {
    const fast = await fake({ mode: 'drop' });
    const slow = await fake({ mode: 'drop' });
    const a = start(plan([fast], { maxFails: 1, healthCheckMs: 50, timeoutMs: 40 }));
    const b = start(plan([slow], { maxFails: 1, healthCheckMs: 400, timeoutMs: 40 }));
    await Promise.all([ask(a, 'x.example.org').catch(() => undefined), ask(b, 'x.example.org').catch(() => undefined)]);
    await sleep(900);
    // One probe in flight at a time, each timing out after 40 ms: ~every 50 ms vs every 400 ms.
    expect(probes(fast).length).toBeGreaterThanOrEqual(6);
    expect(probes(slow).length).toBeLessThanOrEqual(3);
    expect(probes(slow).length).toBeGreaterThanOrEqual(1);
  });
});

describe('expire, policy, max_concurrent', () => {
  test('expire: the UDP socket to an upstream is replaced once older than expire (a new source port)', async () => {
    const up = await fake();
    const short = start(plan([up], { expireMs: 100 }), { udpSocketsPerUpstream: 1 });
    await ask(short, 'a.example.org');
    await ask(short, 'b.example.org');
    await sleep(150);
    await ask(short, 'c.example.org');
    const ports = up.received.map((r) => r.port);
    expect(ports[0]).toBe(ports[1]);
    expect(ports[2]).not.toBe(ports[0]);

    const up2 = await fake();
    const long = start(plan([up2], { expireMs: 10_000 }), { udpSocketsPerUpstream: 1 });
    await ask(long, 'a.example.org');
    await sleep(150);
    await ask(long, 'b.example.org');
    expect(new Set(up2.received.map((r) => r.port)).size).toBe(1);
  });

  test.each([
    ['sequential', [0, 0, 0, 0]],
    ['round_robin', [0, 1, 0, 1]],
  ] as const)('policy %s: which upstream answers each of 4 queries', async (policy, want) => {
    const ups = [await fake({ answerIp: '192.0.2.1' }), await fake({ answerIp: '192.0.2.2' })];
    const fw = start(plan(ups, { policy }));
    const got: number[] = [];
    for (let i = 0; i < 4; i++) {
      const ip = (decode(await ask(fw, `q${i}.example.org`)).answers?.[0] as { data: string }).data;
      got.push(ip === '192.0.2.1' ? 0 : 1);
    }
    expect(got).toEqual(want);
  });

  test('max_concurrent 1: a second query while one is in flight is rejected OVERLOADED (REFUSED); 0 is no cap', async () => {
    const up = await fake({ mode: 'delay', delayMs: 100 });
    const capped = start(plan([up], { maxConcurrent: 1 }));
    const first = ask(capped, 'a.example.org');
    await expect(ask(capped, 'b.example.org')).rejects.toMatchObject({ code: 'CDNS_UPSTREAM_OVERLOADED' });
    await first;
    const free = start(plan([up], { maxConcurrent: 0 }));
    const all = await Promise.all(Array.from({ length: 20 }, (_, i) => ask(free, `c${i}.example.org`)));
    expect(all).toHaveLength(20);
  });
});

describe('to: /etc/resolv.conf', () => {
  test('a plan without `to` addresses reads the nameservers of its resolv.conf (port 53)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clusterdns-plan-'));
    try {
      const file = path.join(dir, 'resolv.conf');
      fs.writeFileSync(file, 'search cluster.local\nnameserver 192.0.2.53\nnameserver 2001:db8::53\n');
      const o = forwarderOptionsFromPlan({ ...plan([]), to: null, resolvConf: file });
      expect(o.upstream).toEqual([{ host: '192.0.2.53', port: 53 }, { host: '2001:db8::53', port: 53 }]);
      expect(() => forwarderOptionsFromPlan({ ...plan([]), to: null, resolvConf: path.join(dir, 'missing') })).toThrow(/CDNS_UPSTREAM_RESOLVCONF/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
