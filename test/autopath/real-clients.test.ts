// Issue 12, "What it must show": real clients, not dns-packet. glibc's resolver (`getent
// ahosts`) and Node's dns.lookup inside a private network + mount namespace (`unshare -n -m`),
// with a pod's resolv.conf bind-mounted (the kubelet search list, ndots:5) and the server on
// 127.0.0.1:53 (resolv.conf takes no port), a fake upstream beside it. For 20 names: the same
// addresses with autopath on and off, and the queries the server received per lookup (2
// instead of 8 for an external name). The work happens in netns-harness.js; this file checks.
// It needs root and unshare(1), as CI has: without them it fails, it does not skip.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

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
kind: Namespace
metadata: { name: kube-system }
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
metadata: { name: kube-dns, namespace: kube-system }
spec: { clusterIP: 10.96.0.10, ports: [{ name: dns, port: 53, protocol: UDP }] }
---
apiVersion: v1
kind: Service
metadata: { name: ext, namespace: default }
spec: { type: ExternalName, externalName: api.example.com }
---
apiVersion: v1
kind: Service
metadata: { name: headless, namespace: default }
spec: { clusterIP: None, ports: [{ name: http, port: 80, protocol: TCP }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: headless-x1, namespace: default, labels: { kubernetes.io/service-name: headless } }
addressType: IPv4
ports: [{ name: http, port: 80, protocol: TCP }]
endpoints:
  - { addresses: [10.244.1.7], conditions: { ready: true } }
  - { addresses: [10.244.2.8], conditions: { ready: true } }
`;

// What kubelet writes for a pod in namespace `default` (SPEC §5).
const RESOLV_CONF = 'search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 127.0.0.1\noptions ndots:5\n';

/** name -> [queries the server receives per lookup without autopath, with it]. */
const NAMES: Record<string, [number, number]> = {
  // cluster short names
  web: [2, 2], // found at the first search step: autopath is not involved
  'web.default': [4, 2],
  'web.default.svc': [6, 2],
  'web.default.svc.cluster.local': [8, 2], // 4 dots < ndots:5: walked like any short name
  'web.default.svc.cluster.local.': [2, 2], // absolute: no search
  ext: [2, 2], // ExternalName -> api.example.com, chased by the server
  'ext.default': [4, 2],
  'headless.default': [4, 2],
  // names that exist only under svc.<zone> (other namespaces)
  'db.staging': [4, 2],
  'db.staging.svc': [6, 2],
  'kube-dns.kube-system': [4, 2],
  // external names through the fake upstream
  'api.example.com': [8, 2],
  'www.example.org': [8, 2],
  'cdn.example.net': [8, 2], // an upstream CNAME chain
  'dual.example.com': [8, 2],
  'v6only.example.com': [8, 2],
  'api.example.com.': [2, 2],
  'a.b.c.d.e.example.com': [2, 2], // 6 dots >= ndots: asked as is first
  // names that exist nowhere: autopath walks and finds nothing, the client walks on itself
  'nowhere.example.com': [8, 8],
  'web.nons': [8, 8],
};

interface Lookup {
  status: number | string;
  addrs: string[];
  canon?: string | null;
  queries: number;
  upstream: number;
}
interface Run {
  mode: string;
  results: { name: string; getent: Lookup; node: Lookup }[];
  autopathSuccess: number;
  autopathExported: boolean;
}

function runInNamespace(mode: 'on' | 'off', dir: string): Run {
  const inner = [
    'set -e',
    'ip link set lo up',
    `mount --bind ${dir}/resolv.conf /etc/resolv.conf`,
    `exec ${process.execPath} ${ROOT}/test/autopath/netns-harness.js ${ROOT} ${dir}/snapshot.yaml ${mode} '${JSON.stringify(Object.keys(NAMES))}'`,
  ].join('\n');
  const r = spawnSync('unshare', ['-n', '-m', 'sh', '-c', inner], { encoding: 'utf8', timeout: 60000 });
  if (r.status !== 0) throw new Error(`harness (${mode}) failed with ${r.status ?? r.signal}:\n${r.stderr}\n${r.stdout}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Run;
}

let off: Run;
let on: Run;

beforeAll(() => {
  // A missing precondition is a failure, never a skip (STYLE rule 14).
  if (process.getuid?.() !== 0) throw new Error('real-clients.test.ts needs root (unshare -n -m, mount --bind); CI runs as root');
  execFileSync('sh', ['-c', 'command -v unshare && command -v getent && command -v ip && command -v mount']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clusterdns-autopath-'));
  fs.writeFileSync(path.join(dir, 'snapshot.yaml'), CLUSTER);
  fs.writeFileSync(path.join(dir, 'resolv.conf'), RESOLV_CONF);
  try {
    off = runInNamespace('off', dir);
    on = runInNamespace('on', dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}, 120000);

test('glibc and Node find the same addresses with autopath on and off, for every name', () => {
  const table = (run: Run) => run.results.map((r) => ({ name: r.name, getent: r.getent.addrs, node: r.node.addrs, canon: r.getent.canon }));
  expect(table(on)).toEqual(table(off));
  // And the lookups really answered: every name but the two that exist nowhere has addresses.
  for (const r of off.results) {
    const missing = r.name === 'nowhere.example.com' || r.name === 'web.nons';
    expect([r.name, r.getent.addrs.length > 0, r.node.addrs.length > 0]).toEqual([r.name, !missing, !missing]);
  }
  const byName = Object.fromEntries(on.results.map((r) => [r.name, r.getent.addrs]));
  expect(byName['web.default.svc']).toEqual(['10.96.12.34']);
  expect(byName['headless.default']).toEqual(['10.244.1.7', '10.244.2.8']);
  expect(byName['ext.default']).toEqual(['192.0.2.10']);
  expect(byName['cdn.example.net']).toEqual(['192.0.2.12', '192.0.2.22']);
  expect(byName['dual.example.com']).toEqual(['192.0.2.13', '2001:db8::13']);
  expect(byName['v6only.example.com']).toEqual(['2001:db8::14']);
});

test('queries the server received per lookup: 2 instead of up to 8, for glibc and for Node alike', () => {
  const counts = (run: Run, i: 0 | 1) => run.results.map((r) => [r.name, r.getent.queries, r.node.queries, NAMES[r.name][i]]);
  expect(counts(off, 0)).toEqual(Object.entries(NAMES).map(([n, [q]]) => [n, q, q, q]));
  expect(counts(on, 1)).toEqual(Object.entries(NAMES).map(([n, [, q]]) => [n, q, q, q]));
});

test('coredns_autopath_success_total counts the walks that found an answer', () => {
  expect(off.autopathExported).toBe(false);
  expect(on.autopathExported).toBe(true);
  // One walk per name it saved queries for, A and AAAA apart; the repeat (Node after getent)
  // comes from the cache and does not count, as in CoreDNS, whose cache sits before autopath.
  const walked = Object.values(NAMES).filter(([without, withIt]) => withIt < without).length;
  expect(walked).toBe(13);
  expect(on.autopathSuccess).toBe(2 * walked);
});
