// The Kubernetes API source against a fake API server over real HTTP: first sync, events
// reaching the sink, no-op and invalid updates, paging, selectors, pods, startup timeout,
// kubeconfig files. Failure behaviour (410, outage, 403, bookmarks) is in kubernetes-resilience.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EndpointSetRecord, ServiceRecord } from '../../src/cluster/types';
import { KubeConfigError } from '../../src/sources/kube-client';
import { KubernetesSource, UNMIRRORED } from '../../src/sources/kubernetes';
import { FakeApiServer, type KubeObject } from '../support/fake-apiserver';
import { endpoints, makeSource, namespace, pod, RecordingSink, service, headless, slice, waitFor, type Harness } from './kubernetes-harness';

let fake: FakeApiServer;
let h: Harness | null = null;

beforeEach(async () => {
  fake = await FakeApiServer.start();
  fake.create('namespaces', namespace('default'));
  fake.create('namespaces', namespace('kube-system'));
  fake.create('services', service('default', 'web', { clusterIP: '10.96.1.1' }));
  fake.create('services', headless('default', 'db'));
  fake.create('endpointslices', slice('default', 'web', 'web-abc12', ['10.244.1.1', '10.244.1.2']));
  fake.create('endpointslices', slice('default', 'db', 'db-xyz34', ['10.244.2.1']));
  fake.create('endpoints', endpoints('default', 'web', ['10.244.1.1', '10.244.1.2']));
});

afterEach(async () => {
  await h?.source.stop();
  h = null;
  await fake.close();
});

function start(over: Parameters<typeof makeSource>[1] = {}): Harness {
  h = makeSource(fake, over);
  return h;
}

/** Waits until the source's watch of `resource` has passed the write that returned `written`. */
async function caughtUp(resource: string, written: KubeObject): Promise<void> {
  const rv = String(written.metadata.resourceVersion);
  await waitFor(`${resource} at resourceVersion ${rv}`, () => Number(h!.source.status().kinds[resource].resourceVersion) >= Number(rv));
}

test('first sync: one replaceKind per resource, then markSynced once; watches resume from the list', async () => {
  const { source, sink } = start();
  await source.start();

  expect(sink.synced).toBe(true);
  const ops = sink.calls.map((c) => (c.op === 'replaceKind' ? `replaceKind:${c.kind}` : c.op));
  expect(ops.filter((o) => o === 'markSynced')).toHaveLength(1);
  expect(ops[ops.length - 1]).toBe('markSynced');
  expect(ops.slice(0, -1).sort()).toEqual(['replaceKind:EndpointSet', 'replaceKind:EndpointSet', 'replaceKind:Namespace', 'replaceKind:Service']);

  expect(sink.keys('Service')).toEqual(['default/db', 'default/web']);
  // A slice is keyed by its own name, an Endpoints object by the service name.
  expect(sink.keys('EndpointSet')).toEqual(['endpoints:default/web', 'slice:default/db-xyz34', 'slice:default/web-abc12']);
  expect(sink.keys('Namespace')).toEqual(['default', 'kube-system']);
  const web = sink.get('Service', 'default/web') as ServiceRecord;
  expect(web).toEqual({
    namespace: 'default',
    name: 'web',
    kind: 'ClusterIP',
    clusterIPs: ['10.96.1.1'],
    externalName: '',
    ports: [{ name: 'http', protocol: 'tcp', port: 80 }],
    publishNotReadyAddresses: false,
  });
  expect((sink.get('Service', 'default/db') as ServiceRecord).kind).toBe('Headless');

  const st = source.status();
  expect(st.synced).toBe(true);
  for (const r of ['services', 'endpointslices', 'endpoints', 'namespaces']) {
    expect(st.kinds[r]).toMatchObject({ synced: true, lastError: null });
  }
  expect(Object.keys(st.kinds)).not.toContain('pods');

  // Each resource: a list (paged), then a watch from the list's resourceVersion with bookmarks.
  await waitFor('4 watches open', () => fake.watching() === 4);
  for (const path of ['/api/v1/services', '/apis/discovery.k8s.io/v1/endpointslices', '/api/v1/endpoints', '/api/v1/namespaces']) {
    const reqs = fake.requests.filter((r) => r.path === path);
    expect(reqs[0]).toMatchObject({ watch: false, status: 200, query: { limit: '500' } });
    expect(reqs[1]).toMatchObject({ watch: true, status: 200, query: { allowWatchBookmarks: 'true' } });
    expect(reqs[1].query.resourceVersion).toMatch(/^\d+$/);
    expect(Number(reqs[1].query.timeoutSeconds)).toBeGreaterThanOrEqual(300);
  }
});

test('create, update and delete of every kind reach the sink as upsert/remove', async () => {
  const { source, sink } = start();
  await source.start();
  await waitFor('watches open', () => fake.watching() === 4);
  const mark = sink.calls.length;

  fake.create('services', service('default', 'api', { clusterIP: '10.96.1.2' }));
  fake.create('endpointslices', slice('default', 'api', 'api-1', ['10.244.3.1']));
  fake.create('namespaces', namespace('team-a'));
  await waitFor('creates applied', () => sink.view.Service.has('default/api') && sink.view.EndpointSet.has('slice:default/api-1') && sink.view.Namespace.has('team-a'));

  fake.update('services', service('default', 'api', { clusterIP: '10.96.1.2', port: 8443 }));
  await waitFor('port update applied', () => (sink.get('Service', 'default/api') as ServiceRecord).ports[0].port === 8443);

  fake.update('endpointslices', slice('default', 'api', 'api-1', ['10.244.3.1', '10.244.3.2']));
  await waitFor('endpoint added', () => (sink.get('EndpointSet', 'slice:default/api-1') as EndpointSetRecord).addresses.length === 2);

  fake.delete('services', 'default', 'api');
  fake.delete('endpointslices', 'default', 'api-1');
  fake.delete('namespaces', null, 'team-a');
  await waitFor('deletes applied', () => !sink.view.Service.has('default/api') && !sink.view.EndpointSet.has('slice:default/api-1') && !sink.view.Namespace.has('team-a'));

  // Each watch is its own connection: order holds within a kind, not across kinds.
  const ofKind = (k: string) => sink.since(mark).filter((c) => 'kind' in c && c.kind === k);
  expect(ofKind('Service')).toEqual([
    { op: 'upsert', kind: 'Service', key: 'default/api' },
    { op: 'upsert', kind: 'Service', key: 'default/api' },
    { op: 'remove', kind: 'Service', key: 'default/api' },
  ]);
  expect(ofKind('EndpointSet')).toEqual([
    { op: 'upsert', kind: 'EndpointSet', key: 'slice:default/api-1' },
    { op: 'upsert', kind: 'EndpointSet', key: 'slice:default/api-1' },
    { op: 'remove', kind: 'EndpointSet', key: 'slice:default/api-1' },
  ]);
  expect(ofKind('Namespace')).toEqual([
    { op: 'upsert', kind: 'Namespace', key: 'team-a' },
    { op: 'remove', kind: 'Namespace', key: 'team-a' },
  ]);
  expect(sink.since(mark)).toHaveLength(8);
});

test('updates that change nothing DNS reads never reach the sink', async () => {
  const { source, sink } = start();
  await source.start();
  const mark = sink.calls.length;

  const web = service('default', 'web', { clusterIP: '10.96.1.1' });
  web.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': '{}' };
  web.metadata.labels = { app: 'web', version: 'v2' };
  (web.status as Record<string, unknown>).conditions = [{ type: 'Ready', status: 'True' }];
  const s = fake.update('services', web);
  // Only the trigger time moves: a measurement, not an answer.
  const e = fake.update('endpointslices', slice('default', 'web', 'web-abc12', ['10.244.1.1', '10.244.1.2'], { trigger: new Date().toISOString() }));
  const n = fake.update('namespaces', namespace('default', { team: 'x' }));
  await caughtUp('services', s);
  await caughtUp('endpointslices', e);
  await caughtUp('namespaces', n);

  expect(sink.since(mark)).toEqual([]);
});

test('an invalid object logs once with its field and keeps the previous record', async () => {
  const { source, sink, logs } = start();
  await source.start();
  const mark = sink.calls.length;

  const bad = service('default', 'web', { clusterIP: '10.96.1.1', port: 70000 });
  fake.update('services', bad);
  bad.metadata.labels = { app: 'web', again: 'yes' };
  await caughtUp('services', fake.update('services', bad));

  const warned = logs.filter((l) => l.level === 'warn' && /default\/web/.test(l.msg));
  expect(warned).toHaveLength(1);
  expect(warned[0].msg).toMatch(/^services default\/web: spec\.ports\[0\]\.port must be 1-65535, got 70000; keeping its previous record$/);
  expect(warned[0].fields).toMatchObject({ code: 'CDNS_SNAPSHOT_FIELD', resource: 'services', object: 'default/web', field: 'spec.ports[0].port', got: 70000 });
  expect((sink.get('Service', 'default/web') as ServiceRecord).ports[0].port).toBe(80);
  expect(sink.since(mark)).toEqual([]);

  fake.update('services', service('default', 'web', { clusterIP: '10.96.1.1', port: 81 }));
  await waitFor('fixed object applied', () => (sink.get('Service', 'default/web') as ServiceRecord).ports[0].port === 81);
});

test('only Endpoints without an EndpointSlice twin are watched: mirrored ones never reach the sink', async () => {
  // A selector-less Service's Endpoints, mirrored into a slice by the control plane (no label),
  // and one its owner opted out of mirroring (skip-mirror: the only place its addresses live).
  fake.create('endpoints', endpoints('default', 'mirrored', ['10.244.7.1'], {}, true));
  fake.create('endpoints', endpoints('default', 'unmirrored', ['10.244.7.2']));
  const { source, sink } = start();
  await source.start();
  expect(sink.keys('EndpointSet').filter((k) => k.startsWith('endpoints:')).sort()).toEqual(['endpoints:default/unmirrored', 'endpoints:default/web']);
  for (const r of fake.requests) if (r.resource === 'endpoints') expect(r.query.labelSelector).toBe(UNMIRRORED);
  // Mirrored later (the label removed): the watch sees it leave.
  await waitFor('watches open', () => fake.watching() === 4);
  fake.update('endpoints', endpoints('default', 'unmirrored', ['10.244.7.2'], {}, true));
  await waitFor('left the selection', () => !sink.view.EndpointSet.has('endpoints:default/unmirrored'));
});

test('lists are paged with limit/continue and every page lands in the one replaceKind', async () => {
  for (let i = 0; i < 7; i++) fake.create('services', service('paged', `s${i}`, { clusterIP: `10.96.2.${i + 1}` }));
  const { source, sink } = start({ pageSize: 3 });
  await source.start();

  const lists = fake.requests.filter((r) => r.path === '/api/v1/services' && !r.watch);
  expect(lists).toHaveLength(3); // 9 services in pages of 3
  expect(lists[1].query.continue).toBeTruthy();
  const replace = sink.calls.filter((c) => c.op === 'replaceKind' && c.kind === 'Service');
  expect(replace).toHaveLength(1);
  expect(replace[0].op === 'replaceKind' && replace[0].keys).toHaveLength(9);
});

test('label selectors: services (and their slices/endpoints) and namespaces', async () => {
  fake.create('services', service('default', 'front', { clusterIP: '10.96.3.1', labels: { tier: 'front' } }));
  fake.create('endpointslices', slice('default', 'front', 'front-1', ['10.244.9.1'], { labels: { tier: 'front' } }));
  fake.create('namespaces', namespace('dns-on', { dns: 'yes' }));
  const { source, sink } = start({ serviceSelector: 'tier=front', namespaceSelector: 'dns=yes' });
  await source.start();

  expect(sink.keys('Service')).toEqual(['default/front']);
  expect(sink.keys('EndpointSet')).toEqual(['slice:default/front-1']);
  expect(sink.keys('Namespace')).toEqual(['dns-on']);
  for (const r of fake.requests) {
    if (r.resource === 'namespaces') expect(r.query.labelSelector).toBe('dns=yes');
    else if (r.resource === 'endpoints') expect(r.query.labelSelector).toBe(`tier=front,${UNMIRRORED}`);
    else expect(r.query.labelSelector).toBe('tier=front');
  }

  // Losing the label is a DELETED on a selected watch.
  await waitFor('watches open', () => fake.watching() === 4);
  fake.update('services', service('default', 'front', { clusterIP: '10.96.3.1', labels: { tier: 'back' } }));
  await waitFor('service left the selection', () => !sink.view.Service.has('default/front'));
});

test('pods are watched only with watchPods, and only IP changes reach the sink', async () => {
  fake.create('pods', pod('default', 'web-0', '10.244.1.1'));
  const without = start();
  await without.source.start();
  expect(fake.requests.some((r) => r.resource === 'pods')).toBe(false);
  await without.source.stop();

  const { source, sink } = start({ watchPods: true });
  await source.start();
  expect(sink.get('Pod', 'default/web-0')).toEqual({ namespace: 'default', name: 'web-0', ips: ['10.244.1.1'] });
  const mark = sink.calls.length;
  await caughtUp('pods', fake.update('pods', pod('default', 'web-0', '10.244.1.1', 'Succeeded'))); // status churn, same IP
  expect(sink.since(mark)).toEqual([]);
  fake.update('pods', pod('default', 'web-0', '10.244.1.9'));
  await waitFor('pod IP change', () => (sink.get('Pod', 'default/web-0') as { ips: string[] }).ips[0] === '10.244.1.9');
});

test('markSynced waits for the slowest first list', async () => {
  fake.delayList('namespaces', 400);
  const { source, sink } = start();
  const started = source.start();
  await waitFor('services listed', () => sink.calls.some((c) => c.op === 'replaceKind' && c.kind === 'Service'));
  await waitFor('both endpoint resources listed', () => sink.calls.filter((c) => c.op === 'replaceKind' && c.kind === 'EndpointSet').length === 2);
  expect(sink.synced).toBe(false);
  expect(source.status()).toMatchObject({ synced: false, kinds: { services: { synced: true }, namespaces: { synced: false } } });

  await started;
  expect(sink.synced).toBe(true);
  const ops = sink.calls.map((c) => (c.op === 'replaceKind' ? c.kind : c.op));
  expect(ops.indexOf('markSynced')).toBe(ops.indexOf('Namespace') + 1);
  expect(ops.filter((o) => o === 'markSynced')).toHaveLength(1);
});

test('startup timeout: start() resolves anyway, names what is missing, syncs later', async () => {
  fake.delayList('endpoints', 600);
  const { source, sink, logs } = start({ startupTimeoutMs: 150 });
  const t0 = Date.now();
  await source.start();
  const took = Date.now() - t0;
  expect(took).toBeGreaterThanOrEqual(140);
  expect(took).toBeLessThan(1000);
  expect(sink.synced).toBe(false);
  const warn = logs.filter((l) => l.fields?.code === 'CDNS_SOURCES_STARTUP_TIMEOUT');
  expect(warn).toHaveLength(1);
  expect(warn[0].msg).toMatch(/without a first sync of endpoints \(no answer yet\)/);
  expect(warn[0].fields?.missing).toEqual(['endpoints']);

  await waitFor('late sync', () => sink.synced, 3000);
  expect(source.status().synced).toBe(true);
});

describe('kubeconfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'clusterdns-kc-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function writeConfig(): string {
    const file = join(dir, 'config');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: fake\n  cluster:\n    server: ${fake.url}\n    insecure-skip-tls-verify: true`,
        '- name: other\n  cluster:\n    server: http://127.0.0.1:9\n    insecure-skip-tls-verify: true',
        'users:',
        `- name: fake\n  user:\n    token: ${fake.token}`,
        'contexts:',
        '- name: other\n  context:\n    cluster: other\n    user: fake',
        '- name: fake\n  context:\n    cluster: fake\n    user: fake',
        'current-context: other',
        '',
      ].join('\n'),
    );
    return file;
  }

  test('a file and a context select the cluster', async () => {
    const sink = new RecordingSink();
    const source = new KubernetesSource(sink, {
      kubeconfig: writeConfig(),
      context: 'fake',
      watchPods: false,
      serviceSelector: null,
      namespaceSelector: null,
      startupTimeoutMs: 3000,
      log: () => {},
      backoff: { baseMs: 20, capMs: 100 },
    });
    try {
      await source.start();
      expect(sink.synced).toBe(true);
      expect(sink.keys('Service')).toEqual(['default/db', 'default/web']);
    } finally {
      await source.stop();
    }
  });

  test('an unknown context or a missing file is a KubeConfigError', () => {
    const opts = { watchPods: false, serviceSelector: null, namespaceSelector: null, startupTimeoutMs: 100, log: () => {} };
    const file = writeConfig();
    expect(() => new KubernetesSource(new RecordingSink(), { ...opts, kubeconfig: file, context: 'nope' })).toThrow(
      expect.objectContaining({ code: 'CDNS_SOURCES_KUBECONFIG', message: `${file}: context "nope" not found (contexts: other, fake)` }),
    );
    const missing = join(dir, 'missing');
    let err: unknown;
    try {
      new KubernetesSource(new RecordingSink(), { ...opts, kubeconfig: missing, context: null });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KubeConfigError);
    expect((err as KubeConfigError).message).toMatch(new RegExp(`^${missing}: cannot load: ENOENT`));
  });
});
