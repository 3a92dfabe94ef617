// How the Kubernetes API source survives its API server, over real HTTP against the fake:
// 410 Gone mid-watch (ERROR event and HTTP 410), dropped and server-closed watches, an outage,
// RBAC 403 on one resource, bookmarks; and the programming-latency hook.
import { rowsOf } from '../../src/cluster/endpoint-set';
import type { EndpointSetRecord, ServiceRecord } from '../../src/cluster/types';
import { FakeApiServer } from '../support/fake-apiserver';
import { endpoints, headless, makeSource, namespace, service, slice, sleep, waitFor, type Harness } from './kubernetes-harness';

// Outage length: long enough for several retries at the test backoff (20 ms doubling to 200 ms).
const OUTAGE_MS = Number(process.env.CLUSTERDNS_TEST_OUTAGE_MS ?? 1500);

let fake: FakeApiServer;
let h: Harness | null = null;

beforeEach(async () => {
  fake = await FakeApiServer.start();
  fake.create('namespaces', namespace('default'));
  for (const n of ['a', 'b', 'c']) fake.create('services', service('default', n, { clusterIP: `10.96.0.${n.charCodeAt(0)}` }));
  fake.create('endpointslices', slice('default', 'a', 'a-1', ['10.244.0.1']));
  fake.create('endpointslices', slice('default', 'b', 'b-1', ['10.244.0.2']));
  fake.create('endpoints', endpoints('default', 'a', ['10.244.0.1']));
});

afterEach(async () => {
  await h?.source.stop();
  h = null;
  await fake.close();
});

async function synced(over: Parameters<typeof makeSource>[1] = {}): Promise<Harness> {
  h = makeSource(fake, over);
  await h.source.start();
  await waitFor('4 watches open', () => fake.watching() === 4);
  return h;
}

const lists = (path: string) => fake.requests.filter((r) => r.path === path && !r.watch).length;

test.each(['event', 'http'] as const)('410 Gone (%s) mid-watch: one replaceKind with the difference, nothing that exists vanishes', async (mode) => {
  const { source, sink, logsMatching } = await synced();
  const servicesListed = lists('/api/v1/services');
  const mark = sink.calls.length;

  // Expire the history, then change things while the source cannot see them (the watch is
  // closed at once; the changes land before its re-list request does).
  fake.expireHistory(mode);
  fake.delete('services', 'default', 'b');
  fake.create('services', service('default', 'd', { clusterIP: '10.96.0.100' }));
  fake.update('services', service('default', 'c', { clusterIP: '10.96.0.200' }));

  await waitFor('services re-listed', () => sink.since(mark).some((c) => c.op === 'replaceKind' && c.kind === 'Service'));
  await waitFor('all 4 re-listed', () => sink.since(mark).filter((c) => c.op === 'replaceKind').length === 4);
  const svcCalls = sink.since(mark).filter((c) => 'kind' in c && c.kind === 'Service');
  expect(svcCalls).toEqual([{ op: 'replaceKind', kind: 'Service', keys: ['default/a', 'default/c', 'default/d'] }]);
  // No remove or upsert between: the view went from old to new in one step.
  expect(sink.since(mark).every((c) => c.op === 'replaceKind')).toBe(true);
  expect(sink.keys('Service')).toEqual(['default/a', 'default/c', 'default/d']);
  expect((sink.get('Service', 'default/c') as ServiceRecord).clusterIPs).toEqual(['10.96.0.200']);
  // The EndpointSet swap from the slices re-list still carries the Endpoints object, and back.
  expect(sink.keys('EndpointSet')).toEqual(['endpoints:default/a', 'slice:default/a-1', 'slice:default/b-1']);
  for (const c of sink.since(mark)) {
    if (c.op === 'replaceKind' && c.kind === 'EndpointSet') expect(c.keys.sort()).toEqual(['endpoints:default/a', 'slice:default/a-1', 'slice:default/b-1']);
  }

  expect(lists('/api/v1/services')).toBe(servicesListed + 1);
  expect(logsMatching(/^services: resourceVersion \d+ expired \(410 Gone/)).toHaveLength(1);
  expect(logsMatching(/^services: re-listed: 1 added, 1 changed, 1 removed$/)).toHaveLength(1);
  expect(source.status().kinds.services).toMatchObject({ synced: true, connected: true, lastError: null });

  // And the watch after the re-list delivers again.
  await waitFor('watches reopened', () => fake.watching() === 4);
  fake.delete('services', 'default', 'd');
  await waitFor('delete after re-list', () => !sink.view.Service.has('default/d'));
});

test('a dropped or server-closed watch resumes from its resourceVersion without a re-list', async () => {
  const { sink, logs } = await synced({ watchTimeoutSeconds: 1 });
  const before = lists('/api/v1/services');
  // A watch that has delivered is healthy; one that breaks is resumed at once.
  fake.create('services', service('default', 'x', { clusterIP: '10.96.0.120' }));
  await waitFor('event through the first watch', () => sink.view.Service.has('default/x'));

  fake.dropWatches('services');
  fake.create('services', service('default', 'e', { clusterIP: '10.96.0.101' }));
  await waitFor('create after drop', () => sink.view.Service.has('default/e'));

  // The fake ends watches at timeoutSeconds (1-2 s here), as the API server does.
  const watchesBefore = fake.requests.filter((r) => r.path === '/api/v1/services' && r.watch).length;
  await waitFor('a server-side watch timeout and reconnect', () => fake.requests.filter((r) => r.path === '/api/v1/services' && r.watch).length > watchesBefore, 4000);
  fake.delete('services', 'default', 'e');
  await waitFor('delete after timeout', () => !sink.view.Service.has('default/e'));

  expect(lists('/api/v1/services')).toBe(before);
  const resumes = fake.requests.filter((r) => r.path === '/api/v1/services' && r.watch);
  for (const r of resumes) expect(Number(r.query.resourceVersion)).toBeGreaterThan(0);
  // A broken watch that reconnects at once is routine (API server restarts, load balancers):
  // not worth a warning. Only a failed reconnect is "disconnected".
  expect(logs.filter((l) => l.level !== 'debug' && l.fields?.resource === 'services').map((l) => l.msg)).toEqual([expect.stringMatching(/^services: listed 3 objects/)]);
  expect(logs.filter((l) => /^services: watch broke \(watch services: unreachable: /.test(l.msg))).toHaveLength(1);
});

test(`an outage of ${OUTAGE_MS} ms: nothing removed, one log per transition, changes flow again after`, async () => {
  const { source, sink, logs } = await synced();
  const mark = sink.calls.length;
  const listsBefore = fake.requests.filter((r) => !r.watch).length;

  fake.outage(true);
  await waitFor('all kinds disconnected', () => Object.values(source.status().kinds).every((k) => !k.connected));
  // Changes the source cannot see yet; the history keeps them for the resumed watches.
  fake.delete('services', 'default', 'c');
  fake.create('services', service('default', 'f', { clusterIP: '10.96.0.102' }));
  const attemptsAt = fake.requests.length;
  await sleep(OUTAGE_MS);

  expect(sink.since(mark)).toEqual([]);
  expect(sink.keys('Service')).toEqual(['default/a', 'default/b', 'default/c']);
  const st = source.status();
  expect(st.synced).toBe(true); // synced once stays synced: answers come from the last known state
  expect(st.kinds.services.lastError).toMatch(/^watch services: unreachable: /);
  const down = logs.filter((l) => /disconnected from the API server/.test(l.msg));
  expect(down.map((l) => l.fields?.resource).sort()).toEqual(['endpoints', 'endpointslices', 'namespaces', 'services']);
  expect(down.every((l) => l.level === 'warn')).toBe(true);
  expect(fake.requests.length).toBe(attemptsAt); // connections were reset before any request was read

  fake.outage(false);
  await waitFor('change made during the outage applied', () => sink.view.Service.has('default/f') && !sink.view.Service.has('default/c'));
  expect(sink.since(mark)).toEqual([
    { op: 'remove', kind: 'Service', key: 'default/c' },
    { op: 'upsert', kind: 'Service', key: 'default/f' },
  ]);
  expect(fake.requests.filter((r) => !r.watch).length).toBe(listsBefore); // resumed, not re-listed
  await waitFor('all connected', () => Object.values(source.status().kinds).every((k) => k.connected && k.lastError === null));
  const up = logs.filter((l) => /connected again after/.test(l.msg));
  expect(up.map((l) => l.fields?.resource).sort()).toEqual(['endpoints', 'endpointslices', 'namespaces', 'services']);
  // Still exactly one "disconnected" per resource despite the retries.
  expect(logs.filter((l) => /disconnected from the API server/.test(l.msg))).toHaveLength(4);

  fake.create('services', service('default', 'g', { clusterIP: '10.96.0.103' }));
  await waitFor('changes flow after the outage', () => sink.view.Service.has('default/g'));
});

test('403 on one resource: reported once with resource and verb, the others sync and flow', async () => {
  fake.forbid('endpoints');
  h = makeSource(fake, { startupTimeoutMs: 300 });
  const { source, sink, logs } = h;
  await source.start();

  expect(sink.synced).toBe(false);
  const st = source.status();
  expect(st.synced).toBe(false);
  expect(st.kinds.endpoints).toMatchObject({ synced: false, connected: false, resourceVersion: '' });
  expect(st.kinds.endpoints.lastError).toBe(
    'list endpoints: HTTP 403 Forbidden: endpoints is forbidden: User "system:serviceaccount:kube-system:clusterdns" cannot list resource "endpoints" in API group "" at the cluster scope',
  );
  for (const r of ['services', 'endpointslices', 'namespaces']) expect(st.kinds[r]).toMatchObject({ synced: true, connected: true });
  await sleep(300); // several retries at the test backoff
  const forbidden = logs.filter((l) => /forbidden/.test(l.msg) && l.level === 'error');
  expect(forbidden).toHaveLength(1);
  expect(forbidden[0].msg).toMatch(/^endpoints: forbidden: the API server refuses "list" on endpoints \(API group "" \(core\)\)/);
  expect(forbidden[0].fields).toMatchObject({ code: 'CDNS_SOURCES_API_FORBIDDEN', resource: 'endpoints', verb: 'list', status: 403 });
  expect(logs.filter((l) => l.fields?.code === 'CDNS_SOURCES_STARTUP_TIMEOUT')[0].msg).toMatch(/first sync of endpoints \(list endpoints: HTTP 403 Forbidden/);

  await waitFor('services watch open', () => fake.watching('services') === 1);
  fake.create('services', service('default', 'h', { clusterIP: '10.96.0.104' }));
  await waitFor('other kinds keep flowing', () => sink.view.Service.has('default/h'));

  fake.forbid('endpoints', false);
  await waitFor('synced once RBAC allows it', () => sink.synced, 3000);
  expect(sink.keys('EndpointSet')).toContain('endpoints:default/a');
  expect(logs.filter((l) => /endpoints: access granted now/.test(l.msg))).toHaveLength(1);
});

test('bookmarks advance the resourceVersion; the next watch resumes from it', async () => {
  const { source, sink } = await synced();
  const mark = sink.calls.length;
  // Other resources move the global resourceVersion; the services watch sees none of it.
  for (let i = 0; i < 3; i++) fake.create('namespaces', namespace(`ns-${i}`));
  await waitFor('namespaces applied', () => sink.view.Namespace.has('ns-2'));
  const before = source.status().kinds.services.resourceVersion;
  expect(Number(before)).toBeLessThan(Number(fake.resourceVersion));

  fake.bookmark();
  await waitFor('bookmark applied', () => source.status().kinds.services.resourceVersion === fake.resourceVersion);
  expect(sink.since(mark).every((c) => 'kind' in c && c.kind === 'Namespace')).toBe(true);

  const rv = fake.resourceVersion;
  fake.dropWatches('services');
  await waitFor('services watch reopened', () => fake.watching('services') === 1);
  const last = fake.requests.filter((r) => r.path === '/api/v1/services' && r.watch).pop()!;
  expect(last.query).toMatchObject({ resourceVersion: rv, allowWatchBookmarks: 'true' });
});

test('programming latency: headless services only, from the trigger time; eventApplied per change', async () => {
  fake.create('services', headless('default', 'hl'));
  const latencies: number[] = [];
  const applied: string[] = [];
  const { sink } = await synced({
    observer: { programmingLatency: (s) => latencies.push(s), eventApplied: (kind, s) => applied.push(`${kind}:${s >= 0 && s < 1}`) },
  });
  expect(latencies).toEqual([]); // lists never count: their trigger times are old news

  const t = new Date(Date.now() - 250).toISOString();
  fake.create('endpointslices', slice('default', 'hl', 'hl-1', ['10.244.5.1'], { trigger: t }));
  fake.update('endpointslices', slice('default', 'a', 'a-1', ['10.244.0.9'], { trigger: t })); // ClusterIP service: not counted
  await waitFor('both slices applied', () => sink.view.EndpointSet.has('slice:default/hl-1') && rowsOf(sink.get('EndpointSet', 'slice:default/a-1') as EndpointSetRecord)[0].address === '10.244.0.9');
  expect(latencies).toHaveLength(1);
  expect(latencies[0]).toBeGreaterThanOrEqual(0.25);
  expect(latencies[0]).toBeLessThan(5);
  expect(applied).toEqual(['endpointslices:true', 'endpointslices:true']);
});

test('a list that stalls is abandoned after requestTimeoutMs and retried', async () => {
  fake.delayList('services', 5000);
  h = makeSource(fake, { requestTimeoutMs: 200 });
  const { source, sink, logs } = h;
  const started = source.start();
  await waitFor('stalled list given up', () => source.status().kinds.services.lastError !== null, 3000);
  expect(source.status().kinds.services.lastError).toBe('list services: unreachable: no data for 0.2 s');
  expect(logs.filter((l) => /^services: disconnected/.test(l.msg))).toHaveLength(1);
  fake.delayList('services', 0);
  await started;
  expect(sink.synced).toBe(true);
  expect(sink.keys('Service')).toEqual(['default/a', 'default/b', 'default/c']);
});
