// Corefiles as kubeadm, k3s, AKS, EKS, coredns/deployment and NodeLocal DNSCache ship them
// (test/fixtures/corefiles), compiled into the plan each directive implies.
import { loadCorefile } from '../../src/corefile/compile';
import { stage } from './stage';

function load(name: string) {
  const s = stage(name);
  try {
    const c = loadCorefile(s.corefile, {});
    return { ...c, dir: s.dir, warnings: c.warnings.map((w) => w.replaceAll(s.dir, 'DIR')) };
  } finally {
    s.cleanup();
  }
}

const CLUSTER = {
  zones: ['cluster.local', 'in-addr.arpa', 'ip6.arpa'],
  pods: 'insecure',
  fallthrough: ['in-addr.arpa', 'ip6.arpa'],
};
const RESOLV = { from: '', to: null, resolvConf: '/etc/resolv.conf' };
const OPS = { health: { host: '0.0.0.0', port: 8080 }, ready: { host: '0.0.0.0', port: 8181 }, metrics: { host: '0.0.0.0', port: 9153 }, reloadIntervalMs: 30000 };

test('kubeadm', () => {
  const c = load('kubeadm');
  expect(c.plan.blocks).toHaveLength(1);
  expect(c.plan.blocks[0]).toMatchObject({
    zones: [''],
    listen: [{ host: '0.0.0.0', port: 53 }],
    errors: true,
    loop: true,
    loadbalance: true,
    kubernetes: { ...CLUSTER, ttl: 30 },
    forward: { ...RESOLV, maxConcurrent: 1000 },
    cache: { zones: [''], success: { maxTtl: 30 }, denial: { maxTtl: 30 }, disableSuccess: ['cluster.local'], disableDenial: ['cluster.local'] },
  });
  expect(c.options).toMatchObject({ ...OPS, lameDuckMs: 5000, clusterDomain: 'cluster.local', pods: 'insecure', loadbalance: true });
  expect(c.warnings).toEqual([]);
});

test('k3s: NodeHosts, the *.override spliced into .:53, the *.server blocks after it', () => {
  const c = load('k3s');
  expect(c.plan.blocks.map((b) => b.zones)).toEqual([[''], ['corp.example']]);
  expect(c.plan.blocks[0]).toMatchObject({
    kubernetes: { ...CLUSTER, ttl: 5 },
    hosts: { file: `${c.dir}/NodeHosts`, ttl: 60, reloadMs: 15000, fallthrough: [], zones: [''] },
    rewrite: { rules: [{ field: 'name', match: 'exact', from: 'db.example.com', to: 'postgres.default.svc.cluster.local', origin: `${c.dir}/custom/rewrite.override:1` }] },
    forward: RESOLV,
    cache: { success: { maxTtl: 30 } },
    loadbalance: true,
  });
  expect(c.plan.blocks[1]).toMatchObject({ errors: true, forward: { from: '', to: [{ host: '10.10.0.53', port: 53 }] }, cache: { zones: ['corp.example'] } });
  expect(c.files).toEqual([`${c.dir}/Corefile`, `${c.dir}/custom/rewrite.override`, `${c.dir}/custom/corp.server`]);
  expect(c.options).toMatchObject({ ...OPS, lameDuckMs: 0 });
});

test('AKS: templates in order, relative custom/ imports with rewrite, hosts, log and a stub domain block', () => {
  const c = load('aks');
  expect(c.plan.blocks.map((b) => b.zones)).toEqual([[''], ['puglife.local']]);
  const b = c.plan.blocks[0];
  expect(b.templates.map((t) => [t.zones, t.match, t.rcode, t.fallthrough])).toEqual([
    [['internal.cloudapp.net'], ['^(?:[^.]+\\.){4,}internal\\.cloudapp\\.net\\.$'], 3, []],
    [['reddog.microsoft.com'], [], 3, null],
  ]);
  expect(b).toMatchObject({
    log: true,
    kubernetes: { ...CLUSTER, ttl: 30 },
    hosts: { file: '/etc/hosts', inline: ['10.0.0.1 example1.org', '10.0.0.2 example2.org'], fallthrough: [] },
    rewrite: { rules: [{ mode: 'stop', match: 'regex', from: '(.*)\\.example\\.io', to: '{1}.default.svc.cluster.local', answer: [{ kind: 'name', from: '(.*)\\.default\\.svc\\.cluster\\.local', to: '{1}.example.io' }] }] },
  });
  expect(c.plan.blocks[1].forward).toMatchObject({ to: [{ host: '192.11.0.1', port: 53 }] });
  expect(c.options).toMatchObject({ ...OPS, lameDuckMs: 5000 });
});

test('EKS', () => {
  const c = load('eks');
  expect(c.plan.blocks[0]).toMatchObject({ kubernetes: { ...CLUSTER, ttl: 5 }, forward: { ...RESOLV, maxConcurrent: 0 }, cache: { disableSuccess: [], disableDenial: [] } });
  expect(c.options).toMatchObject({ ...OPS, lameDuckMs: 5000 });
});

test('coredns/deployment: reverse CIDRs expanded, pods disabled, a stub domain block', () => {
  const c = load('deployment');
  const k = c.plan.blocks[0].kubernetes;
  expect(k?.pods).toBe('disabled');
  expect(k?.zones).toHaveLength(1 + 16 + 1);
  expect(k?.zones.slice(0, 3)).toEqual(['cluster.local', '96.10.in-addr.arpa', '97.10.in-addr.arpa']);
  expect(k?.zones[17]).toBe(`${'0.'.repeat(15)}6.9.0.0.0.1.0.0.0.0.d.f.ip6.arpa`);
  expect(c.plan.blocks[1]).toMatchObject({ zones: ['acme.local'], forward: { to: [{ host: '10.150.0.1', port: 53 }, { host: '10.150.0.2', port: 53 }] } });
});

test('NodeLocal DNSCache: per-zone blocks on the bind addresses, force_tcp, per-kind caches', () => {
  const c = load('nodelocaldns');
  expect(c.plan.blocks.map((b) => [b.zones, b.listen.map((l) => `${l.host}:${l.port}`)])).toEqual([
    [['cluster.local'], ['169.254.20.10:53', '10.96.0.10:53']],
    [['in-addr.arpa'], ['169.254.20.10:53', '10.96.0.10:53']],
    [['ip6.arpa'], ['169.254.20.10:53', '10.96.0.10:53']],
    [[''], ['169.254.20.10:53', '10.96.0.10:53']],
  ]);
  expect(c.plan.blocks[0]).toMatchObject({ cache: { success: { capacity: 9984, maxTtl: 30 }, denial: { capacity: 9984, maxTtl: 5 } }, forward: { to: [{ host: '10.96.0.11', port: 53 }], forceTcp: true } });
  expect(c.options).toMatchObject({ health: { host: '169.254.20.10', port: 8080 }, metrics: { host: '0.0.0.0', port: 9253 }, ready: null });
});
