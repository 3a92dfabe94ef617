// API object -> slim record (STYLE rule 3). The one place that reads Kubernetes object
// fields: the snapshot loader and the API watcher both call convertObject, so a field is
// interpreted the same way whichever source it came from. Everything not listed in
// cluster/types.ts is dropped here.
import { RowsBuilder } from '../cluster/endpoint-set';
import type {
  EndpointSetRecord,
  NamespaceRecord,
  PodRecord,
  PortRecord,
  ServiceRecord,
} from '../cluster/types';
import { ipFamily, normalizeIP } from '../cluster/ip';

export type Converted =
  | { kind: 'Service'; record: ServiceRecord }
  | { kind: 'EndpointSet'; record: EndpointSetRecord }
  | { kind: 'Pod'; record: PodRecord }
  | { kind: 'Namespace'; record: NamespaceRecord };

/** A field of an object that is not what Kubernetes allows. */
export class FieldError extends Error {
  readonly code = 'CDNS_SNAPSHOT_FIELD';
  constructor(
    readonly field: string,
    readonly expected: string,
    readonly got: unknown,
  ) {
    super(`${field} must be ${expected}, got ${show(got)}`);
    this.name = 'FieldError';
  }
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? s.slice(0, 77) + '...' : s;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function obj(v: unknown, field: string, optional = false): Obj {
  if (v === undefined || v === null) {
    if (optional) return {};
    throw new FieldError(field, 'an object', v);
  }
  if (!isObj(v)) throw new FieldError(field, 'an object', v);
  return v;
}

function list(v: unknown, field: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new FieldError(field, 'a list', v);
  return v;
}

function str(v: unknown, field: string, fallback?: string): string {
  if ((v === undefined || v === null) && fallback !== undefined) return fallback;
  if (typeof v !== 'string') throw new FieldError(field, 'a string', v);
  return v;
}

// RFC 1123 label, as Kubernetes validates object names used in DNS.
const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function dnsLabel(v: unknown, field: string): string {
  const s = str(v, field);
  if (!LABEL.test(s)) throw new FieldError(field, 'a DNS label (lower-case a-z, 0-9, -; at most 63)', v);
  return s;
}

// Dotted-quad IPv4 already in canonical form (no leading zeros): nearly every address an API
// server sends; taken as it is, without the parse and re-format of normalizeIP.
const CANONICAL_V4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function ip(v: unknown, field: string, family?: 4 | 6): string {
  const s = str(v, field);
  if (family !== 6 && CANONICAL_V4.test(s)) return s;
  const f = ipFamily(s);
  if (f === 0 || (family && f !== family)) {
    throw new FieldError(field, family ? `an IPv${family} address` : 'an IP address', v);
  }
  return normalizeIP(s);
}

// Values that repeat across objects (namespaces, port names and protocols, StatefulSet
// hostnames, whole port lists such as [http/tcp/80]) are kept once and shared by every record
// holding them (issue 13). The table is bounded: when full it starts again, which only loses
// sharing, never a value.
const shared = new Map<string, unknown>();
const SHARED_MAX = 20_000;

function share<T>(key: string, value: T): T {
  const had = shared.get(key);
  if (had !== undefined) return had as T;
  if (shared.size >= SHARED_MAX) shared.clear();
  shared.set(key, value);
  return value;
}

const intern = (s: string): string => share(s, s);

/** A port list shared with every other record listing the same ports in the same order. */
function portList(ports: PortRecord[]): PortRecord[] {
  let key = '\0';
  for (const p of ports) key += `${p.name}/${p.protocol}/${p.port},`;
  return share(key, ports);
}

function port(p: unknown, field: string, allowMissing: boolean): PortRecord | null {
  const o = obj(p, field);
  if ((o.port === undefined || o.port === null) && allowMissing) return null;
  if (!Number.isInteger(o.port) || (o.port as number) < 1 || (o.port as number) > 65535) {
    throw new FieldError(`${field}.port`, '1-65535', o.port);
  }
  const proto = str(o.protocol, `${field}.protocol`, 'TCP');
  if (!/^(TCP|UDP|SCTP)$/i.test(proto)) throw new FieldError(`${field}.protocol`, 'TCP, UDP or SCTP', proto);
  return { name: intern(str(o.name, `${field}.name`, '')), protocol: intern(proto.toLowerCase()), port: o.port as number };
}

function meta(o: Obj, namespaced: boolean): { name: string; namespace: string; labels: Obj; annotations: Obj } {
  const m = obj(o.metadata, 'metadata');
  return {
    name: str(m.name, 'metadata.name'),
    namespace: namespaced ? intern(dnsLabel(m.namespace ?? 'default', 'metadata.namespace')) : '',
    labels: obj(m.labels, 'metadata.labels', true),
    annotations: obj(m.annotations, 'metadata.annotations', true),
  };
}

function service(o: Obj): ServiceRecord {
  const m = meta(o, true);
  dnsLabel(m.name, 'metadata.name');
  const spec = obj(o.spec, 'spec');
  const type = str(spec.type, 'spec.type', 'ClusterIP');
  if (!/^(ClusterIP|NodePort|LoadBalancer|ExternalName)$/.test(type)) {
    throw new FieldError('spec.type', 'ClusterIP, NodePort, LoadBalancer or ExternalName', type);
  }
  const ports: PortRecord[] = [];
  list(spec.ports, 'spec.ports').forEach((p, i) => ports.push(port(p, `spec.ports[${i}]`, false)!));
  // One object literal with every field in one order: records built by spreading a base
  // object came out in V8's slow dictionary mode, several times the size (issue 13).
  const rec: ServiceRecord = {
    namespace: m.namespace,
    name: m.name,
    kind: 'ClusterIP',
    clusterIPs: NO_IPS,
    externalName: '',
    ports: portList(ports),
    publishNotReadyAddresses: spec.publishNotReadyAddresses === true,
  };
  external(o, spec, rec);
  if (type === 'ExternalName') {
    const target = str(spec.externalName, 'spec.externalName').replace(/\.$/, '').toLowerCase();
    if (!target) throw new FieldError('spec.externalName', 'a DNS name', spec.externalName);
    rec.kind = 'ExternalName';
    rec.externalName = target;
    return rec;
  }
  const single = spec.clusterIP;
  // Dual-stack: spec.clusterIPs carries every family; spec.clusterIP is its first entry.
  const raw = single === 'None' ? ['None'] : spec.clusterIPs !== undefined ? list(spec.clusterIPs, 'spec.clusterIPs') : single === undefined || single === '' ? [] : [single];
  if (raw[0] === 'None') {
    rec.kind = 'Headless';
    return rec;
  }
  rec.clusterIPs = raw.map((v, i) => ip(v, spec.clusterIPs !== undefined ? `spec.clusterIPs[${i}]` : 'spec.clusterIP'));
  return rec;
}

/** The one empty address list every headless and ExternalName Service shares. */
const NO_IPS = Object.freeze([]) as unknown as string[];

/**
 * The addresses k8s_external serves: spec.externalIPs, then the load balancer's ingress IPs and
 * hostnames. Set only when present, so the 99% of Services without them carry no extra field.
 */
function external(o: Obj, spec: Obj, into: { externalIPs?: string[]; externalHosts?: string[] }): void {
  const ips = list(spec.externalIPs, 'spec.externalIPs').map((v, i) => ip(v, `spec.externalIPs[${i}]`));
  const hosts: string[] = [];
  const lb = obj(obj(o.status, 'status', true).loadBalancer, 'status.loadBalancer', true);
  list(lb.ingress, 'status.loadBalancer.ingress').forEach((g, i) => {
    const f = `status.loadBalancer.ingress[${i}]`;
    const go = obj(g, f);
    if (go.ip !== undefined && go.ip !== null && go.ip !== '') ips.push(ip(go.ip, `${f}.ip`));
    else if (go.hostname !== undefined && go.hostname !== null && go.hostname !== '') {
      const h = str(go.hostname, `${f}.hostname`).replace(/\.$/, '').toLowerCase();
      if (!/^[a-z0-9_]([-a-z0-9_]*)(\.[a-z0-9_][-a-z0-9_]*)*$/.test(h)) throw new FieldError(`${f}.hostname`, 'a DNS name', go.hostname);
      hosts.push(h);
    }
  });
  if (ips.length > 0) into.externalIPs = ips;
  if (hosts.length > 0) into.externalHosts = hosts;
}

const TRIGGER = 'endpoints.kubernetes.io/last-change-trigger-time';

function triggerTime(annotations: Obj): number {
  const t = annotations[TRIGGER];
  const ms = typeof t === 'string' ? Date.parse(t) : NaN;
  return Number.isFinite(ms) ? ms : 0;
}

function podRef(ref: unknown, field: string): string {
  if (ref === undefined || ref === null) return '';
  const r = obj(ref, field);
  return r.kind === 'Pod' && typeof r.name === 'string' ? r.name : '';
}

function endpointSlice(o: Obj): EndpointSetRecord | null {
  const m = meta(o, true);
  const service = m.labels['kubernetes.io/service-name'];
  // A slice without the service-name label belongs to no Service: nothing to answer.
  if (typeof service !== 'string' || service === '') return null;
  const addressType = str(o.addressType, 'addressType');
  if (addressType === 'FQDN') return null; // deprecated and never served by cluster DNS
  if (addressType !== 'IPv4' && addressType !== 'IPv6') throw new FieldError('addressType', 'IPv4, IPv6 or FQDN', addressType);
  const family = addressType === 'IPv4' ? 4 : 6;
  const rows = new RowsBuilder();
  list(o.endpoints, 'endpoints').forEach((e, i) => {
    const f = `endpoints[${i}]`;
    const eo = obj(e, f);
    const cond = obj(eo.conditions, `${f}.conditions`, true);
    // discovery.k8s.io/v1: a nil ready condition means ready (SPEC §2, Readiness).
    const ready = cond.ready === undefined || cond.ready === null ? true : cond.ready === true;
    rows.add(
      list(eo.addresses, `${f}.addresses`).map((a, j) => ip(a, `${f}.addresses[${j}]`, family)),
      ready,
      eo.hostname === undefined || eo.hostname === null ? '' : intern(dnsLabel(eo.hostname, `${f}.hostname`)),
      podRef(eo.targetRef, `${f}.targetRef`),
    );
  });
  const ports: PortRecord[] = [];
  list(o.ports, 'ports').forEach((p, i) => {
    const r = port(p, `ports[${i}]`, true);
    if (r) ports.push(r);
  });
  return setRecord('slice', m.namespace, m.name, service, portList(ports), rows, triggerTime(m.annotations));
}

function endpoints(o: Obj): EndpointSetRecord {
  const m = meta(o, true);
  const rows = new RowsBuilder();
  const ports: PortRecord[] = [];
  const seenPort = new Set<string>();
  list(o.subsets, 'subsets').forEach((s, i) => {
    const so = obj(s, `subsets[${i}]`);
    const take = (key: 'addresses' | 'notReadyAddresses', ready: boolean) =>
      list(so[key], `subsets[${i}].${key}`).forEach((a, j) => {
        const f = `subsets[${i}].${key}[${j}]`;
        const ao = obj(a, f);
        rows.add(
          [ip(ao.ip, `${f}.ip`)],
          ready,
          ao.hostname === undefined || ao.hostname === null || ao.hostname === '' ? '' : intern(dnsLabel(ao.hostname, `${f}.hostname`)),
          podRef(ao.targetRef, `${f}.targetRef`),
        );
      });
    take('addresses', true);
    take('notReadyAddresses', false);
    // Subsets rarely differ in ports; the union is kept (one port list per set) to stay slim.
    list(so.ports, `subsets[${i}].ports`).forEach((p, k) => {
      const r = port(p, `subsets[${i}].ports[${k}]`, false)!;
      const key = `${r.name}/${r.protocol}/${r.port}`;
      if (!seenPort.has(key)) { seenPort.add(key); ports.push(r); }
    });
  });
  return setRecord('endpoints', m.namespace, m.name, m.name, portList(ports), rows, triggerTime(m.annotations));
}

/** The record as one literal with its fields in one order (one hidden class, fast properties). */
function setRecord(source: 'slice' | 'endpoints', namespace: string, name: string, service: string, ports: PortRecord[], rows: RowsBuilder, trigger: number): EndpointSetRecord {
  const c = rows.columns();
  return { source, namespace, name, service, ports, addresses: c.addresses, notReady: c.notReady, hostnames: c.hostnames, podNames: c.podNames, triggerTime: trigger };
}

function pod(o: Obj): PodRecord {
  const m = meta(o, true);
  const status = obj(o.status, 'status', true);
  const ips: string[] = [];
  if (status.podIPs !== undefined) {
    list(status.podIPs, 'status.podIPs').forEach((p, i) => ips.push(ip(obj(p, `status.podIPs[${i}]`).ip, `status.podIPs[${i}].ip`)));
  } else if (status.podIP !== undefined && status.podIP !== '') {
    ips.push(ip(status.podIP, 'status.podIP'));
  }
  return { namespace: m.namespace, name: m.name, ips };
}

/**
 * The slim record of one API object, or null for kinds DNS does not read (ConfigMaps,
 * Deployments, ... in a snapshot). Throws FieldError naming the first bad field.
 */
export function convertObject(input: unknown): Converted | null {
  const o = obj(input, '(object)');
  const kind = str(o.kind, 'kind');
  switch (kind) {
    case 'Service':
      return { kind: 'Service', record: service(o) };
    case 'EndpointSlice': {
      const r = endpointSlice(o);
      return r ? { kind: 'EndpointSet', record: r } : null;
    }
    case 'Endpoints':
      return { kind: 'EndpointSet', record: endpoints(o) };
    case 'Pod':
      return { kind: 'Pod', record: pod(o) };
    case 'Namespace': {
      const m = meta(o, false);
      return { kind: 'Namespace', record: { name: dnsLabel(m.name, 'metadata.name') } };
    }
    default:
      return null;
  }
}
