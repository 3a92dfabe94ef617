// Issue 10 item 5: after the API server was down for 20 s, the view must catch up within a few
// seconds of it answering again (it took 10.3 s: the reconnect backoff kept growing during the
// outage), without hammering the server while it is down (bounded rate, jitter). The real
// server with its own default backoff reads a FakeApiServer over real HTTP; the outage resets
// every connection, as a stopped kube-apiserver behind a Service does.
import { performance } from 'node:perf_hooks';
import { clientNode } from '../../src/sources/kube-client';
import { DEFAULT_BACKOFF } from '../../src/sources/kube-backoff';
import { FakeApiServer } from '../support/fake-apiserver';
import { headless, namespace, service } from '../sources/kubernetes-harness';
import { endpointSlice, startKubeServer, type KubeTestServer } from '../support/kube-e2e';
import { ask, rcode, rrs, sleep } from '../support/dns-e2e';

const OUTAGE_MS = 20_000;
/** "Within a few seconds": the longest reconnect delay while unreachable, plus a second for the list/watch and the probe. */
const CATCH_UP_MS = DEFAULT_BACKOFF.unreachableCapMs + 1500;
const SVC = 'default.svc.cluster.local';
/** Resources the server watches with pods disabled: services, endpointslices, endpoints, namespaces. */
const WATCHES = 4;

beforeAll(() => {
  clientNode();
}, 180_000);

let fake: FakeApiServer;
let srv: KubeTestServer | null = null;
afterAll(async () => {
  await srv?.close();
  await fake?.close();
});

/** ms from `from` until probe() is true; polled every 50 ms, at most `maxMs`. */
async function msUntil(probe: () => Promise<boolean>, from: number, maxMs: number): Promise<number> {
  for (;;) {
    if (await probe()) return performance.now() - from;
    if (performance.now() - from > maxMs) return Infinity;
    await sleep(50);
  }
}

test(`a ${OUTAGE_MS / 1000} s outage: objects created right after it ends are answered within ${CATCH_UP_MS} ms; retries meanwhile are bounded`, async () => {
  fake = await FakeApiServer.start();
  fake.create('namespaces', namespace('default'));
  fake.create('services', service('default', 'web', { clusterIP: '10.96.1.1' }));
  srv = await startKubeServer(fake, { pods: 'disabled' });
  const until = performance.now() + 3000;
  while (fake.watching() < WATCHES && performance.now() < until) await sleep(10);
  expect(fake.watching()).toBe(WATCHES);

  const down = performance.now();
  fake.outage(true);
  await sleep(OUTAGE_MS);
  fake.outage(false);
  const back = performance.now();
  const attempts = fake.refused.filter((t) => t >= down && t <= back);
  // Three kinds of object, each seen through its own watch (services, endpointslices, namespaces).
  fake.create('services', service('default', 'after', { clusterIP: '10.96.1.4' }));
  fake.create('services', headless('default', 'db'));
  fake.create('endpointslices', endpointSlice('default', 'db', 'db-1', [{ ip: '10.244.2.1' }]));
  fake.create('namespaces', namespace('fresh'));

  const [svcMs, sliceMs, nsMs] = await Promise.all([
    msUntil(async () => rrs((await ask(srv!.port, `after.${SVC}`, 'A')).packet).join() === `after.${SVC} A 10.96.1.4`, back, 15_000),
    msUntil(async () => rrs((await ask(srv!.port, `db.${SVC}`, 'A')).packet).join() === `db.${SVC} A 10.244.2.1`, back, 15_000),
    // A namespace that exists is NODATA at fresh.svc.<zone>; one unknown is NXDOMAIN.
    msUntil(async () => rcode((await ask(srv!.port, 'fresh.svc.cluster.local', 'A')).packet) === 'NOERROR', back, 15_000),
  ]);
  expect({ svcMs: svcMs < CATCH_UP_MS, sliceMs: sliceMs < CATCH_UP_MS, nsMs: nsMs < CATCH_UP_MS }).toEqual({ svcMs: true, sliceMs: true, nsMs: true });

  // Not hammering: every watch retried, but at most once per half the unreachable cap
  // (equal jitter: each delay is at least half its ceiling) after the first quick tries.
  const perWatchMax = Math.ceil(OUTAGE_MS / (DEFAULT_BACKOFF.unreachableCapMs / 2)) + 6;
  expect(attempts.length).toBeGreaterThanOrEqual(WATCHES * 3);
  expect(attempts.length).toBeLessThanOrEqual(WATCHES * perWatchMax);
  // Jitter: the retries of the four watches do not land in lockstep.
  const gaps = attempts.slice(1).map((t, i) => Math.round(t - attempts[i]));
  expect(new Set(gaps.map((g) => Math.round(g / 50))).size).toBeGreaterThan(3);
}, OUTAGE_MS + 25_000);
