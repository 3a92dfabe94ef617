// Issue 10 item 3: `<zone> NS` without a kube-dns Service answers `ns.dns.<zone>`; the
// additional section must carry its address, the one `ns.dns.<zone>` itself answers: the
// server's own listen address (CoreDNS: the local address when no Service is found).
import { startTestServer, type TestServer } from '../support/server';
import { ask, expectPositive, positive, rrs } from '../support/dns-e2e';

const NO_KUBE_DNS = `
apiVersion: v1
kind: Namespace
metadata: { name: default }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec: { clusterIP: 10.96.12.34, ports: [{ name: http, port: 80 }] }
`;

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer(NO_KUBE_DNS);
});
afterAll(() => srv?.close());

test('ns.dns.cluster.local A is the address the server listens on', async () => {
  expect(await positive(srv.port, 'ns.dns.cluster.local', 'A')).toEqual(['ns.dns.cluster.local A 127.0.0.1']);
});

test('apex NS is ns.dns.cluster.local with that same address as glue', async () => {
  const { packet } = await ask(srv.port, 'cluster.local', 'NS');
  expectPositive(packet);
  expect(rrs(packet)).toEqual(['cluster.local NS ns.dns.cluster.local']);
  const glue = rrs(packet, 'additionals');
  expect(glue).toEqual(['ns.dns.cluster.local A 127.0.0.1']);
  // The glue is exactly what the name answers.
  expect(glue).toEqual(await positive(srv.port, 'ns.dns.cluster.local', 'A'));
});
