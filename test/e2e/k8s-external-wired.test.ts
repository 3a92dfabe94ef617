// k8s_external through the real server (issue 9 item 3): `<svc>.<ns>.<zone>` answers a Service's
// spec.externalIPs, and a change of the view reaches the next answer at once (its answers are
// computed per query: it records no dependency tags, so none may be memoised).
import fs from 'node:fs';
import path from 'node:path';
import { corefileOptions } from '../../src/corefile/commands';
import { startServer, type Running } from '../../src/app';
import { silentLogger } from '../../src/ops/log';
import { snapshotDir } from '../support/server';
import { freeDnsPort } from '../support/blocks';
import { ask, rcode, rrs } from '../support/dns-e2e';

const service = (ip: string) => `apiVersion: v1
kind: Namespace
metadata: { name: default }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec: { clusterIP: 10.96.0.20, externalIPs: [${ip}], ports: [{ name: http, port: 80 }] }
`;

let running: Running;
let port: number;
let dir: string;

beforeAll(async () => {
  dir = snapshotDir(service('192.0.2.77'));
  port = await freeDnsPort();
  fs.writeFileSync(
    path.join(dir, 'Corefile'),
    `.:${port} {
  bind 127.0.0.1
  k8s_external example.com
  kubernetes cluster.local
}
`,
  );
  const c = corefileOptions(path.join(dir, 'Corefile'), { snapshot: path.join(dir, 'snapshot.yaml'), health: null, ready: null, metrics: null });
  running = await startServer(c.opts, silentLogger, { onLoop: () => undefined }, c.loaded.plan);
});
afterAll(async () => {
  await running?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a Service external IP under the external zone, and the cluster name beside it', async () => {
  expect(rrs((await ask(port, 'web.default.example.com', 'A')).packet)).toEqual(['web.default.example.com A 192.0.2.77']);
  expect(rrs((await ask(port, 'web.default.svc.cluster.local', 'A')).packet)).toEqual(['web.default.svc.cluster.local A 10.96.0.20']);
  expect(rcode((await ask(port, 'nope.default.example.com', 'A')).packet)).toBe('NXDOMAIN');
});

test('a changed external IP is answered at once', async () => {
  expect(rrs((await ask(port, 'web.default.example.com', 'A')).packet)).toEqual(['web.default.example.com A 192.0.2.77']);
  const old = running.store.service('default', 'web')!;
  running.store.upsert('Service', { ...old, externalIPs: ['192.0.2.78'] });
  expect(rrs((await ask(port, 'web.default.example.com', 'A')).packet)).toEqual(['web.default.example.com A 192.0.2.78']);
});
