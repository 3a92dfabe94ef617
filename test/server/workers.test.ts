// Issue 6: --workers 2 answers on one port from both workers, and a change to the view made
// in the primary (snapshot rewrite) reaches every worker.
import fs from 'node:fs';
import path from 'node:path';
import { queryTcp, queryUdp, startCliServer, type TestServer } from '../support/server';

const view = (ip: string) => `
apiVersion: v1
kind: Namespace
metadata: { name: default }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec: { clusterIP: ${ip}, ports: [{ name: http, port: 80 }] }
`;

let srv: TestServer;
beforeAll(async () => {
  srv = await startCliServer(view('10.96.0.20'), {}, 2);
});
afterAll(() => srv?.close());

test('both transports answer from the workers', async () => {
  const udp = await queryUdp(srv.port, { name: 'web.default.svc.cluster.local', type: 'A' });
  expect(udp.answers?.map((a) => (a as { data: unknown }).data)).toEqual(['10.96.0.20']);
  const tcp = await queryTcp(srv.port, { name: 'web.default.svc.cluster.local', type: 'A' });
  expect(tcp.answers?.map((a) => (a as { data: unknown }).data)).toEqual(['10.96.0.20']);
});

test('a change in the primary reaches every worker', async () => {
  fs.writeFileSync(path.join(srv.dir, 'snapshot.yaml'), view('10.96.0.21'));
  const deadline = Date.now() + 5000;
  // Many queries spread over both workers (the kernel picks one per datagram): all must agree.
  for (;;) {
    const answers = await Promise.all(Array.from({ length: 20 }, () => queryUdp(srv.port, { name: 'web.default.svc.cluster.local', type: 'A' })));
    const ips = new Set(answers.map((a) => a.answers?.[0] && (a.answers[0] as { data: string }).data));
    if (ips.size === 1 && ips.has('10.96.0.21')) break;
    if (Date.now() > deadline) throw new Error(`workers still answer ${[...ips].join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
});
