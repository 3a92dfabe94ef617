// Issue 3 end to end through the operations endpoints (SPEC §5): with the Kubernetes source,
// /ready is 503 until every kind completed its first list and 200 after, /health is 200
// throughout; /metrics carries the DNS programming latency CoreDNS exports
// (coredns_kubernetes_dns_programming_duration_seconds, headless services only) and the watch
// events applied. The process is started as cli.ts does (ops/serve.ts startServing).
import { performance } from 'node:perf_hooks';
import { clientNode } from '../../src/sources/kube-client';
import { FakeApiServer } from '../support/fake-apiserver';
import { headless, namespace, service } from '../sources/kubernetes-harness';
import { endpointSlice, startKubeServing, type KubeTestServing } from '../support/kube-e2e';
import { httpGet, latencyOf, metricValue, msUntil, probe } from '../support/dns-probes';
import { positive, sleep } from '../support/dns-e2e';

const SVC = 'default.svc.cluster.local';
const PROGRAMMING = 'coredns_kubernetes_dns_programming_duration_seconds_count{service_kind="headless_with_selector"}';

// client-node is loaded (and, with a cold jest cache, transformed: ~950 files) on first use;
// pay that here, outside any test's time limit and timings.
beforeAll(() => {
  clientNode();
}, 180_000);

let fake: FakeApiServer;
let srv: KubeTestServing | null = null;

beforeEach(async () => {
  fake = await FakeApiServer.start();
  fake.create('namespaces', namespace('default'));
  fake.create('services', service('default', 'web', { clusterIP: '10.96.1.1' }));
  fake.create('services', headless('default', 'db'));
  fake.create('endpointslices', endpointSlice('default', 'web', 'web-1', [{ ip: '10.244.1.1' }]));
  fake.create('endpointslices', endpointSlice('default', 'db', 'db-1', [{ ip: '10.244.2.1' }]));
});

afterEach(async () => {
  await srv?.close();
  srv = null;
  await fake.close();
});

test('/ready is 503 while a kind has not listed (after the start-up timeout) and 200 once synced; /health 200 throughout', async () => {
  const HOLD_MS = 1500;
  fake.delayList('endpoints', HOLD_MS);
  srv = await startKubeServing(fake, { startupTimeoutMs: 300 });
  const heldAt = performance.now();
  const { ops, port } = srv;
  expect(ops.ready).toBeGreaterThan(0);

  expect(await httpGet(ops.ready, '/ready')).toEqual({ status: 503, body: expect.stringMatching(/not synced/) });
  expect((await httpGet(ops.health, '/health')).status).toBe(200);
  expect(metricValue((await httpGet(ops.metrics, '/metrics')).body, 'clusterdns_cluster_synced')).toBe(0);
  // Serving meanwhile: known names answered, unknown ones SERVFAIL.
  expect(await positive(port, `web.${SVC}`, 'A')).toEqual([`web.${SVC} A 10.96.1.1`]);
  expect((await probe(port, `nosuch.${SVC}`, 'A')).rcode).toBe('SERVFAIL');

  // Poll /ready (bounded) until it turns 200; it never goes back.
  const seen: number[] = [];
  for (;;) {
    const { status } = await httpGet(ops.ready, '/ready');
    seen.push(status);
    if (status === 200) break;
    if (performance.now() - heldAt > HOLD_MS + 3000) throw new Error(`/ready still ${status} ${HOLD_MS + 3000} ms after the start`);
    await sleep(25);
  }
  for (let i = 0; i < 3; i++) seen.push((await httpGet(ops.ready, '/ready')).status);
  const firstOk = seen.indexOf(200);
  expect(new Set(seen.slice(0, firstOk))).toEqual(new Set([503]));
  expect(new Set(seen.slice(firstOk))).toEqual(new Set([200]));
  expect((await probe(port, `nosuch.${SVC}`, 'A')).rcode).toBe('NXDOMAIN');
  expect((await httpGet(ops.health, '/health')).status).toBe(200);
  expect(metricValue((await httpGet(ops.metrics, '/metrics')).body, 'clusterdns_cluster_synced')).toBe(1);
});

test('/metrics: programming latency observed for headless endpoint changes from the watch, not for lists or ClusterIP services', async () => {
  srv = await startKubeServing(fake);
  const { ops, port } = srv;
  const metrics = async () => (await httpGet(ops.metrics, '/metrics')).body;
  const before = await metrics();
  // The first list carries old trigger times: not a programming latency (as CoreDNS).
  expect(metricValue(before, PROGRAMMING)).toBe(0);

  // A ClusterIP service's endpoints change: its answer does not, so no observation.
  fake.update('endpointslices', endpointSlice('default', 'web', 'web-1', [{ ip: '10.244.1.2' }]));
  await msUntil(port, `10-244-1-2.web.${SVC}`, 'A', (s) => s.rcode === 'NOERROR', performance.now());
  expect(metricValue(await metrics(), PROGRAMMING)).toBe(0);

  // Two headless endpoint changes: two observations, each under a second.
  for (const ip of ['10.244.2.2', '10.244.2.3']) {
    const ms = await latencyOf(port, () => fake.update('endpointslices', endpointSlice('default', 'db', 'db-1', [{ ip }])), `db.${SVC}`, 'A', (s) => s.answers.join() === `db.${SVC} A ${ip}`);
    expect(ms).toBeLessThan(1000);
  }
  const after = await metrics();
  expect(metricValue(after, PROGRAMMING)).toBe(2);
  // Trigger times were written just before each change: the observed sum is small.
  expect(metricValue(after, 'coredns_kubernetes_dns_programming_duration_seconds_sum{service_kind="headless_with_selector"}')).toBeLessThan(2);
  expect(metricValue(after, 'clusterdns_kubernetes_events_total{resource="endpointslices"}')).toBe(3);
  expect(metricValue(after, 'clusterdns_cluster_synced')).toBe(1);
});
