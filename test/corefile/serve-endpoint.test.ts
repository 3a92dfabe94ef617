// `kubernetes { endpoint URL }` (CoreDNS: a remote API server, no credentials of its own): a
// Corefile served against a kubectl-proxy-like front of the fake API server, which adds the
// token the fake requires; the names the fake holds are answered.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { corefileOptions } from '../../src/corefile/commands';
import { startServing } from '../../src/ops/serve';
import { silentLogger } from '../../src/ops/log';
import { FakeApiServer } from '../support/fake-apiserver';
import { freeDnsPort } from '../support/blocks';
import { udpAsk } from '../support/forward-e2e';
import { namespace, service } from '../sources/kubernetes-harness';
import { writeTree } from './stage';

test('endpoint URL: the view comes from that API server', async () => {
  const fake = await FakeApiServer.start();
  const target = new URL(fake.url);
  // What `kubectl proxy` does: plain HTTP in, the user's credentials added on the way.
  const proxy = http.createServer((req, res) => {
    const up = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, authorization: `Bearer ${fake.token}` } }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
    res.on('close', () => up.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const port = await freeDnsPort();
  const dir = writeTree({
    Corefile: `cluster.local:${port} {\n  bind 127.0.0.1\n  kubernetes {\n    endpoint http://127.0.0.1:${(proxy.address() as AddressInfo).port}\n  }\n}\n`,
  });
  fake.create('namespaces', namespace('default'));
  fake.create('services', service('default', 'web', { clusterIP: '10.96.1.1' }));
  const c = corefileOptions(`${dir}/Corefile`, {});
  expect(c.opts.kubeEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  const s = await startServing({ ...c.opts, lameDuckMs: 0, startupTimeoutMs: 5000 }, silentLogger, { corefile: { plan: c.loaded.plan, files: c.loaded.files, load: () => ({ opts: c.opts, plan: c.loaded.plan, files: c.loaded.files, warnings: [] }) } });
  try {
    const p = await udpAsk(port, 'web.default.svc.cluster.local', 'A', 2000);
    expect((p?.answers ?? []).map((a) => (a as { data: string }).data)).toEqual(['10.96.1.1']);
  } finally {
    await s.shutdown();
    proxy.closeAllConnections();
    await new Promise<void>((r) => proxy.close(() => r()));
    await fake.close();
  }
});
