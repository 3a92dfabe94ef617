// Issue 3 end to end: the real server fed by the real Kubernetes source over real HTTP
// list/watch (a FakeApiServer, a kubeconfig file, token auth), queried over UDP. Changes made
// in the API reach DNS answers, and quickly: each one is timed from the API write to the first
// changed answer (SPEC §6 "DNS programming latency") and must take less than a second.
// Also: kubeconfig files and --context, --pods verified, --service-selector and
// --namespace-selector, paged lists.
// Start-up and sync: kubernetes-sync.test.ts. Outages, 410 and 403: kubernetes-resilience.test.ts.
// /ready and /metrics: kubernetes-ops.test.ts.
import { clientNode } from '../../src/sources/kube-client';
import { UNMIRRORED } from '../../src/sources/kubernetes';
import { FakeApiServer } from '../support/fake-apiserver';
import { endpoints, headless, namespace, pod, service } from '../sources/kubernetes-harness';
import { endpointSlice, startKubeServer, type KubeTestServer } from '../support/kube-e2e';
import { latencyOf, probe, type Seen } from '../support/dns-probes';
import { negative, NODATA, NXDOMAIN, positive } from '../support/dns-e2e';

const Z = 'cluster.local';
const SVC = `default.svc.${Z}`;
/** SPEC §6 programming latency: API write to changed answer. */
const FAST_MS = 1000;

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
  fake.create('namespaces', namespace('kube-system'));
  fake.create('services', service('kube-system', 'kube-dns', { clusterIP: '10.96.0.10' }));
  fake.create('services', service('default', 'web', { clusterIP: '10.96.1.1' }));
  fake.create('endpointslices', endpointSlice('default', 'web', 'web-abc12', [{ ip: '10.244.1.1' }]));
});

afterEach(async () => {
  await srv?.close();
  srv = null;
  await fake.close();
});

const is = (rc: string, ...answers: string[]) => (s: Seen) => s.rcode === rc && JSON.stringify(s.answers) === JSON.stringify([...answers].sort());
const A = (name: string, ...ips: string[]) => ips.map((ip) => `${name} A ${ip}`);

test('first sync through a kubeconfig file (token auth, --context): the listed objects are served', async () => {
  // The file's current-context points at a server that refuses connections; --context picks ours.
  srv = await startKubeServer(fake, {}, { decoy: true });
  expect(srv.running.synced()).toBe(true);
  expect(srv.log.matching(/^synced: first list of services, endpointslices, endpoints, namespaces complete/)).toHaveLength(1);
  expect(await positive(srv.port, `web.${SVC}`, 'A')).toEqual(A(`web.${SVC}`, '10.96.1.1'));
  expect(await positive(srv.port, `kube-dns.kube-system.svc.${Z}`, 'A')).toEqual(A(`kube-dns.kube-system.svc.${Z}`, '10.96.0.10'));
  // The endpoint of a ClusterIP service has its dashed-IP name (SPEC §2 Endpoint names).
  expect(await positive(srv.port, `10-244-1-1.web.${SVC}`, 'A')).toEqual(A(`10-244-1-1.web.${SVC}`, '10.244.1.1'));
  await negative(srv.port, `nosuch.${SVC}`, 'A', NXDOMAIN);
  await negative(srv.port, SVC, 'A', NODATA);
  // Every request carried the token (the fake answers 401 otherwise) and reached it.
  expect(fake.requests.length).toBeGreaterThanOrEqual(4);
  expect(fake.requests.every((r) => r.status !== 401)).toBe(true);
});

test('an unusable kubeconfig or an unknown --context: start-up fails with one clear CDNS_SOURCES_KUBECONFIG error', async () => {
  await expect(startKubeServer(fake, { kubeconfig: '/nonexistent/kubeconfig' })).rejects.toMatchObject({
    code: 'CDNS_SOURCES_KUBECONFIG',
    message: expect.stringMatching(/^\/nonexistent\/kubeconfig: cannot load: /),
  });
  await expect(startKubeServer(fake, { context: 'nosuch' })).rejects.toMatchObject({
    code: 'CDNS_SOURCES_KUBECONFIG',
    message: expect.stringMatching(/kubeconfig: context "nosuch" not found \(contexts: fake, decoy\)$/),
  });
  expect(fake.requests).toEqual([]);
});

test('a kubeconfig with a plain http:// server and no insecure-skip-tls-verify (kubectl proxy style) is served, or refused at start', async () => {
  // kubectl talks to `server: http://127.0.0.1:8001` (kubectl proxy) as it is. client-node 1.4
  // refuses to build credentials for it without insecure-skip-tls-verify. README "Inputs": an
  // unusable kubeconfig makes the source throw CDNS_SOURCES_KUBECONFIG; so either it works,
  // or start-up fails with that code. What must not happen: a config error retried forever
  // as "disconnected from the API server" (CDNS_SOURCES_API_UNREACHABLE), never synced.
  let started: KubeTestServer | null = null;
  let error: unknown = null;
  try {
    started = srv = await startKubeServer(fake, { startupTimeoutMs: 1000 }, { skipTLSVerify: false });
  } catch (e) {
    error = e;
  }
  if (started) {
    expect({ synced: started.running.synced(), problems: started.log.problems() }).toEqual({ synced: true, problems: expect.not.stringMatching(/credentials/) });
    expect(await positive(started.port, `web.${SVC}`, 'A')).toEqual(A(`web.${SVC}`, '10.96.1.1'));
  } else {
    expect(error).toMatchObject({ code: 'CDNS_SOURCES_KUBECONFIG', message: expect.stringMatching(/kubeconfig/) });
  }
});

test('services created, changed and deleted in the API: answered, changed, NXDOMAIN, each within 1 s', async () => {
  srv = await startKubeServer(fake);
  const port = srv.port;
  const api = `api.${SVC}`;
  await negative(port, api, 'A', NXDOMAIN);

  const created = await latencyOf(port, () => fake.create('services', service('default', 'api', { clusterIP: '10.96.2.2', port: 443 })), api, 'A', is('NOERROR', ...A(api, '10.96.2.2')));
  // The SRV of its named port came with it.
  expect(await positive(port, `_http._tcp.${api}`, 'SRV')).toEqual([`_http._tcp.${api} SRV 0 100 443 ${api}`]);

  // A port change (renamed) moves the SRV names.
  const changed = await latencyOf(
    port,
    () => {
      const s = service('default', 'api', { clusterIP: '10.96.2.2', port: 443 });
      (s.spec as { ports: { name: string }[] }).ports[0].name = 'https';
      fake.update('services', s);
    },
    `_https._tcp.${api}`,
    'SRV',
    is('NOERROR', `_https._tcp.${api} SRV 0 100 443 ${api}`),
  );
  await negative(port, `_http._tcp.${api}`, 'SRV', NXDOMAIN);

  const deleted = await latencyOf(port, () => fake.delete('services', 'default', 'api'), api, 'A', (s) => s.rcode === 'NXDOMAIN');
  await negative(port, api, 'A', NXDOMAIN);
  await negative(port, `_https._tcp.${api}`, 'SRV', NXDOMAIN);
  // The other service was never touched.
  expect(await positive(port, `web.${SVC}`, 'A')).toEqual(A(`web.${SVC}`, '10.96.1.1'));

  for (const ms of [created, changed, deleted]) expect(ms).toBeLessThan(FAST_MS);
});

test('a headless service follows its EndpointSlices: added, changed, not ready, removed; each within 1 s', async () => {
  srv = await startKubeServer(fake);
  const port = srv.port;
  const db = `db.${SVC}`;
  const times: number[] = [];

  // Headless without endpoints does not exist (SPEC §2); the timings below include the
  // Service's own event, which travels on another watch than the slices'.
  fake.create('services', headless('default', 'db'));
  await negative(port, db, 'A', NXDOMAIN);

  times.push(
    await latencyOf(
      port,
      () => fake.create('endpointslices', endpointSlice('default', 'db', 'db-1', [{ ip: '10.244.2.1', hostname: 'db-0' }, { ip: '10.244.2.2', hostname: 'db-1' }])),
      db,
      'A',
      is('NOERROR', ...A(db, '10.244.2.1', '10.244.2.2')),
    ),
  );
  expect(await positive(port, `db-0.${db}`, 'A')).toEqual(A(`db-0.${db}`, '10.244.2.1'));
  // The family the endpoints lack is NODATA, not NXDOMAIN.
  await negative(port, db, 'AAAA', NODATA);

  // A scale-up: a second slice is merged with the first.
  times.push(
    await latencyOf(
      port,
      () => fake.create('endpointslices', endpointSlice('default', 'db', 'db-2', [{ ip: '10.244.2.3', hostname: 'db-2' }])),
      db,
      'A',
      is('NOERROR', ...A(db, '10.244.2.1', '10.244.2.2', '10.244.2.3')),
    ),
  );

  // db-1 turns not ready: it leaves the answer and its name is gone.
  times.push(
    await latencyOf(
      port,
      () => fake.update('endpointslices', endpointSlice('default', 'db', 'db-1', [{ ip: '10.244.2.1', hostname: 'db-0' }, { ip: '10.244.2.2', hostname: 'db-1', ready: false }])),
      db,
      'A',
      is('NOERROR', ...A(db, '10.244.2.1', '10.244.2.3')),
    ),
  );
  await negative(port, `db-1.${db}`, 'A', NXDOMAIN);

  // An address changes (pod rescheduled).
  times.push(
    await latencyOf(
      port,
      () => fake.update('endpointslices', endpointSlice('default', 'db', 'db-2', [{ ip: '10.244.3.9', hostname: 'db-2' }])),
      `db-2.${db}`,
      'A',
      is('NOERROR', ...A(`db-2.${db}`, '10.244.3.9')),
    ),
  );

  // The slices go away one by one; with none left the service is NXDOMAIN again.
  times.push(await latencyOf(port, () => fake.delete('endpointslices', 'default', 'db-2'), db, 'A', is('NOERROR', ...A(db, '10.244.2.1'))));
  times.push(await latencyOf(port, () => fake.delete('endpointslices', 'default', 'db-1'), db, 'A', (s) => s.rcode === 'NXDOMAIN'));
  await negative(port, `db-0.${db}`, 'A', NXDOMAIN);

  // Back, then the Service itself is deleted while its slice still exists.
  times.push(await latencyOf(port, () => fake.create('endpointslices', endpointSlice('default', 'db', 'db-1', [{ ip: '10.244.2.5' }])), db, 'A', is('NOERROR', ...A(db, '10.244.2.5'))));
  times.push(await latencyOf(port, () => fake.delete('services', 'default', 'db'), db, 'A', (s) => s.rcode === 'NXDOMAIN'));
  await negative(port, `10-244-2-5.${db}`, 'A', NXDOMAIN);

  for (const ms of times) expect(ms).toBeLessThan(FAST_MS);
});

test('core/v1 Endpoints (clusters without slices) and namespaces reach DNS too', async () => {
  srv = await startKubeServer(fake);
  const port = srv.port;
  const legacy = `legacy.${SVC}`;
  fake.create('services', headless('default', 'legacy'));
  const t1 = await latencyOf(port, () => fake.create('endpoints', endpoints('default', 'legacy', ['10.244.4.1', '10.244.4.2'])), legacy, 'A', is('NOERROR', ...A(legacy, '10.244.4.1', '10.244.4.2')));
  const t2 = await latencyOf(port, () => fake.update('endpoints', endpoints('default', 'legacy', ['10.244.4.2'])), legacy, 'A', is('NOERROR', ...A(legacy, '10.244.4.2')));
  const t3 = await latencyOf(port, () => fake.delete('endpoints', 'default', 'legacy'), legacy, 'A', (s) => s.rcode === 'NXDOMAIN');

  // A namespace with no services exists once its Namespace object does, and not after.
  await negative(port, `team.svc.${Z}`, 'A', NXDOMAIN);
  const t4 = await latencyOf(port, () => fake.create('namespaces', namespace('team')), `team.svc.${Z}`, 'A', (s) => s.rcode === 'NOERROR' && s.answers.length === 0);
  await negative(port, `team.svc.${Z}`, 'A', NODATA);
  const t5 = await latencyOf(port, () => fake.delete('namespaces', null, 'team'), `team.svc.${Z}`, 'A', (s) => s.rcode === 'NXDOMAIN');

  for (const ms of [t1, t2, t3, t4, t5]) expect(ms).toBeLessThan(FAST_MS);
});

test('--pods verified with Pod objects from the API: only addresses a pod of that namespace has', async () => {
  fake.create('namespaces', namespace('other'));
  fake.create('pods', pod('default', 'web-0', '10.244.1.7'));
  fake.create('pods', pod('other', 'job-0', '10.244.9.9'));
  srv = await startKubeServer(fake, { pods: 'verified' });
  const port = srv.port;
  const P = `pod.${Z}`;
  expect(srv.running.synced()).toBe(true);
  expect(fake.requests.some((r) => r.resource === 'pods' && !r.watch && r.status === 200)).toBe(true);

  expect(await positive(port, `10-244-1-7.default.${P}`, 'A')).toEqual([`10-244-1-7.default.${P} A 10.244.1.7`]);
  await negative(port, `10-244-1-7.default.${P}`, 'AAAA', NODATA);
  // An address no pod has, and a pod's address asked in another namespace.
  await negative(port, `10-244-1-8.default.${P}`, 'A', NXDOMAIN);
  await negative(port, `10-244-9-9.default.${P}`, 'A', NXDOMAIN);
  expect(await positive(port, `10-244-9-9.other.${P}`, 'A')).toEqual([`10-244-9-9.other.${P} A 10.244.9.9`]);

  const times: number[] = [];
  // A new pod gets its address; a pod moving to a new address loses the old one; a deleted pod's address goes.
  times.push(await latencyOf(port, () => fake.create('pods', pod('default', 'web-1', '10.244.1.8')), `10-244-1-8.default.${P}`, 'A', is('NOERROR', `10-244-1-8.default.${P} A 10.244.1.8`)));
  times.push(await latencyOf(port, () => fake.update('pods', pod('default', 'web-0', '10.244.1.17')), `10-244-1-7.default.${P}`, 'A', (s) => s.rcode === 'NXDOMAIN'));
  expect(await positive(port, `10-244-1-17.default.${P}`, 'A')).toEqual([`10-244-1-17.default.${P} A 10.244.1.17`]);
  times.push(await latencyOf(port, () => fake.delete('pods', 'default', 'web-1'), `10-244-1-8.default.${P}`, 'A', (s) => s.rcode === 'NXDOMAIN'));
  // A pod without an address yet (Pending) answers nothing, and then does.
  const pending = pod('default', 'web-2', '10.244.1.30', 'Pending');
  (pending.status as Record<string, unknown>) = { phase: 'Pending' };
  fake.create('pods', pending);
  times.push(await latencyOf(port, () => fake.update('pods', pod('default', 'web-2', '10.244.1.30')), `10-244-1-30.default.${P}`, 'A', is('NOERROR', `10-244-1-30.default.${P} A 10.244.1.30`)));

  for (const ms of times) expect(ms).toBeLessThan(FAST_MS);
  expect((await probe(port, `web.${SVC}`, 'A')).answers).toEqual(A(`web.${SVC}`, '10.96.1.1'));
});

test('--service-selector: only labelled services (and their slices) are served; relabelling moves them in and out within 1 s', async () => {
  const on = { dns: 'on' };
  fake.create('services', service('default', 'pub', { clusterIP: '10.96.3.1', labels: { app: 'pub', ...on } }));
  fake.create('services', service('default', 'priv', { clusterIP: '10.96.3.2' }));
  fake.create('services', { ...headless('default', 'hl'), metadata: { namespace: 'default', name: 'hl', labels: { ...on } } });
  fake.create('endpointslices', endpointSlice('default', 'hl', 'hl-1', [{ ip: '10.244.3.1' }], { labels: on }));
  srv = await startKubeServer(fake, { serviceSelector: 'dns=on' });
  const port = srv.port;
  // The selector went to the API server on every list and watch of services and slices.
  for (const r of fake.requests.filter((x) => x.resource === 'services' || x.resource === 'endpointslices')) expect(r.query.labelSelector).toBe('dns=on');
  // Endpoints: only those without a slice twin (sources/kubernetes.ts UNMIRRORED), of selected services.
  for (const r of fake.requests.filter((x) => x.resource === 'endpoints')) expect(r.query.labelSelector).toBe(`dns=on,${UNMIRRORED}`);

  expect(await positive(port, `pub.${SVC}`, 'A')).toEqual(A(`pub.${SVC}`, '10.96.3.1'));
  expect(await positive(port, `hl.${SVC}`, 'A')).toEqual(A(`hl.${SVC}`, '10.244.3.1'));
  await negative(port, `priv.${SVC}`, 'A', NXDOMAIN);
  await negative(port, `web.${SVC}`, 'A', NXDOMAIN);

  const times = [
    await latencyOf(port, () => fake.update('services', service('default', 'priv', { clusterIP: '10.96.3.2', labels: { app: 'priv', ...on } })), `priv.${SVC}`, 'A', is('NOERROR', ...A(`priv.${SVC}`, '10.96.3.2'))),
    await latencyOf(port, () => fake.update('services', service('default', 'pub', { clusterIP: '10.96.3.1' })), `pub.${SVC}`, 'A', (s) => s.rcode === 'NXDOMAIN'),
    // A slice that loses the label leaves the selection: the headless service has no endpoints left.
    await latencyOf(port, () => fake.update('endpointslices', endpointSlice('default', 'hl', 'hl-1', [{ ip: '10.244.3.1' }])), `hl.${SVC}`, 'A', (s) => s.rcode === 'NXDOMAIN'),
  ];
  for (const ms of times) expect(ms).toBeLessThan(FAST_MS);
});

test('--namespace-selector hides the records of namespaces it does not select (CoreDNS namespace_labels)', async () => {
  // CoreDNS `namespace_labels EXPRESSION`: "only expose the records for Kubernetes namespaces
  // that match this label selector"; SPEC §2 Namespaces: a namespace an allow-list hides is NXDOMAIN.
  fake.create('namespaces', { ...namespace('public'), metadata: { name: 'public', labels: { dns: 'on' } } });
  fake.create('namespaces', namespace('private'));
  fake.create('services', service('public', 'a', { clusterIP: '10.96.4.1' }));
  fake.create('services', service('private', 'b', { clusterIP: '10.96.4.2' }));
  srv = await startKubeServer(fake, { namespaceSelector: 'dns=on' });
  const port = srv.port;
  expect(fake.requests.filter((r) => r.resource === 'namespaces').every((r) => r.query.labelSelector === 'dns=on')).toBe(true);

  expect(await positive(port, `a.public.svc.${Z}`, 'A')).toEqual(A(`a.public.svc.${Z}`, '10.96.4.1'));
  await negative(port, `public.svc.${Z}`, 'A', NODATA);
  await negative(port, `b.private.svc.${Z}`, 'A', NXDOMAIN);
  await negative(port, `private.svc.${Z}`, 'A', NXDOMAIN);

  // Labelling the namespace exposes it.
  const ms = await latencyOf(port, () => fake.update('namespaces', { ...namespace('private'), metadata: { name: 'private', labels: { dns: 'on' } } }), `b.private.svc.${Z}`, 'A', is('NOERROR', ...A(`b.private.svc.${Z}`, '10.96.4.2')));
  expect(ms).toBeLessThan(FAST_MS);
});

test('service kinds from the API: dual-stack, ExternalName (chased in the zone), a type change, PTR following creates and deletes', async () => {
  srv = await startKubeServer(fake, { reverseZones: ['96.10.in-addr.arpa'] });
  const port = srv.port;
  const times: number[] = [];

  const dual = service('default', 'dual', { clusterIP: '10.96.5.1' });
  (dual.spec as Record<string, unknown>).clusterIPs = ['10.96.5.1', 'fd00:10:96::5:1'];
  (dual.spec as Record<string, unknown>).ipFamilies = ['IPv4', 'IPv6'];
  times.push(await latencyOf(port, () => fake.create('services', dual), `dual.${SVC}`, 'AAAA', is('NOERROR', `dual.${SVC} AAAA fd00:10:96::5:1`)));
  expect(await positive(port, `dual.${SVC}`, 'A')).toEqual(A(`dual.${SVC}`, '10.96.5.1'));
  // PTR of the ClusterIP names the service; inside a configured reverse zone a miss is NXDOMAIN.
  expect(await positive(port, '1.5.96.10.in-addr.arpa', 'PTR')).toEqual([`1.5.96.10.in-addr.arpa PTR dual.${SVC}`]);

  const ext = { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'default', name: 'alias' }, spec: { type: 'ExternalName', externalName: `web.${SVC}` } };
  times.push(await latencyOf(port, () => fake.create('services', ext), `alias.${SVC}`, 'A', is('NOERROR', `alias.${SVC} CNAME web.${SVC}`, `web.${SVC} A 10.96.1.1`)));

  // ExternalName -> ClusterIP (an allowed type change): the CNAME gives way to the address.
  const typed = service('default', 'alias', { clusterIP: '10.96.5.2' });
  times.push(await latencyOf(port, () => fake.update('services', typed), `alias.${SVC}`, 'A', is('NOERROR', ...A(`alias.${SVC}`, '10.96.5.2'))));
  expect(await positive(port, '2.5.96.10.in-addr.arpa', 'PTR')).toEqual([`2.5.96.10.in-addr.arpa PTR alias.${SVC}`]);

  times.push(await latencyOf(port, () => fake.delete('services', 'default', 'dual'), '1.5.96.10.in-addr.arpa', 'PTR', (s) => s.rcode === 'NXDOMAIN'));
  await negative(port, '1.5.96.10.in-addr.arpa', 'PTR', NXDOMAIN, '96.10.in-addr.arpa');
  await negative(port, `dual.${SVC}`, 'AAAA', NXDOMAIN);
  for (const ms of times) expect(ms).toBeLessThan(FAST_MS);
});

test('a cluster larger than one list page: every object of a paged first list is served', async () => {
  const N = 1200; // the source lists 500 per page
  for (let i = 0; i < N; i++) fake.create('services', service('bulk', `s${i}`, { clusterIP: `10.97.${i >> 8}.${i & 255}` }));
  srv = await startKubeServer(fake);
  const port = srv.port;
  const pages = fake.requests.filter((r) => r.resource === 'services' && !r.watch);
  expect(pages.map((r) => [r.query.limit, r.query.continue !== undefined])).toEqual([['500', false], ['500', true], ['500', true]]);
  expect(srv.log.matching(new RegExp(`^services: listed ${N + 2} objects`))).toHaveLength(1);
  for (const i of [0, 499, 500, 999, 1000, N - 1]) {
    expect(await positive(port, `s${i}.bulk.svc.${Z}`, 'A')).toEqual([`s${i}.bulk.svc.${Z} A 10.97.${i >> 8}.${i & 255}`]);
  }
  await negative(port, `s${N}.bulk.svc.${Z}`, 'A', NXDOMAIN);
});
