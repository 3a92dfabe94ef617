// SPEC §4 "healthy forwarding" through the real server: a silent or late upstream costs one
// read timeout and the next one answers; an upstream that fails twice is skipped; one that goes
// away and comes back is used again; when every upstream fails the client gets SERVFAIL within
// the timeout bound and queries do not pile up (the cluster zone keeps answering at once);
// more forwards in flight than maxConcurrentForwards are REFUSED (SPEC §4, CoreDNS forward).
import { ask, rcode, rrs } from '../support/dns-e2e';
import { startTestServer, type TestServer } from '../support/server';
import { allListening, A, sleep, startZoneUpstream, timed, udpAsk, WORKERS, type Asked, type Canned, type ZoneUpstream, WEB_CLUSTER } from '../support/forward-e2e';

const T = 300; // upstreamTimeoutMs
const CLUSTER = WEB_CLUSTER;
const CLUSTER_NAME = 'web.default.svc.cluster.local';

const rcodeOf = (p: { rcode?: string } | null) => (p === null ? 'no reply' : (p.rcode ?? 'NOERROR'));

describe('one server, several upstream sets', () => {
  let first: ZoneUpstream;
  let second: ZoneUpstream;
  let flappy: ZoneUpstream;
  let dead1: ZoneUpstream;
  let dead2: ZoneUpstream;
  let srv: TestServer;

  beforeAll(async () => {
    // `first` drops silent-* names and health probes, answers late-* after the timeout, and
    // answers everything else (the loop probe: NXDOMAIN) at once.
    first = await startZoneUpstream({ ' NS': () => null }, (q: Asked): Canned | null => {
      if (q.lname.startsWith('silent')) return null;
      if (q.lname.startsWith('late')) return { delayMs: T + 250, answers: [A(q.name, '192.0.2.1')] };
      return { answers: q.type === 'A' ? [A(q.name, '192.0.2.1')] : [] };
    });
    second = await startZoneUpstream({}, (q) => ({ answers: q.type === 'A' ? [A(q.name, '192.0.2.2')] : [] }));
    flappy = await startZoneUpstream({}, (q) => ({ answers: q.type === 'A' ? [A(q.name, '192.0.2.3')] : [] }));
    dead1 = await startZoneUpstream({}, () => null);
    dead2 = await startZoneUpstream({}, () => null);
    srv = await startTestServer(CLUSTER, {
      upstream: [first.fake.hostPort, second.fake.hostPort],
      upstreamPolicy: 'sequential',
      upstreamTimeoutMs: T,
      stubDomains: [
        { domain: 'flappy.test', servers: [flappy.fake.hostPort] },
        { domain: 'dead.test', servers: [dead1.fake.hostPort, dead2.fake.hostPort] },
      ],
    });
    await allListening(first);
  });
  afterAll(async () => {
    await srv?.close();
    for (const u of [first, second, flappy, dead1, dead2]) await u?.fake.close();
  });

  test('a reply later than the timeout is dropped and the next upstream answers', async () => {
    for (let i = 0; i < WORKERS; i++) {
      const t = await timed(() => ask(srv.port, 'late.example.net', 'A', { tcp: true }));
      expect(rrs(t.value.packet)).toEqual(['late.example.net A 192.0.2.2']);
      expect(t.ms).toBeGreaterThanOrEqual(T - 20);
      expect(t.ms).toBeLessThan(T + 250);
    }
    // An answer from `first` resets its failure count before the next test.
    for (let i = 0; i < WORKERS; i++) expect(rrs((await ask(srv.port, 'ok.example.net', 'A', { tcp: true })).packet)).toEqual(['ok.example.net A 192.0.2.1']);
  });

  test('a silent upstream costs one timeout per query; after two failures it is skipped', async () => {
    const ms: number[] = [];
    for (const name of ['silent-1.example.net', 'silent-2.example.net', 'silent-3.example.net', 'silent-4.example.net']) {
      for (let i = 0; i < WORKERS; i++) {
        const t = await timed(() => ask(srv.port, name, 'A', { tcp: true }));
        expect(rrs(t.value.packet)).toEqual([`${name} A 192.0.2.2`]);
        ms.push(t.ms);
      }
    }
    const per = (k: number) => ms.slice(k * WORKERS, (k + 1) * WORKERS);
    for (const m of [...per(0), ...per(1)]) {
      expect(m).toBeGreaterThanOrEqual(T - 20);
      expect(m).toBeLessThan(2 * T);
    }
    // Marked down (maxFails 2): straight to the second upstream, no timeout.
    for (const m of [...per(2), ...per(3)]) expect(m).toBeLessThan(T / 2);
    expect(first.fake.count((r) => r.name.startsWith('silent'))).toBe(2 * WORKERS);
  });

  test('an upstream that goes away gets SERVFAIL at once (ICMP refused, no timeout) and is used again when it comes back', async () => {
    expect(rrs((await ask(srv.port, 'a.flappy.test', 'A')).packet)).toEqual(['a.flappy.test A 192.0.2.3']);
    await flappy.fake.down();
    const t = await timed(() => ask(srv.port, 'b.flappy.test', 'A'));
    expect(rcode(t.value.packet)).toBe('SERVFAIL');
    expect(t.ms).toBeLessThan(T);
    await flappy.fake.up();
    const back = Date.now();
    let n = 0;
    let last = '';
    while (Date.now() - back < 2000) {
      const { packet } = await ask(srv.port, `c${n++}.flappy.test`, 'A');
      last = rcode(packet);
      if (last === 'NOERROR') break;
      await sleep(50);
    }
    expect(last).toBe('NOERROR');
    expect(Date.now() - back).toBeLessThan(1200);
    // It answers every query again (with several workers, each one has found it again).
    for (let i = 0; i < 3 * WORKERS; i++) expect(rcode((await ask(srv.port, `d${i}.flappy.test`, 'A', { tcp: i % 2 === 0 })).packet)).toBe('NOERROR');
  });

  test('every upstream of the set silent: SERVFAIL within the timeout bound', async () => {
    for (let i = 0; i < WORKERS; i++) {
      const t = await timed(() => ask(srv.port, `one-${i}.dead.test`, 'A', { tcp: true }));
      expect(rcode(t.value.packet)).toBe('SERVFAIL');
      // Each upstream of the set is tried at most once: 2 x the timeout, plus one clock tick.
      expect(t.ms).toBeLessThan(2 * T + 250); // slack for a loaded machine, still under 3 x T
    }
  });

  test('200 queries to dead upstreams end within the bound, with no pile-up; cluster names and other upstreams answer at once meanwhile', async () => {
    const started = Date.now();
    const burst = Array.from({ length: 200 }, (_, i) => timed(() => udpAsk(srv.port, `n${i}.dead.test`, 'A', 4 * T + 1000)));
    await sleep(20);
    const cluster = await timed(() => ask(srv.port, CLUSTER_NAME, 'A'));
    const other = await timed(() => ask(srv.port, 'meanwhile.flappy.test', 'A'));
    const results = await Promise.all(burst);
    const ended = Date.now();
    expect(results.map((r) => rcodeOf(r.value as { rcode?: string } | null))).toEqual(Array(200).fill('SERVFAIL'));
    for (const r of results) expect(r.ms).toBeLessThan(2 * T + 300);
    expect(ended - started).toBeLessThan(2 * T + 600);
    // The cluster zone does not wait behind the forwarder, nor does a healthy stub domain.
    expect(rrs(cluster.value.packet)).toEqual([`${CLUSTER_NAME} A 10.96.12.34`]);
    expect(cluster.ms).toBeLessThan(T);
    expect(rcode(other.value.packet)).toBe('NOERROR');
    expect(other.ms).toBeLessThan(T);
    expect(Math.min(...results.map((r) => r.at))).toBeGreaterThanOrEqual(cluster.at);
    // Each query went to the dead set at most twice (once per upstream): nothing is retried in a loop.
    const sent = dead1.fake.count((r) => r.name.endsWith('.dead.test')) + dead2.fake.count((r) => r.name.endsWith('.dead.test'));
    expect(sent).toBeLessThanOrEqual(2 * (200 + 2 * WORKERS));
    // Nothing left behind: the next query fails in the same bounded time, not after a backlog.
    const after = await timed(() => ask(srv.port, 'after.dead.test', 'A'));
    expect(rcode(after.value.packet)).toBe('SERVFAIL');
    expect(after.ms).toBeLessThan(2 * T + 150);
  });
});

describe('maxConcurrentForwards', () => {
  const CAP = 2;
  const SLOW = 400;
  let slow: ZoneUpstream;
  let srv: TestServer;

  beforeAll(async () => {
    slow = await startZoneUpstream({}, (q) => (q.lname.startsWith('slow') ? { delayMs: SLOW, answers: [A(q.name, '192.0.2.9')] } : { rcode: 3 }));
    srv = await startTestServer(CLUSTER, { upstream: [slow.fake.hostPort], upstreamTimeoutMs: 2000, maxConcurrentForwards: CAP });
    // The start-up loop probe takes a forwarding slot for a moment: let it finish first.
    await allListening(slow);
    await sleep(50);
  });
  afterAll(async () => {
    await srv?.close();
    await slow?.fake.close();
  });

  test(`with a slow upstream, queries beyond ${CAP} in flight are REFUSED at once; the slots come back`, async () => {
    const N = 4 * CAP * WORKERS;
    const replies = await Promise.all(Array.from({ length: N }, (_, i) => timed(() => udpAsk(srv.port, `slow-${i}.example.net`, 'A', 3000))));
    const codes = replies.map((r) => rcodeOf(r.value as { rcode?: string } | null));
    const answered = replies.filter((r, i) => codes[i] === 'NOERROR');
    const refused = replies.filter((r, i) => codes[i] === 'REFUSED');
    expect(answered.length + refused.length).toBe(N);
    expect(answered.length).toBeGreaterThanOrEqual(1);
    expect(answered.length).toBeLessThanOrEqual(CAP * WORKERS);
    expect(refused.length).toBeGreaterThanOrEqual(N - CAP * WORKERS);
    for (const r of refused) expect(r.ms).toBeLessThan(SLOW / 2);
    for (const r of answered) expect(r.ms).toBeGreaterThanOrEqual(SLOW - 20);
    // Refused queries never reached the upstream.
    expect(slow.fake.count((r) => r.name.startsWith('slow-'))).toBe(answered.length);
    // Once the slow ones are answered, the slots are free again.
    const next = await ask(srv.port, 'slow-next.example.net', 'A');
    expect(rrs(next.packet)).toEqual(['slow-next.example.net A 192.0.2.9']);
  });
});
