// Builders for the table tests of cluster/ (test/cluster/): slim records in one line each, a
// synced ClusterStore + ClusterZone over them, and a compact text form of an AnswerSet.
import path from 'node:path';
import { RowsBuilder } from '../../src/cluster/endpoint-set';
import { ClusterStore } from '../../src/cluster/store';
import { ClusterZone } from '../../src/cluster/zone';
import type { ClusterZoneOptions } from '../../src/cluster/context';
import type {
  ClusterObjects,
  EndpointSetRecord,
  PodRecord,
  PortRecord,
  ServiceRecord,
} from '../../src/cluster/types';
import type { AnswerSet, Record as RR } from '../../src/dns/records';
import { rcodeName } from '../../src/dns/constants';
import { loadSnapshot } from '../../src/sources/snapshot';

export const OPTS: ClusterZoneOptions = {
  domain: 'cluster.local',
  ttl: 30,
  pods: 'insecure',
  namespaces: null,
  endpointPodNames: false,
  ignoreEmptyService: false,
  reverseZones: null,
};

export const port = (name: string, p: number, protocol = 'tcp'): PortRecord => ({ name, protocol, port: p });

export function service(ns: string, name: string, o: Partial<ServiceRecord> = {}): ServiceRecord {
  const clusterIPs = o.clusterIPs ?? [];
  return {
    namespace: ns,
    name,
    kind: o.kind ?? (clusterIPs.length ? 'ClusterIP' : 'Headless'),
    clusterIPs,
    externalName: o.externalName ?? '',
    ports: o.ports ?? [],
    publishNotReadyAddresses: o.publishNotReadyAddresses ?? false,
  };
}

/** One endpoint as a test writes it; slice() packs them into the set's columns. */
export interface EndpointRecord {
  addresses: string[];
  ready: boolean;
  hostname: string;
  podName: string;
}

export const ep = (address: string, o: Partial<EndpointRecord> = {}): EndpointRecord => ({
  addresses: [address],
  ready: o.ready ?? true,
  hostname: o.hostname ?? '',
  podName: o.podName ?? '',
});

export function slice(ns: string, svc: string, name: string, endpoints: EndpointRecord[], ports: PortRecord[] = [], source: 'slice' | 'endpoints' = 'slice'): EndpointSetRecord {
  const rows = new RowsBuilder();
  for (const e of endpoints) rows.add(e.addresses, e.ready, e.hostname, e.podName);
  return { source, namespace: ns, name, service: svc, ports, ...rows.columns(), triggerTime: 0 };
}

export const pod = (ns: string, name: string, ...ips: string[]): PodRecord => ({ namespace: ns, name, ips });

export function objects(o: Partial<ClusterObjects>): ClusterObjects {
  return { services: o.services ?? [], endpointSets: o.endpointSets ?? [], pods: o.pods ?? [], namespaces: o.namespaces ?? [] };
}

/** A synced store holding `o` (or not synced, for the SERVFAIL-before-sync rule). */
export function storeOf(o: Partial<ClusterObjects>, synced = true): ClusterStore {
  const store = new ClusterStore();
  store.replaceAll(objects(o));
  if (synced) store.markSynced();
  return store;
}

export function zoneOf(o: Partial<ClusterObjects>, opts: Partial<ClusterZoneOptions> = {}, synced = true): ClusterZone {
  return new ClusterZone(storeOf(o, synced), { ...OPTS, ...opts });
}

/** The e2e fixture as a zone, for CoreDNS handler_test-style rows. */
export function fixtureZone(opts: Partial<ClusterZoneOptions> = {}): ClusterZone {
  return new ClusterZone(fixtureStore(), { ...OPTS, ...opts });
}

export function fixtureStore(): ClusterStore {
  const store = new ClusterStore();
  store.replaceAll(loadSnapshot(path.join(__dirname, '..', 'fixtures', 'cluster.yaml')));
  store.markSynced();
  return store;
}

export function rr(r: RR): string {
  const d = r.data as unknown;
  let data: string;
  if (r.type === 'SRV') {
    const s = d as { priority: number; weight: number; port: number; target: string };
    data = `${s.priority} ${s.weight} ${s.port} ${s.target}`;
  } else if (r.type === 'SOA') {
    const s = d as { mname: string; rname: string; refresh: number; retry: number; expire: number; minimum: number };
    data = `${s.mname} ${s.rname} ${s.refresh} ${s.retry} ${s.expire} ${s.minimum}`;
  } else if (Array.isArray(d)) data = d.map((x) => JSON.stringify(String(x))).join(' ');
  else data = String(d);
  return `${r.name} ${r.ttl} ${r.type} ${data}`;
}

/** `RCODE` then answer lines sorted; authority lines prefixed `ns:`, additional `ar:`; AA as `aa`. */
export function fmt(set: AnswerSet | null): string[] {
  if (set === null) return ['PASS'];
  return [
    `${rcodeName(set.rcode)}${set.authoritative ? ' aa' : ''}`,
    ...set.answers.map(rr).sort(),
    ...set.authority.map((r) => `ns: ${rr(r)}`),
    ...set.additional.map((r) => `ar: ${rr(r)}`).sort(),
  ];
}

/** The short form used in the tables: rcode plus `TYPE data` of the answers. */
export function short(set: AnswerSet | null): string {
  if (set === null) return 'PASS';
  const neg = set.answers.length === 0 && set.rcode === 0 ? 'NODATA' : rcodeName(set.rcode);
  const soa = set.authority.length ? ` soa:${set.authority.map((r) => r.name).join(',')}` : '';
  const data = (r: RR) => (r.type === 'SRV' ? rr(r).split(' ').slice(3).join(' ') : r.type === 'SOA' ? r.name : Array.isArray(r.data) ? r.data.join(' ') : String(r.data));
  const ans = set.answers.map((r) => ` ${r.type} ${data(r)}`).sort().join('');
  return `${neg}${ans}${soa}`;
}
