// The deployment manifests agree with the code: RBAC grants exactly what the watcher reads,
// probes and ports are the ones the server opens with the shipped config, the Service finds
// the pods, the ConfigMap is a valid config file, and kustomize sees every file.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadConfigFile, mergeOptions } from '../../src/config/file';
import { flagsToOptions } from '../../src/config/flags';
import { DEFAULTS, type Options } from '../../src/config/options';
import { validateOptions } from '../../src/config/validate';
import { WATCH_VERBS, WATCHED_RESOURCES } from '../../src/sources/resources';

/** Manifests are untyped YAML. */
type Obj = any;

const DIR = join(__dirname, '..', '..', 'manifests');
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'));

function load(file: string): Obj[] {
  const docs = parseAllDocuments(readFileSync(join(DIR, file), 'utf8'));
  if (!Array.isArray(docs)) throw new Error(`${file}: not YAML`);
  for (const d of docs) if (d.errors.length > 0) throw new Error(`${file}: ${d.errors[0].message}`);
  return docs.map((d) => d.toJS()).filter((o) => o !== null);
}

const objects = files.filter((f) => f !== 'kustomization.yaml').flatMap((f) => load(f).map((o) => ({ file: f, o })));

function one(kind: string, name?: string): Obj {
  const found = objects.filter(({ o }) => o.kind === kind && (name === undefined || o.metadata?.name === name));
  if (found.length !== 1) throw new Error(`expected exactly one ${kind}${name ? ' ' + name : ''} in manifests/, found ${found.length}`);
  return found[0].o;
}

const kustomization = load('kustomization.yaml')[0];
const deployment = one('Deployment');
const service = one('Service', 'kube-dns');
const configMap = one('ConfigMap', 'clusterdns');
const settings = one('ConfigMap', 'clusterdns-settings');
const podSpec = deployment.spec.template.spec;
const container = podSpec.containers.find((c: Obj) => c.name === 'clusterdns');
const podLabels: Record<string, string> = deployment.spec.template.metadata.labels;

/** The container args as commander would hand them to flagsToOptions (--flag value, --flag=value, --switch). */
function argsToFlags(args: string[]): Record<string, unknown> {
  const switches = new Set(['endpointPodNames', 'ignoreEmptyService', 'logQueries', 'demoHint']);
  const out: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(args[i]);
    if (!m) throw new Error(`unexpected container arg ${args[i]}`);
    const key = m[1].replace(/-([a-z])/g, (_, ch: string) => ch.toUpperCase());
    const value = switches.has(key) ? true : (m[2] ?? args[++i]);
    out[key] = key in out ? [out[key], value].flat() : value;
  }
  return out;
}

/** What the container runs with: DEFAULTS < the ConfigMap's config.yaml < the container args. */
let effective: Options;
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'clusterdns-manifests-'));
  const flags = argsToFlags(container.args ?? []);
  const path = join(tmp, 'config.yaml');
  writeFileSync(path, configMap.data['config.yaml']);
  effective = validateOptions(mergeOptions(DEFAULTS, loadConfigFile(path), { ...flagsToOptions(flags), config: path }));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('kustomization', () => {
  test('lists every manifest file, and only files that exist', () => {
    const listed: string[] = kustomization.resources;
    expect([...listed].sort()).toEqual(files.filter((f) => f !== 'kustomization.yaml').sort());
  });

  test('namespace kube-system; every namespaced object says so itself too (kubectl apply -f works alike)', () => {
    expect(kustomization.namespace).toBe('kube-system');
    for (const { file, o } of objects) {
      if (['ClusterRole', 'ClusterRoleBinding'].includes(o.kind) || o === settings) continue;
      expect([file, o.metadata.namespace]).toEqual([file, 'kube-system']);
    }
  });

  test('the image of the Deployment is the one the images block sets', () => {
    const image: string = container.image;
    const entry = kustomization.images.find((i: Obj) => image.startsWith(i.name + ':'));
    expect(entry).toBeDefined();
    expect(image).toBe(`${entry.name}:${entry.newTag}`);
  });

  test('settings.yaml is local config, and its values are the ones in the Service and the config file', () => {
    expect(settings.metadata.annotations['config.kubernetes.io/local-config']).toBe('true');
    expect(service.spec.clusterIP).toBe(settings.data.clusterIP);
    expect(effective.clusterDomain).toBe(settings.data.clusterDomain);
  });

  test('the clusterDomain replacement hits the clusterDomain: the first "-delimited part of config.yaml', () => {
    const r = kustomization.replacements.find((x: Obj) => x.source.fieldPath === 'data.clusterDomain');
    const target = r.targets[0];
    expect(target.select).toEqual({ kind: 'ConfigMap', name: 'clusterdns' });
    expect(target.fieldPaths).toEqual(['data.[config.yaml]']);
    expect(target.options).toEqual({ delimiter: '"', index: 1 });
    const text: string = configMap.data['config.yaml'];
    const parts = text.split('"');
    expect(parts[0].trimEnd().endsWith('clusterDomain:')).toBe(true);
    expect(parts[1]).toBe(settings.data.clusterDomain);
    const ip = kustomization.replacements.find((x: Obj) => x.source.fieldPath === 'data.clusterIP');
    expect(ip.targets).toEqual([{ select: { kind: 'Service', name: 'kube-dns' }, fieldPaths: ['spec.clusterIP'] }]);
  });
});

describe('RBAC', () => {
  const role = one('ClusterRole');

  test('the ClusterRole grants list and watch on exactly WATCHED_RESOURCES, nothing else', () => {
    const granted = new Set<string>();
    for (const rule of role.rules) {
      expect(rule.resourceNames).toBeUndefined();
      expect(rule.nonResourceURLs).toBeUndefined();
      for (const verb of rule.verbs) expect(WATCH_VERBS).toContain(verb);
      for (const g of rule.apiGroups) for (const r of rule.resources) for (const v of rule.verbs) granted.add(`${g}/${r}/${v}`);
    }
    const wanted = new Set(WATCHED_RESOURCES.flatMap(({ group, resource }) => WATCH_VERBS.map((v) => `${group}/${resource}/${v}`)));
    expect([...granted].sort()).toEqual([...wanted].sort());
    expect(WATCH_VERBS).toEqual(['list', 'watch']);
  });

  test('the binding gives that role to the service account the pods run as', () => {
    const binding = one('ClusterRoleBinding');
    const sa = one('ServiceAccount');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: sa.metadata.namespace }]);
    expect(podSpec.serviceAccountName).toBe(sa.metadata.name);
  });
});

describe('Deployment', () => {
  test('probes are on the health and ready listeners the server opens (and on DEFAULTS)', () => {
    const live = container.livenessProbe.httpGet;
    const ready = container.readinessProbe.httpGet;
    expect([live.path, live.port]).toEqual(['/health', DEFAULTS.health?.port]);
    expect([ready.path, ready.port]).toEqual(['/ready', DEFAULTS.ready?.port]);
    expect(effective.health?.port).toBe(live.port);
    expect(effective.ready?.port).toBe(ready.port);
    // The kubelet probes the pod IP: the listeners must not be loopback-only.
    for (const hp of [effective.health, effective.ready, effective.metrics]) expect(['0.0.0.0', '::']).toContain(hp?.host);
  });

  test('container ports are the ones the server listens on', () => {
    const port = (name: string) => container.ports.find((p: Obj) => p.name === name);
    expect(port('dns')).toEqual({ name: 'dns', containerPort: 53, protocol: 'UDP' });
    expect(port('dns-tcp')).toEqual({ name: 'dns-tcp', containerPort: 53, protocol: 'TCP' });
    expect(port('metrics')).toEqual({ name: 'metrics', containerPort: 9153, protocol: 'TCP' });
    expect(effective.listen.map((l) => l.port)).toEqual([53]);
    expect(['0.0.0.0', '::']).toContain(effective.listen[0].host);
    expect(effective.metrics?.port).toBe(9153);
  });

  test('the config file is the mounted ConfigMap, as a directory (updates reach the pod)', () => {
    const args: string[] = container.args;
    const path = args[args.indexOf('--config') + 1];
    const mount = container.volumeMounts.find((m: Obj) => path.startsWith(m.mountPath + '/'));
    expect(mount).toBeDefined();
    expect(mount.subPath).toBeUndefined();
    expect(mount.readOnly).toBe(true);
    const volume = podSpec.volumes.find((v: Obj) => v.name === mount.name);
    expect(volume.configMap.name).toBe(configMap.metadata.name);
    const item = volume.configMap.items.find((i: Obj) => join(mount.mountPath, i.path) === path);
    expect(item.key).toBe('config.yaml');
  });

  test('termination grace outlasts the lame duck', () => {
    expect(podSpec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(DEFAULTS.lameDuckMs);
    expect(podSpec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(effective.lameDuckMs);
  });

  test('shape of a cluster DNS Deployment (SPEC §5)', () => {
    expect(deployment.metadata.namespace).toBe('kube-system');
    expect(deployment.spec.replicas).toBe(2);
    expect(podLabels['k8s-app']).toBe('kube-dns');
    for (const [k, v] of Object.entries(deployment.spec.selector.matchLabels)) expect(podLabels[k]).toBe(v);
    expect(podSpec.priorityClassName).toBe('system-cluster-critical');
    expect(podSpec.dnsPolicy).toBe('Default');
    const anti = podSpec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm;
    expect(anti.topologyKey).toBe('kubernetes.io/hostname');
    expect(anti.labelSelector.matchExpressions).toEqual([{ key: 'k8s-app', operator: 'In', values: ['kube-dns'] }]);
    expect(podSpec.tolerations).toEqual(
      expect.arrayContaining([
        { key: 'CriticalAddonsOnly', operator: 'Exists' },
        { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
      ]),
    );
    expect(container.resources).toEqual({ requests: { cpu: '100m', memory: '70Mi' }, limits: { memory: '170Mi' } });
  });

  test('security: non-root, read-only root, only NET_BIND_SERVICE, no privilege escalation, port 53 bindable', () => {
    expect(podSpec.securityContext.runAsNonRoot).toBe(true);
    expect(podSpec.securityContext.runAsUser).toBe(65532);
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] },
    });
    const sysctl = podSpec.securityContext.sysctls.find((s: Obj) => s.name === 'net.ipv4.ip_unprivileged_port_start');
    expect(Number(sysctl.value)).toBeLessThanOrEqual(Math.min(...effective.listen.map((l) => l.port)));
  });
});

describe('Service kube-dns', () => {
  test('selects the Deployment pods', () => {
    expect(service.spec.selector).toEqual({ 'k8s-app': 'kube-dns' });
    for (const [k, v] of Object.entries(service.spec.selector)) expect(podLabels[k]).toBe(v);
  });

  test('ports match container ports by name, protocol and number', () => {
    expect(service.spec.ports.map((p: Obj) => [p.name, p.protocol, p.port])).toEqual([
      ['dns', 'UDP', 53],
      ['dns-tcp', 'TCP', 53],
      ['metrics', 'TCP', 9153],
    ]);
    for (const p of service.spec.ports) {
      const c = container.ports.find((cp: Obj) => cp.name === (p.targetPort ?? p.name));
      expect(c).toBeDefined();
      expect([c.protocol, c.containerPort]).toEqual([p.protocol, p.port]);
    }
  });

  test('where kubelet looks: kube-system, 10.96.0.10, the Prometheus annotations', () => {
    expect(service.metadata.namespace).toBe('kube-system');
    expect(service.spec.clusterIP).toBe('10.96.0.10');
    expect(service.metadata.labels['k8s-app']).toBe('kube-dns');
    expect(service.metadata.annotations).toEqual({ 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' });
  });
});

describe('ConfigMap', () => {
  test('config.yaml loads with loadConfigFile and validates, using the kube-dns keys', () => {
    const text: string = configMap.data['config.yaml'];
    expect(text).toMatch(/^stubDomains:/m);
    expect(text).toMatch(/^upstreamNameservers:/m);
    expect(effective.clusterDomain).toBe('cluster.local');
    expect(effective.stubDomains).toEqual([]);
    expect(effective.upstream).toBeNull(); // empty upstreamNameservers: the node's resolv.conf
    expect(effective.ttl).toBe(30);
  });
});

test('PodDisruptionBudget covers these pods and leaves one serving', () => {
  const pdb = one('PodDisruptionBudget');
  for (const [k, v] of Object.entries(pdb.spec.selector.matchLabels)) expect(podLabels[k]).toBe(v);
  expect(pdb.spec.maxUnavailable === 1 || pdb.spec.minAvailable === 1).toBe(true);
  expect(deployment.spec.replicas).toBeGreaterThan(1);
});
