// Issue 12 from a Corefile: `autopath @kubernetes` in the kubeadm server block (with its
// `cache 30 { disable success/denial cluster.local }`) answers the first search-path query
// through the real server, walking the search domains of the server's own resolv.conf.
import fs from 'node:fs';
import path from 'node:path';
import { corefileOptions } from '../../src/corefile/commands';
import { startServer, type Running } from '../../src/app';
import { silentLogger } from '../../src/ops/log';
import { snapshotDir } from '../support/server';
import { freeDnsPort } from '../support/blocks';
import { ask, rcode, section, show } from '../support/dns-e2e';
import { A, RCODE_NXDOMAIN, soa, startZoneUpstream, WEB_CLUSTER, type ZoneUpstream } from '../support/forward-e2e';

let running: Running;
let port: number;
let dir: string;
let up: ZoneUpstream;

beforeAll(async () => {
  up = await startZoneUpstream(
    {
      'api.example.com A': (q) => ({ answers: [A(q.name, '192.0.2.10', 120)] }),
      'intranet.corp.example A': (q) => ({ answers: [A(q.name, '192.0.2.20', 120)] }),
    },
    { rcode: RCODE_NXDOMAIN, authorities: [soa('example.com', 60, 60)] },
  );
  dir = snapshotDir(WEB_CLUSTER);
  port = await freeDnsPort();
  // The server's own resolv.conf (dnsPolicy: Default: the node's): its search domain is walked.
  fs.writeFileSync(path.join(dir, 'resolv.conf'), `search corp.example\nnameserver ${up.fake.host}\n`);
  fs.writeFileSync(
    path.join(dir, 'Corefile'),
    `.:${port} {
  bind 127.0.0.1
  errors
  kubernetes cluster.local in-addr.arpa ip6.arpa {
    pods insecure
    fallthrough in-addr.arpa ip6.arpa
    ttl 30
  }
  autopath @kubernetes
  forward . ${up.fake.key}
  cache 30 {
    disable success cluster.local
    disable denial cluster.local
  }
  loop
  loadbalance
}
`,
  );
  const c = corefileOptions(path.join(dir, 'Corefile'), { snapshot: path.join(dir, 'snapshot.yaml'), resolvConf: path.join(dir, 'resolv.conf'), health: null, ready: null, metrics: null });
  running = await startServer(c.opts, silentLogger, { onLoop: () => undefined }, c.loaded.plan);
});
afterAll(async () => {
  await running?.close();
  await up?.fake.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('an external name: CNAME then its address; asked again, nothing goes upstream', async () => {
  for (let i = 0; i < 2; i++) {
    const { packet } = await ask(port, 'api.example.com.default.svc.cluster.local', 'A');
    expect(section(packet, 'answers').map(show)).toEqual(['api.example.com.default.svc.cluster.local CNAME api.example.com', 'api.example.com A 192.0.2.10']);
  }
  expect(up.asked('api.example.com', 'A')).toBe(1);
  expect(up.asked('api.example.com.corp.example', 'A')).toBe(1);
});

test("a name under the search domain of the server's resolv.conf", async () => {
  const { packet } = await ask(port, 'intranet.default.svc.cluster.local', 'A');
  expect(section(packet, 'answers').map(show)).toEqual(['intranet.default.svc.cluster.local CNAME intranet.corp.example', 'intranet.corp.example A 192.0.2.20']);
});

test('cluster names are answered as before', async () => {
  const web = await ask(port, 'web.default.svc.cluster.local', 'A');
  expect(section(web.packet, 'answers').map(show)).toEqual(['web.default.svc.cluster.local A 10.96.12.34']);
  const nx = await ask(port, 'nothing.example.com.nons.svc.cluster.local', 'A');
  expect(rcode(nx.packet)).toBe('NXDOMAIN');
});
