// SPEC §4, kube-dns `stubDomains`: queries under a domain go to that domain's servers (the
// longest matching suffix wins), everything else to the default upstreams. A stub domain's
// failure is its own: the default upstreams are not asked instead. The cluster zone is
// answered before any stub, even one that covers its reverse addresses.
import { ask, rcode, rrs } from '../support/dns-e2e';
import { startTestServer, type TestServer } from '../support/server';
import { allListening, A, askEach, startZoneUpstream, timed, WORKERS, type ZoneUpstream, WEB_CLUSTER } from '../support/forward-e2e';

const T = 300;
const CLUSTER = WEB_CLUSTER;

/** An upstream answering every A question with `ip` (so the answer says who answered), PTR with `ptr`. */
const identified = (ip: string, ptr = 'host.example') =>
  startZoneUpstream({}, (q) => ({
    answers: q.type === 'A' ? [A(q.name, ip)] : q.type === 'PTR' ? [{ name: q.name, type: 'PTR', ttl: 60, data: ptr }] : [],
  }));

let def: ZoneUpstream;
let acme: ZoneUpstream;
let deep: ZoneUpstream;
let corpRev: ZoneUpstream;
let silent: ZoneUpstream;
let pairGood: ZoneUpstream;
let gone: ZoneUpstream;
let all: ZoneUpstream[];
let srv: TestServer;

beforeAll(async () => {
  def = await identified('192.0.2.1');
  acme = await identified('192.0.2.2');
  deep = await identified('192.0.2.3');
  corpRev = await identified('192.0.2.4', 'printer.corp.example');
  silent = await startZoneUpstream({}, (q) => (q.lname.endsWith('pair.test') ? null : { rcode: 3 }));
  pairGood = await identified('192.0.2.5');
  gone = await identified('192.0.2.6');
  all = [def, acme, deep, corpRev, silent, pairGood, gone];
  srv = await startTestServer(CLUSTER, {
    upstream: [def.fake.hostPort],
    upstreamPolicy: 'sequential',
    upstreamTimeoutMs: T,
    stubDomains: [
      { domain: 'acme.internal', servers: [acme.fake.hostPort] },
      { domain: 'deep.acme.internal', servers: [deep.fake.hostPort] },
      { domain: '10.in-addr.arpa', servers: [corpRev.fake.hostPort] },
      { domain: 'pair.test', servers: [silent.fake.hostPort, pairGood.fake.hostPort] },
      { domain: 'gone.test', servers: [gone.fake.hostPort] },
    ],
  });
  await allListening(def);
});
afterAll(async () => {
  await srv?.close();
  for (const u of all ?? []) await u.fake.close();
});

/** Queries (not loop or health probes) an upstream received. */
const queries = (u: ZoneUpstream) => u.fake.received.filter((r) => !r.name.endsWith('clusterdns-loop') && r.name !== '' && r.name !== '.').map((r) => r.name.toLowerCase());

describe('routing by the longest matching suffix', () => {
  test.each([
    ['x.acme.internal', '192.0.2.2'],
    ['ACME.Internal', '192.0.2.2'],
    ['a.b.c.acme.internal', '192.0.2.2'],
    ['deep.acme.internal', '192.0.2.3'],
    ['y.Deep.Acme.Internal', '192.0.2.3'],
    ['notacme.internal', '192.0.2.1'],
    ['acme.internal.example', '192.0.2.1'],
    ['xdeep.acme.internal', '192.0.2.2'],
    ['www.example.com', '192.0.2.1'],
  ])('%s goes to the server set answering %s', async (name, ip) => {
    const { packet } = await ask(srv.port, name, 'A');
    expect(packet.questions?.[0].name).toBe(name);
    expect(rrs(packet)).toEqual([`${name.toLowerCase()} A ${ip}`]);
  });

  test('each server set saw only its own names', () => {
    expect(queries(acme).sort()).toEqual(['a.b.c.acme.internal', 'acme.internal', 'x.acme.internal', 'xdeep.acme.internal']);
    expect(queries(deep).sort()).toEqual(['deep.acme.internal', 'y.deep.acme.internal']);
    expect(queries(def).sort()).toEqual(['acme.internal.example', 'notacme.internal', 'www.example.com']);
  });

  test('a stub answer is cached like any other', async () => {
    await askEach(srv.port, 'cached.acme.internal', 'A');
    await askEach(srv.port, 'cached.acme.internal', 'A');
    await ask(srv.port, 'cached.acme.internal', 'A');
    expect(acme.asked('cached.acme.internal', 'A')).toBeLessThanOrEqual(WORKERS);
  });
});

describe('reverse names under a stub domain', () => {
  test('a PTR miss under 10.in-addr.arpa goes to its stub; a ClusterIP under it is answered here', async () => {
    const miss = (await ask(srv.port, '5.4.3.10.in-addr.arpa', 'PTR')).packet;
    expect(rrs(miss)).toEqual(['5.4.3.10.in-addr.arpa PTR printer.corp.example']);
    expect(miss.flag_aa).toBe(false);
    const hit = (await ask(srv.port, '34.12.96.10.in-addr.arpa', 'PTR')).packet;
    expect(rrs(hit)).toEqual(['34.12.96.10.in-addr.arpa PTR web.default.svc.cluster.local']);
    expect(hit.flag_aa).toBe(true);
    expect(queries(corpRev)).toEqual(['5.4.3.10.in-addr.arpa']);
    expect(queries(def).filter((n) => n.endsWith('.arpa'))).toEqual([]);
  });
});

describe('failure inside a stub domain', () => {
  test('the servers of the stub are tried in turn (a silent one costs one timeout)', async () => {
    const t = await timed(() => ask(srv.port, 'a.pair.test', 'A'));
    expect(rrs(t.value.packet)).toEqual(['a.pair.test A 192.0.2.5']);
    expect(t.ms).toBeGreaterThanOrEqual(T - 20);
    expect(silent.asked('a.pair.test')).toBe(1);
    expect(def.asked('a.pair.test')).toBe(0);
  });

  test('a stub whose only server is down: SERVFAIL at once, and the default upstreams are not asked instead', async () => {
    await gone.fake.down();
    const t = await timed(() => ask(srv.port, 'x.gone.test', 'A'));
    expect(rcode(t.value.packet)).toBe('SERVFAIL');
    expect(t.ms).toBeLessThan(T);
    expect(def.asked('x.gone.test')).toBe(0);
  });
});
