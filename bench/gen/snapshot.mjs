// The model as Kubernetes objects for `clusterdns serve --snapshot`: Namespaces, Services
// (ClusterIP with named ports, dual-stack, headless, ExternalName) and discovery.k8s.io/v1
// EndpointSlices, with the metadata a real API server adds (uid, resourceVersion, labels,
// targetRef, nodeName, zone) so that the slimming at the door is exercised as in a cluster.
// YAML is written by a small emitter rather than the yaml package: 150,000 endpoints must be
// written in a second or two.
import { writeFileSync } from 'node:fs';

function uid(n) {
  const h = (n >>> 0).toString(16).padStart(8, '0');
  return `${h}-0000-4000-8000-${h}${h.slice(0, 4)}`;
}

function suffix(n) {
  const a = 'bcdfghjklmnpqrstvwxz2456789';
  let s = '';
  for (let i = 0, x = (n * 2654435761) >>> 0; i < 5; i++, x = Math.floor(x / a.length)) s += a[x % a.length];
  return s;
}

const CREATED = '2024-06-01T00:00:00Z';

export function* objects(model) {
  let n = 1;
  for (const ns of model.namespaces) {
    yield { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, uid: uid(n++), resourceVersion: String(n), creationTimestamp: CREATED, labels: { 'kubernetes.io/metadata.name': ns } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
  }
  for (const svc of model.services) {
    const meta = { name: svc.name, namespace: svc.ns, uid: uid(n++), resourceVersion: String(n), creationTimestamp: CREATED, labels: { app: svc.name } };
    const ports = svc.ports.map((p) => {
      const o = {};
      if (p.name) o.name = p.name;
      o.protocol = p.protocol;
      o.port = p.port;
      o.targetPort = p.port;
      return o;
    });
    let spec;
    if (svc.kind === 'ExternalName') {
      spec = { type: 'ExternalName', externalName: svc.externalName, sessionAffinity: 'None' };
    } else if (svc.kind === 'Headless') {
      const fam = svc.slices.map((s) => s.addressType);
      spec = { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], ipFamilies: fam, ipFamilyPolicy: fam.length > 1 ? 'PreferDualStack' : 'SingleStack', ports, selector: { app: svc.name }, sessionAffinity: 'None', publishNotReadyAddresses: false };
    } else {
      const fam = svc.clusterIPs.map((ip) => (ip.includes(':') ? 'IPv6' : 'IPv4'));
      spec = { type: 'ClusterIP', clusterIP: svc.clusterIPs[0], clusterIPs: svc.clusterIPs, ipFamilies: fam, ipFamilyPolicy: fam.length > 1 ? 'PreferDualStack' : 'SingleStack', ports, selector: { app: svc.name }, sessionAffinity: 'None', internalTrafficPolicy: 'Cluster' };
    }
    yield { apiVersion: 'v1', kind: 'Service', metadata: meta, spec, status: { loadBalancer: {} } };
    for (const slice of svc.slices) {
      const sn = n++;
      yield {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: `${svc.name}-${suffix(sn)}`, namespace: svc.ns, uid: uid(sn), resourceVersion: String(sn), creationTimestamp: CREATED,
          generateName: `${svc.name}-`,
          labels: { 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', 'kubernetes.io/service-name': svc.name },
          annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': CREATED },
          ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: svc.name, uid: meta.uid, controller: true, blockOwnerDeletion: true }],
        },
        addressType: slice.addressType,
        ports: slice.ports.map((p) => (p.name ? { name: p.name, protocol: p.protocol, port: p.port } : { protocol: p.protocol, port: p.port })),
        endpoints: slice.endpoints.map((ep, j) => {
          const o = { addresses: ep.addresses, conditions: { ready: ep.ready, serving: ep.ready, terminating: false } };
          if (ep.hostname) o.hostname = ep.hostname;
          o.nodeName = ep.node;
          o.targetRef = { kind: 'Pod', name: ep.podName, namespace: svc.ns, uid: uid(sn * 1000 + j) };
          o.zone = `zone-${j % 3}`;
          return o;
        }),
      };
    }
  }
}

// ------------------------------------------------------------------------ YAML emitter ---
const RESERVED = /^(true|false|yes|no|on|off|null|~|y|n)$/i;
const NUMBER = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const PLAIN = /^[A-Za-z0-9][A-Za-z0-9_./-]*$/;

function scalar(v) {
  if (typeof v !== 'string') return String(v);
  return PLAIN.test(v) && !RESERVED.test(v) && !NUMBER.test(v) ? v : JSON.stringify(v);
}

function isScalar(v) {
  return v === null || typeof v !== 'object';
}

function emitMap(o, pad, out, firstPrefix) {
  let first = true;
  for (const [k, v] of Object.entries(o)) {
    const p = first && firstPrefix !== undefined ? firstPrefix : pad;
    first = false;
    if (isScalar(v)) out.push(`${p}${k}: ${scalar(v)}`);
    else if (Array.isArray(v)) {
      if (v.length === 0) out.push(`${p}${k}: []`);
      else if (v.every(isScalar)) out.push(`${p}${k}: [${v.map(scalar).join(', ')}]`);
      else {
        out.push(`${p}${k}:`);
        for (const item of v) emitMap(item, `${pad}  `, out, `${pad}- `);
      }
    } else if (Object.keys(v).length === 0) out.push(`${p}${k}: {}`);
    else {
      out.push(`${p}${k}:`);
      emitMap(v, `${pad}  `, out);
    }
  }
}

export function toYaml(obj) {
  const out = [];
  emitMap(obj, '', out);
  return out.join('\n');
}

/** Write the snapshot; format 'yaml' (multi-document) or 'json' (one v1 List). */
export function writeSnapshot(path, model, format) {
  if (format === 'json') {
    writeFileSync(path, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [...objects(model)] }));
    return;
  }
  const docs = ['# generated by bench/gen-cluster.mjs'];
  for (const o of objects(model)) docs.push(`---\n${toYaml(o)}`);
  writeFileSync(path, `${docs.join('\n')}\n`);
}
