// Issue 9 "What it must show": the kubeadm, k3s, AKS and coredns/deployment Corefiles of
// test/fixtures/corefiles served through the real server (snapshot source, fake upstreams on
// loopback). The fixture text is changed only where a test must: the port (a free one instead of 53, plus `bind 127.0.0.1`),
// the upstreams (fake ones instead of the node's resolv.conf and the stub servers) and the ops
// addresses (127.0.0.1:0 instead of :8080/:8181/:9153).
import fs from 'node:fs';
import path from 'node:path';
import * as dnsPacket from 'dns-packet';
import { corefileOptions } from '../../src/corefile/commands';
import { startServing, type Serving } from '../../src/ops/serve';
import { silentLogger } from '../../src/ops/log';
import { freeDnsPort } from '../support/blocks';
import { A, startZoneUpstream, udpAsk, type ZoneUpstream } from '../support/forward-e2e';
import { get } from '../ops/helpers';
import { stage, type Staged } from './stage';

const SNAPSHOT = `
apiVersion: v1
kind: Namespace
metadata: { name: default }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec: { clusterIP: 10.96.12.34, ports: [{ name: http, port: 80, protocol: TCP }] }
---
apiVersion: v1
kind: Service
metadata: { name: postgres, namespace: default }
spec: { clusterIP: 10.96.5.43, ports: [{ name: pg, port: 5432, protocol: TCP }] }
`;

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface Served {
  s: Serving;
  port: number;
  staged: Staged;
}

/** Stages a fixture, points it at the test's port and upstreams, and serves it. */
async function serve(name: string, main: ZoneUpstream, stub: ZoneUpstream): Promise<Served> {
  const port = await freeDnsPort();
  const staged = stage(name, (text) =>
    text
      .replace(/^\.:53 \{/m, `.:${port} {\n    bind 127.0.0.1`)
      .replace('forward . /etc/resolv.conf', `forward . 127.0.0.1:${main.fake.port}`)
      .replace(/^ {4}health(?= |$)/m, '    health 127.0.0.1:0')
      .replace(/^ {4}ready$/m, '    ready 127.0.0.1:0')
      .replace('prometheus :9153', 'prometheus 127.0.0.1:0')
      .replace(/forward \. 10\.150\.0\.1 10\.150\.0\.2/, `forward . 127.0.0.1:${stub.fake.port}`)
      .replace(/^acme\.local:53 \{/m, `acme.local:${port} {\n    bind 127.0.0.1`),
  );
  cleanups.push(() => staged.cleanup());
  const custom = path.join(staged.dir, 'custom');
  for (const f of fs.existsSync(custom) ? fs.readdirSync(custom) : []) {
    if (!f.endsWith('.server')) continue;
    const p = path.join(custom, f);
    fs.writeFileSync(p, fs.readFileSync(p, 'utf8').replace(/:53 \{/, `:${port} {\n    bind 127.0.0.1`).replace(/forward \. [0-9.]+/, `forward . 127.0.0.1:${stub.fake.port}`));
  }
  fs.writeFileSync(path.join(staged.dir, 'snapshot.yaml'), SNAPSHOT);
  const flags = { snapshot: path.join(staged.dir, 'snapshot.yaml') };
  const load = () => {
    const c = corefileOptions(staged.corefile, flags);
    return { opts: c.opts, plan: c.loaded.plan, files: c.loaded.files, warnings: c.loaded.warnings };
  };
  const first = load();
  const s = await startServing({ ...first.opts, lameDuckMs: 0 }, silentLogger, { corefile: { plan: first.plan, files: first.files, load } });
  cleanups.push(() => s.shutdown());
  return { s, port, staged };
}

async function ask(port: number, name: string, type: dnsPacket.RecordType = 'A') {
  const p = await udpAsk(port, name, type, 2000);
  if (p === null) throw new Error(`no answer for ${name} ${type}`);
  return { rcode: (p as { rcode?: string }).rcode ?? 'NOERROR', answers: (p.answers ?? []).map((r) => `${r.name} ${r.type} ${String((r as { data: unknown }).data)}`) };
}

const upstream = (ip: string) =>
  startZoneUpstream({}, (q) => ({
    answers: q.type === 'A' ? [A(q.name, ip)] : q.type === 'PTR' ? [{ name: q.name, type: 'PTR', ttl: 60, data: `upstream-${ip}.example` }] : [],
  }));

describe('k3s Corefile', () => {
  let srv: Served;
  beforeAll(async () => {
    const main = await upstream('192.0.2.1');
    const stub = await upstream('192.0.2.2');
    cleanups.push(() => main.fake.close(), () => stub.fake.close());
    srv = await serve('k3s', main, stub);
  });

  test('cluster names from the snapshot, other names forwarded', async () => {
    expect(await ask(srv.port, 'web.default.svc.cluster.local')).toEqual({ rcode: 'NOERROR', answers: ['web.default.svc.cluster.local A 10.96.12.34'] });
    expect(await ask(srv.port, 'www.example.org')).toEqual({ rcode: 'NOERROR', answers: ['www.example.org A 192.0.2.1'] });
  });

  test('a NodeHosts name and its PTR', async () => {
    expect(await ask(srv.port, 'agent-0')).toEqual({ rcode: 'NOERROR', answers: ['agent-0 A 10.0.0.12'] });
    expect(await ask(srv.port, '12.0.0.10.in-addr.arpa', 'PTR')).toEqual({ rcode: 'NOERROR', answers: ['12.0.0.10.in-addr.arpa PTR agent-0'] });
  });

  test('the *.override rewrite: the rewritten name answers, mapped back to the asked name', async () => {
    expect(await ask(srv.port, 'db.example.com')).toEqual({ rcode: 'NOERROR', answers: ['db.example.com A 10.96.5.43'] });
  });

  test('the *.server block takes its zone on the shared port', async () => {
    expect(await ask(srv.port, 'db.corp.example')).toEqual({ rcode: 'NOERROR', answers: ['db.corp.example A 192.0.2.2'] });
  });

  test('health, ready and metrics on the addresses the Corefile names', async () => {
    const { health, ready, metrics } = srv.s.opsPorts;
    expect([health, ready, metrics].every((p) => p > 0)).toBe(true);
    expect((await get(health, '/health')).status).toBe(200);
    expect((await get(ready, '/ready')).status).toBe(200);
    expect((await get(metrics, '/metrics')).body).toContain('coredns_dns_requests_total');
  });
});

describe('AKS Corefile', () => {
  let srv: Served;
  beforeAll(async () => {
    const main = await upstream('192.0.2.1');
    const stub = await upstream('192.0.2.2');
    cleanups.push(() => main.fake.close(), () => stub.fake.close());
    srv = await serve('aks', main, stub);
  });

  test('the templates: NXDOMAIN for search-path accidents, fallthrough for the rest', async () => {
    expect((await ask(srv.port, 'a.b.c.d.internal.cloudapp.net')).rcode).toBe('NXDOMAIN');
    expect((await ask(srv.port, 'anything.reddog.microsoft.com')).rcode).toBe('NXDOMAIN');
    expect(await ask(srv.port, 'vm1.internal.cloudapp.net')).toEqual({ rcode: 'NOERROR', answers: ['vm1.internal.cloudapp.net A 192.0.2.1'] });
  });

  test('the custom overrides: inline hosts, a regex rewrite with its answer mapped back', async () => {
    expect(await ask(srv.port, 'example1.org')).toEqual({ rcode: 'NOERROR', answers: ['example1.org A 10.0.0.1'] });
    expect(await ask(srv.port, 'web.example.io')).toEqual({ rcode: 'NOERROR', answers: ['web.example.io A 10.96.12.34'] });
  });

  test('the custom *.server block (a stub domain)', async () => {
    expect(await ask(srv.port, 'x.puglife.local')).toEqual({ rcode: 'NOERROR', answers: ['x.puglife.local A 192.0.2.2'] });
  });
});

describe('kubeadm Corefile', () => {
  let srv: Served;
  let main: ZoneUpstream;
  beforeAll(async () => {
    main = await upstream('192.0.2.1');
    const stub = await upstream('192.0.2.2');
    cleanups.push(() => main.fake.close(), () => stub.fake.close());
    srv = await serve('kubeadm', main, stub);
  });

  test('a service PTR from the view; a PTR miss in the reverse zones falls through to forward', async () => {
    expect(await ask(srv.port, '34.12.96.10.in-addr.arpa', 'PTR')).toEqual({ rcode: 'NOERROR', answers: ['34.12.96.10.in-addr.arpa PTR web.default.svc.cluster.local'] });
    expect(await ask(srv.port, '9.9.9.10.in-addr.arpa', 'PTR')).toEqual({ rcode: 'NOERROR', answers: ['9.9.9.10.in-addr.arpa PTR upstream-192.0.2.1.example'] });
  });

  test('pods insecure: a pod name answers its address', async () => {
    expect(await ask(srv.port, '10-244-1-7.default.pod.cluster.local')).toEqual({ rcode: 'NOERROR', answers: ['10-244-1-7.default.pod.cluster.local A 10.244.1.7'] });
  });

  test('cache 30: a forwarded name is asked upstream once', async () => {
    await ask(srv.port, 'cached.example.net');
    await ask(srv.port, 'cached.example.net');
    expect(main.asked('cached.example.net', 'A')).toBe(1);
  });
});

describe('coredns/deployment Corefile', () => {
  let srv: Served;
  beforeAll(async () => {
    const main = await upstream('192.0.2.1');
    const stub = await upstream('192.0.2.2');
    cleanups.push(() => main.fake.close(), () => stub.fake.close());
    srv = await serve('deployment', main, stub);
  });

  test('no pods line: pod records disabled', async () => {
    expect((await ask(srv.port, '10-244-1-7.default.pod.cluster.local')).rcode).toBe('NXDOMAIN');
  });

  test('reverse zones from the CIDR: a service PTR in 10.96.0.0/12', async () => {
    expect(await ask(srv.port, '34.12.96.10.in-addr.arpa', 'PTR')).toEqual({ rcode: 'NOERROR', answers: ['34.12.96.10.in-addr.arpa PTR web.default.svc.cluster.local'] });
  });

  test('the stub domain block forwards to its own servers', async () => {
    expect(await ask(srv.port, 'db.acme.local')).toEqual({ rcode: 'NOERROR', answers: ['db.acme.local A 192.0.2.2'] });
    expect(await ask(srv.port, 'www.example.org')).toEqual({ rcode: 'NOERROR', answers: ['www.example.org A 192.0.2.1'] });
  });
});
