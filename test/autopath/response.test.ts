// Issue 12, response shape over real sockets: a pod's first search-path query for a name that
// is not in the cluster zone is answered with a CNAME to the first name of the rest of its
// search list that exists (CoreDNS autopath's shape: the CNAME first, then the target's
// records), found through the whole chain (cluster zone, ExternalName, cache, upstream). The
// upstream is a zone fake on 127.0.0.1 that counts what it is asked.
import { dig, startTestServer, type TestServer } from '../support/server';
import { ask, rcode, section, show, snapshotFile, waitFor, writeAtomic } from '../support/dns-e2e';
import { A, RCODE_NXDOMAIN, soa, startZoneUpstream, type ZoneUpstream } from '../support/forward-e2e';

const CLUSTER = `
apiVersion: v1
kind: Namespace
metadata: { name: default }
---
apiVersion: v1
kind: Namespace
metadata: { name: staging }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec: { clusterIP: 10.96.12.34, ports: [{ name: http, port: 80, protocol: TCP }] }
---
apiVersion: v1
kind: Service
metadata: { name: db, namespace: staging }
spec: { clusterIP: 10.96.20.1, ports: [{ name: pg, port: 5432, protocol: TCP }] }
---
apiVersion: v1
kind: Service
metadata: { name: ext, namespace: default }
spec: { type: ExternalName, externalName: api.example.com }
`;

const NEGATIVE = { rcode: RCODE_NXDOMAIN, authorities: [soa('example.com', 60, 60)] };

let up: ZoneUpstream;
let srv: TestServer;

beforeAll(async () => {
  up = await startZoneUpstream(
    {
      'api.example.com A': (q) => ({ answers: [A(q.name, '192.0.2.10', 120)] }),
      'api.example.com AAAA': { authorities: [soa('example.com', 300, 45)] },
      'only.corp.example A': (q) => ({ answers: [A(q.name, '192.0.2.20', 90)] }),
      'later A': (q) => ({ answers: [A(q.name, '192.0.2.30', 90)] }),
      'x A': (q) => ({ answers: [A(q.name, '192.0.2.40', 90)] }),
    },
    NEGATIVE,
  );
  srv = await startTestServer(CLUSTER, { upstream: [up.fake.hostPort], autopath: true, autopathSearch: ['corp.example'] });
});
afterAll(async () => {
  await srv?.close();
  await up?.fake.close();
});

const lines = (p: Parameters<typeof section>[0], s: 'answers' | 'authorities' = 'answers') => section(p, s).map((r) => `${show(r)} ${r.ttl}`);

test('an external name through the search path: CNAME to it first, then its records, one upstream question', async () => {
  const before = srv.running.stats.autopath[0];
  const { packet } = await ask(srv.port, 'api.example.com.default.svc.cluster.local', 'A');
  expect(rcode(packet)).toBe('NOERROR');
  // The CNAME lives no longer than the asked name's absence (the cluster's negative TTL, 30).
  expect(lines(packet)).toEqual(['api.example.com.default.svc.cluster.local CNAME api.example.com 30', 'api.example.com A 192.0.2.10 120']);
  // Each name of the walk goes upstream once: nothing under the cluster zone does.
  expect(up.asked('api.example.com.corp.example', 'A')).toBe(1);
  expect(up.asked('api.example.com', 'A')).toBe(1);
  expect(up.fake.count((r) => r.name.toLowerCase().includes('cluster.local'))).toBe(0);
  expect(srv.running.stats.autopath[0]).toBe(before + 1);

  // Asked again: the composed answer is kept, no walk and no upstream question.
  const again = await ask(srv.port, 'API.example.com.default.svc.cluster.local', 'A');
  expect(again.packet.questions?.[0].name).toBe('API.example.com.default.svc.cluster.local');
  expect(section(again.packet, 'answers').map(show)).toEqual(['api.example.com.default.svc.cluster.local CNAME api.example.com', 'api.example.com A 192.0.2.10']);
  expect(up.asked('api.example.com', 'A')).toBe(1);
  expect(up.asked('api.example.com.corp.example', 'A')).toBe(1);
  expect(srv.running.stats.autopath[0]).toBe(before + 1);
});

test('NODATA at the name that exists ends the walk: CNAME to it and its SOA', async () => {
  const { packet } = await ask(srv.port, 'api.example.com.staging.svc.cluster.local', 'AAAA');
  expect(rcode(packet)).toBe('NOERROR');
  expect(lines(packet)).toEqual(['api.example.com.staging.svc.cluster.local CNAME api.example.com 30']);
  expect(section(packet, 'authorities').map((r) => `${r.name} ${r.type}`)).toEqual(['example.com SOA']);
});

test('a Service of another namespace, asked by its short name: answered from the cluster zone, nothing upstream', async () => {
  const n = up.fake.received.length;
  const { packet } = await ask(srv.port, 'db.staging.default.svc.cluster.local', 'A');
  expect(lines(packet)).toEqual(['db.staging.default.svc.cluster.local CNAME db.staging.svc.cluster.local 30', 'db.staging.svc.cluster.local A 10.96.20.1 30']);
  expect(packet.flags! & 0x400).toBe(0x400); // AA: every record is ours
  expect(up.fake.received.length).toBe(n);
});

test('an ExternalName on the way: both CNAMEs, then the target address', async () => {
  const { packet } = await ask(srv.port, 'ext.default.staging.svc.cluster.local', 'A');
  expect(section(packet, 'answers').map(show)).toEqual([
    'ext.default.staging.svc.cluster.local CNAME ext.default.svc.cluster.local',
    'ext.default.svc.cluster.local CNAME api.example.com',
    'api.example.com A 192.0.2.10',
  ]);
});

test("a name under the server's search domains", async () => {
  const { packet } = await ask(srv.port, 'only.default.svc.cluster.local', 'A');
  expect(section(packet, 'answers').map(show)).toEqual(['only.default.svc.cluster.local CNAME only.corp.example', 'only.corp.example A 192.0.2.20']);
});

test('a name that exists nowhere: the NXDOMAIN of the asked name, with the cluster SOA; walked once', async () => {
  const { packet } = await ask(srv.port, 'nothing.default.svc.cluster.local', 'A');
  expect(rcode(packet)).toBe('NXDOMAIN');
  expect(section(packet, 'answers')).toEqual([]);
  expect(section(packet, 'authorities').map((r) => `${r.name} ${r.type}`)).toEqual(['cluster.local SOA']);
  expect(up.asked('nothing.corp.example', 'A')).toBe(1);
  expect(up.asked('nothing', 'A')).toBe(1);
  await ask(srv.port, 'nothing.default.svc.cluster.local', 'A');
  expect(up.asked('nothing', 'A')).toBe(1);
});

test('a name first met as a step of another walk is still walked when asked itself', async () => {
  // x.staging.default... walks x.staging.svc.cluster.local (itself `<name>.<ns>.svc.<zone>`
  // with ns = staging) and finds nothing anywhere.
  const first = await ask(srv.port, 'x.staging.default.svc.cluster.local', 'A');
  expect(rcode(first.packet)).toBe('NXDOMAIN');
  expect(up.asked('x.staging', 'A')).toBe(1);
  // Asked by a pod of staging, that name is walked in turn (to `x`), whatever came before.
  const second = await ask(srv.port, 'x.staging.svc.cluster.local', 'A');
  expect(section(second.packet, 'answers').map(show)).toEqual(['x.staging.svc.cluster.local CNAME x', 'x A 192.0.2.40']);
});

test('names that exist, names of no namespace, and the bare zone path are answered as without autopath', async () => {
  const web = await ask(srv.port, 'web.default.svc.cluster.local', 'A');
  expect(section(web.packet, 'answers').map(show)).toEqual(['web.default.svc.cluster.local A 10.96.12.34']);
  // `nons` is no namespace, so no pod has `nons.svc.cluster.local` first in its search list.
  const n = up.fake.received.length;
  const other = await ask(srv.port, 'api.example.com.nons.svc.cluster.local', 'A');
  expect(rcode(other.packet)).toBe('NXDOMAIN');
  expect(up.fake.received.length).toBe(n);
});

test('dig shows the CNAME first in the answer section', async () => {
  const out = await dig(srv.port, ['+noall', '+answer', 'api.example.com.default.svc.cluster.local', 'A']);
  const answer = out.trim().split('\n').map((l) => l.split(/\s+/));
  expect(answer.map((f) => [f[0], f[3], f[4]])).toEqual([
    ['api.example.com.default.svc.cluster.local.', 'CNAME', 'api.example.com.'],
    ['api.example.com.', 'A', '192.0.2.10'],
  ]);
});

test('a cluster change ends a kept answer: the Service that appears under the asked name wins', async () => {
  const name = 'later.default.svc.cluster.local';
  const first = await ask(srv.port, name, 'A');
  expect(section(first.packet, 'answers').map(show)).toEqual([`${name} CNAME later`, 'later A 192.0.2.30']);
  writeAtomic(
    snapshotFile(srv),
    CLUSTER + `---
apiVersion: v1
kind: Service
metadata: { name: later, namespace: default }
spec: { clusterIP: 10.96.30.3, ports: [{ name: http, port: 80, protocol: TCP }] }
`,
  );
  const now = await waitFor(
    () => ask(srv.port, name, 'A'),
    (r) => section(r.packet, 'answers').map(show).join() === `${name} A 10.96.30.3`,
  );
  expect(rcode(now.packet)).toBe('NOERROR');
});

describe('limits', () => {
  let limited: TestServer;
  let off: TestServer;
  beforeAll(async () => {
    limited = await startTestServer(CLUSTER, { upstream: [up.fake.hostPort], autopath: true, autopathNamespaces: ['staging'], autopathSearch: [] });
    off = await startTestServer(CLUSTER, { upstream: [up.fake.hostPort] });
  });
  afterAll(async () => {
    await limited?.close();
    await off?.close();
  });

  test('--autopath-namespaces: only names of those namespaces are walked', async () => {
    const walked = await ask(limited.port, 'db.staging.staging.svc.cluster.local', 'A');
    expect(section(walked.packet, 'answers').map(show)).toEqual(['db.staging.staging.svc.cluster.local CNAME db.staging.svc.cluster.local', 'db.staging.svc.cluster.local A 10.96.20.1']);
    const notWalked = await ask(limited.port, 'db.staging.default.svc.cluster.local', 'A');
    expect(rcode(notWalked.packet)).toBe('NXDOMAIN');
  });

  test("--pods verified (CoreDNS's rule): walked only for a client that is a pod of the namespace", async () => {
    // The test client's address, 127.0.0.1, is a pod of `default` and of no other namespace.
    const pod = `---
apiVersion: v1
kind: Pod
metadata: { name: client-0, namespace: default }
status: { podIP: 127.0.0.1, podIPs: [{ ip: 127.0.0.1 }] }
`;
    const verified = await startTestServer(CLUSTER + pod, { upstream: [up.fake.hostPort], autopath: true, autopathSearch: [], pods: 'verified' });
    try {
      for (const tcp of [false, true]) {
        const mine = await ask(verified.port, 'db.staging.default.svc.cluster.local', 'A', { tcp });
        expect(section(mine.packet, 'answers').map(show)).toEqual(['db.staging.default.svc.cluster.local CNAME db.staging.svc.cluster.local', 'db.staging.svc.cluster.local A 10.96.20.1']);
        // Same name shape, namespace staging: this client is no pod there.
        const other = await ask(verified.port, 'web.default.staging.svc.cluster.local', 'A', { tcp });
        expect(rcode(other.packet)).toBe('NXDOMAIN');
      }
    } finally {
      await verified.close();
    }
  });

  test('off by default: the first search-path query is NXDOMAIN', async () => {
    const { packet } = await ask(off.port, 'api.example.com.default.svc.cluster.local', 'A');
    expect(rcode(packet)).toBe('NXDOMAIN');
    expect(off.running.stats.autopath[0]).toBe(0);
  });
});
