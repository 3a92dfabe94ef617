// SPEC §4, loop detection: "a forward path that leads back to this server must be detected and
// reported, not amplified". The upstream here is a relay: it sends what it receives to the
// server's own port and returns the server's reply, the way a node resolver pointing at the
// cluster DNS does. Every relay counts against a hard cap, so a server that amplified the loop
// would hit the cap (and fail the test) instead of flooding the machine.
import { FakeUpstream } from '../support/fake-upstream';
import { ask, rcode, rrs } from '../support/dns-e2e';
import { startTestServer, udpRaw, type TestServer } from '../support/server';
import { allListening, replyTo, sleep, spawnCli, timed, WORKERS, RCODE_NXDOMAIN, WEB_CLUSTER } from '../support/forward-e2e';

const T = 400; // upstreamTimeoutMs
const CAP = 100; // relays at most, per test
const CLUSTER = WEB_CLUSTER;

interface Relay {
  fake: FakeUpstream;
  /** Where to send what it receives (the server's port, known once it listens). */
  target(port: number): void;
  relayed(): number;
  close(): Promise<void>;
}

/** A relay for names `shouldRelay` picks; other names get NXDOMAIN, as from a sane resolver. */
async function startRelay(shouldRelay: (lname: string) => boolean): Promise<Relay> {
  let port = 0;
  let setPort: () => void = () => {};
  const known = new Promise<void>((r) => (setPort = r));
  let relayed = 0;
  const fake = await FakeUpstream.start({
    onQuery: async (raw, q) => {
      const lname = (q.questions?.[0]?.name ?? '').toLowerCase();
      if (!shouldRelay(lname)) return replyTo(q, { rcode: RCODE_NXDOMAIN });
      if (relayed >= CAP) return null;
      relayed++;
      await known;
      return (await udpRaw(port, raw, 3 * T)) ?? null;
    },
  });
  return {
    fake,
    target(p) {
      port = p;
      setPort();
    },
    relayed: () => relayed,
    close: () => fake.close(),
  };
}

describe('a forwarding loop', () => {
  test('an upstream that relays everything back: the start-up probe finds the loop, it is reported (CDNS_UPSTREAM_LOOP) and the server stops', async () => {
    const relay = await startRelay(() => true);
    let cli: Awaited<ReturnType<typeof spawnCli>> | null = null;
    try {
      cli = await spawnCli(CLUSTER, ['--upstream', relay.fake.key, '--upstream-timeout', String(T)]);
      relay.target(cli.port);
      const until = Date.now() + 3000;
      while (!cli.output().includes('CDNS_UPSTREAM_LOOP') && Date.now() < until) await sleep(50);
      const probes = [...new Set(relay.fake.received.map((r) => r.name).filter((n) => n.endsWith('.clusterdns-loop')))];
      expect(probes.length).toBeGreaterThanOrEqual(1);
      expect(cli.output()).toContain('forwarding loop detected');
      expect(cli.output()).toContain('CDNS_UPSTREAM_LOOP');
      // It exits 1 (CoreDNS's loop plugin does the same), with --workers N too (issue 10), so
      // the loop is visible as a crash-looping pod rather than as slow SERVFAILs.
      expect(await Promise.race([cli.exited, sleep(2000).then(() => 'still running')])).toBe(1);
      // Each probe went round twice at most per process before it was stopped.
      for (const p of probes) expect(relay.fake.count((r) => r.name === p)).toBeLessThanOrEqual(2 * WORKERS);
      expect(relay.relayed()).toBeLessThan(CAP);
    } finally {
      await cli?.close();
      await relay.close();
    }
  });

  describe('a conditional forwarder that sends one domain back (loop.example)', () => {
    let relay: Relay;
    let srv: TestServer;
    beforeAll(async () => {
      relay = await startRelay((n) => n === 'loop.example' || n.endsWith('.loop.example'));
      srv = await startTestServer(CLUSTER, { upstream: [relay.fake.hostPort], upstreamTimeoutMs: T });
      relay.target(srv.port);
      await allListening(relay.fake);
    });
    afterAll(async () => {
      await srv?.close();
      await relay?.close();
    });

    test('a query for it ends in SERVFAIL within the timeout, goes round at most once per process, and nothing keeps circulating', async () => {
      const name = 'www.loop.example';
      const t = await timed(() => ask(srv.port, name, 'A'));
      expect(rcode(t.value.packet)).toBe('SERVFAIL');
      expect(t.ms).toBeLessThan(2 * T + 300);
      // Meanwhile and afterwards the cluster zone answers.
      expect(rrs((await ask(srv.port, 'web.default.svc.cluster.local', 'A')).packet)).toEqual(['web.default.svc.cluster.local A 10.96.12.34']);
      const seen = relay.fake.count((r) => r.name.toLowerCase() === name);
      expect(seen).toBeGreaterThanOrEqual(1);
      expect(seen).toBeLessThanOrEqual(WORKERS);
      await sleep(T + 100);
      expect(relay.fake.count((r) => r.name.toLowerCase() === name)).toBe(seen);
      // Asked again: the same bounded round, not a growing one.
      const again = await ask(srv.port, name, 'A', { tcp: true });
      expect(rcode(again.packet)).toBe('SERVFAIL');
      await sleep(T);
      expect(relay.fake.count((r) => r.name.toLowerCase() === name)).toBeLessThanOrEqual(2 * WORKERS);
      expect(relay.relayed()).toBeLessThan(CAP);
    });

    test('names outside the looping domain are forwarded as usual', async () => {
      const { packet } = await ask(srv.port, 'fine.example', 'A');
      expect(rcode(packet)).toBe('NXDOMAIN');
    });
  });
});
