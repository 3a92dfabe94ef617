// Issue 3 end to end, start-up: the real server and the real Kubernetes source before their
// first complete sync. SPEC §3: before it, a would-be NXDOMAIN is SERVFAIL (never tell a client
// that a real service does not exist), while names the listed kinds already prove are answered;
// the server starts answering after startupTimeoutMs even if a kind never lists, and stays
// unready (running.synced() is what /ready reads) until it does.
import { clientNode } from '../../src/sources/kube-client';
import { FakeApiServer } from '../support/fake-apiserver';
import { headless, namespace, service } from '../sources/kubernetes-harness';
import { endpointSlice, reconnectBoundMs, startKubeServer, type KubeTestServer } from '../support/kube-e2e';
import { msUntil, pollAnswers, probe, unexpected, type Seen } from '../support/dns-probes';
import { negative, NODATA, NXDOMAIN, positive, sleep } from '../support/dns-e2e';
import { performance } from 'node:perf_hooks';

const Z = 'cluster.local';
const SVC = `default.svc.${Z}`;

// client-node is loaded (and, with a cold jest cache, transformed: ~950 files) on first use;
// pay that here, outside any test's time limit and timings.
beforeAll(() => {
  clientNode();
}, 180_000);

let fake: FakeApiServer;
let srv: KubeTestServer | null = null;

beforeEach(async () => {
  fake = await FakeApiServer.start();
  fake.create('namespaces', namespace('default'));
  fake.create('namespaces', namespace('quiet')); // a namespace without services
  fake.create('services', service('default', 'web', { clusterIP: '10.96.1.1' }));
  fake.create('services', headless('default', 'db'));
  fake.create('endpointslices', endpointSlice('default', 'db', 'db-1', [{ ip: '10.244.2.1', hostname: 'db-0' }]));
});

afterEach(async () => {
  await srv?.close();
  srv = null;
  await fake.close();
});

const WEB: Seen = { rcode: 'NOERROR', answers: [`web.${SVC} A 10.96.1.1`] };
const DB: Seen = { rcode: 'NOERROR', answers: [`db.${SVC} A 10.244.2.1`] };
const SERVFAIL: Seen = { rcode: 'SERVFAIL', answers: [] };
const NXD: Seen = { rcode: 'NXDOMAIN', answers: [] };

/** Names that do not exist in the cluster: SERVFAIL before the sync, NXDOMAIN after. */
const MISSING = [`nosuch.${SVC}`, `nosuch.svc.${Z}`, `x.nosuch.svc.${Z}`, `nosuch.${Z}`];

test('before the first sync: would-be NXDOMAIN is SERVFAIL, known names are answered; after it NXDOMAIN', async () => {
  const HOLD_MS = 2000;
  const STARTUP_MS = 300;
  // The API server holds the first list of EndpointSlices; every other kind lists at once.
  fake.delayList('endpointslices', HOLD_MS);
  srv = await startKubeServer(fake, { startupTimeoutMs: STARTUP_MS });
  const heldAt = performance.now();
  fake.delayList('endpointslices', 0); // only the first list is held
  const port = srv.port;
  expect(srv.startMs).toBeGreaterThanOrEqual(STARTUP_MS - 5);
  expect(srv.running.synced()).toBe(false);

  // Watch every answer from now until well after the sync.
  const poll = pollAnswers(port, [
    { name: `web.${SVC}`, type: 'A' },
    { name: `db.${SVC}`, type: 'A' },
    { name: `nosuch.${SVC}`, type: 'A' },
  ], { gapMs: 10, maxMs: HOLD_MS + 3000 });

  // Services are listed: the ClusterIP service is answered, with the AA flag.
  expect(await positive(port, `web.${SVC}`, 'A')).toEqual(WEB.answers);
  // Namespaces are listed: a namespace is NODATA, with or without services.
  await negative(port, SVC, 'A', NODATA);
  await negative(port, `quiet.svc.${Z}`, 'A', NODATA);
  // A headless service whose slices are not listed yet would be NXDOMAIN: SERVFAIL instead.
  expect(await probe(port, `db.${SVC}`, 'A')).toEqual(SERVFAIL);
  expect(await probe(port, `db-0.db.${SVC}`, 'A')).toEqual(SERVFAIL);
  for (const name of MISSING) expect({ name, ...(await probe(port, name, 'A')) }).toEqual({ name, ...SERVFAIL });
  expect(srv.running.synced()).toBe(false); // all of the above really ran before the sync

  const timeout = srv.log.withCode('CDNS_SOURCES_STARTUP_TIMEOUT');
  expect(timeout).toHaveLength(1);
  expect(timeout[0]).toMatchObject({ level: 'warn', stage: 'sources', fields: { missing: ['endpointslices'] } });
  expect(timeout[0].msg).toMatch(/^startup: serving after 300 ms without a first sync of endpointslices \(no answer yet\)/);

  // The held list arrives: synced, NXDOMAIN for what does not exist, the headless service answers.
  await msUntil(port, `nosuch.${SVC}`, 'A', (s) => s.rcode === 'NXDOMAIN', heldAt, HOLD_MS + 2000);
  expect(srv.running.synced()).toBe(true);
  expect(await positive(port, `db.${SVC}`, 'A')).toEqual(DB.answers);
  expect(await positive(port, `db-0.db.${SVC}`, 'A')).toEqual([`db-0.db.${SVC} A 10.244.2.1`]);
  for (const name of MISSING) await negative(port, name, 'A', NXDOMAIN);
  await sleep(100);

  // Through the whole window: web never failed; db and nosuch went SERVFAIL -> final once, never back.
  const samples = await poll.stop();
  expect(samples.length).toBeGreaterThan(50);
  expect(unexpected(samples, { [`web.${SVC}`]: WEB })).toEqual([]);
  for (const [name, final] of [[`db.${SVC}`, DB], [`nosuch.${SVC}`, NXD]] as const) {
    const seq = samples.filter((s) => s.name === name).map((s) => JSON.stringify({ rcode: s.rcode, answers: s.answers }));
    const first = seq.indexOf(JSON.stringify(final));
    expect(first).toBeGreaterThan(0); // it started as SERVFAIL
    expect(new Set(seq.slice(0, first))).toEqual(new Set([JSON.stringify(SERVFAIL)]));
    expect(new Set(seq.slice(first))).toEqual(new Set([JSON.stringify(final)]));
  }
  expect(srv.log.matching(/^synced: first list of services, endpointslices, endpoints, namespaces complete/)).toHaveLength(1);
});

test('start-up timeout: a kind that never lists; the server answers after startupTimeoutMs and stays unsynced', async () => {
  const STARTUP_MS = 400;
  // The namespaces list is accepted and never answered (a stuck API server or webhook).
  fake.delayList('namespaces', 10 * 60_000);
  srv = await startKubeServer(fake, { startupTimeoutMs: STARTUP_MS });
  const port = srv.port;
  expect(srv.startMs).toBeGreaterThanOrEqual(STARTUP_MS - 5);
  expect(srv.startMs).toBeLessThan(STARTUP_MS + 2500);
  expect(fake.requests.filter((r) => r.resource === 'namespaces' && !r.watch)).toHaveLength(1);

  const timeout = srv.log.withCode('CDNS_SOURCES_STARTUP_TIMEOUT');
  expect(timeout).toHaveLength(1);
  expect(timeout[0].fields.missing).toEqual(['namespaces']);
  expect(timeout[0].msg).toMatch(/without a first sync of namespaces \(no answer yet\); names that would be NXDOMAIN answer SERVFAIL/);

  // Everything the listed kinds prove is answered; anything that would be NXDOMAIN is SERVFAIL,
  // including a namespace that does exist but is only known from the missing Namespace list.
  expect(await positive(port, `web.${SVC}`, 'A')).toEqual(WEB.answers);
  expect(await positive(port, `db.${SVC}`, 'A')).toEqual(DB.answers);
  await negative(port, SVC, 'A', NODATA); // known from its services
  expect(await probe(port, `quiet.svc.${Z}`, 'A')).toEqual(SERVFAIL);
  for (const name of MISSING) expect({ name, ...(await probe(port, name, 'A')) }).toEqual({ name, ...SERVFAIL });

  // Watches of the listed kinds run: a new service is answered while the sync is still missing.
  fake.create('services', service('default', 'late', { clusterIP: '10.96.1.9' }));
  await msUntil(port, `late.${SVC}`, 'A', (s) => s.rcode === 'NOERROR' && s.answers.length === 1, performance.now(), 2000);

  // Still unready a while later: /ready keeps saying no.
  for (let i = 0; i < 5; i++) {
    expect(srv.running.synced()).toBe(false);
    await sleep(100);
  }
  expect(await probe(port, `nosuch.${SVC}`, 'A')).toEqual(SERVFAIL);
});

test('API server unreachable at start: SERVFAIL for every would-be NXDOMAIN, then served once it is back', async () => {
  const STARTUP_MS = 300;
  fake.outage(true);
  const down = performance.now();
  srv = await startKubeServer(fake, { startupTimeoutMs: STARTUP_MS });
  const port = srv.port;
  expect(srv.running.synced()).toBe(false);
  expect(srv.log.withCode('CDNS_SOURCES_STARTUP_TIMEOUT')).toHaveLength(1);
  expect(srv.log.matching(/disconnected from the API server/, 'warn').map((l) => l.fields.resource).sort()).toEqual(['endpoints', 'endpointslices', 'namespaces', 'services']);
  // Nothing is known: a real service must not be denied.
  for (const name of [`web.${SVC}`, `db.${SVC}`, ...MISSING]) expect({ name, ...(await probe(port, name, 'A')) }).toEqual({ name, ...SERVFAIL });
  // The zone's own records do not depend on the API.
  expect(await positive(port, Z, 'SOA')).toHaveLength(1);

  const back = performance.now();
  fake.outage(false);
  // Each kind reconnects on its own backoff; the sync needs all four.
  await msUntil(port, `nosuch.${SVC}`, 'A', (s) => s.rcode === 'NXDOMAIN', back, reconnectBoundMs(back - down) + 1000);
  expect(srv.running.synced()).toBe(true);
  expect(await positive(port, `web.${SVC}`, 'A')).toEqual(WEB.answers);
  expect(await positive(port, `db.${SVC}`, 'A')).toEqual(DB.answers);
});
