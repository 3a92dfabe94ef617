// loadbalance through the real server (flags path, on by default): a 10-endpoint headless
// name asked 20 times over UDP gives at least 5 different first addresses, always the same
// set; its SRV records keep their order; `loadbalance: false` answers one order every time.
import { ask, section } from '../support/dns-e2e';
import { startTestServer, type TestServer } from '../support/server';

const IPS = Array.from({ length: 10 }, (_, i) => `10.244.${i + 1}.10`);
const SNAPSHOT = `
apiVersion: v1
kind: Service
metadata: { name: nginx, namespace: default }
spec:
  clusterIP: None
  ports: [{ name: http, port: 80, protocol: TCP }]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: nginx-abc, namespace: default, labels: { kubernetes.io/service-name: nginx } }
addressType: IPv4
ports: [{ name: http, port: 80, protocol: TCP }]
endpoints:
${IPS.map((ip, i) => `  - addresses: ["${ip}"]\n    hostname: web-${i}\n    conditions: { ready: true }`).join('\n')}
`;
const NAME = 'nginx.default.svc.cluster.local';
const data = (r: { data?: unknown }) => r.data as never;

describe.each([
  ['on by default', {}, true],
  ['loadbalance: false', { loadbalance: false }, false],
])('%s', (_t, layer, on) => {
  let srv: TestServer;
  beforeAll(async () => (srv = await startTestServer(SNAPSHOT, layer)));
  afterAll(() => srv.close());

  test(`20 A queries: ${on ? 'at least 5' : 'exactly 1'} different first address(es), the same 10 addresses each time`, async () => {
    const firsts = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const answers = section((await ask(srv.port, NAME, 'A')).packet, 'answers');
      expect(answers.map((r) => String(data(r))).sort()).toEqual([...IPS].sort());
      firsts.add(String(data(answers[0])));
    }
    if (on) expect(firsts.size).toBeGreaterThanOrEqual(5);
    else expect(firsts.size).toBe(1);
  });

  test('SRV order untouched', async () => {
    const order = async () => section((await ask(srv.port, `_http._tcp.${NAME}`, 'SRV', { edns: 4096 })).packet, 'answers').map((r) => (data(r) as { target: string }).target);
    const first = await order();
    expect(first).toHaveLength(10);
    for (let i = 0; i < 10; i++) expect(await order()).toEqual(first);
  });
});
