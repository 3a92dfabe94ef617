// Slim records: the few fields DNS needs, copied from API objects the moment they arrive
// (STYLE rule 3, after CoreDNS plugin/kubernetes/object). Every extra field here is paid for
// once per object at 150,000 pods; add one only when an answer rule reads it.
import type { PackedIP } from './ip';

export interface PortRecord {
  /** Port name; '' for an unnamed port (no `_port._proto` name, SPEC §2). */
  name: string;
  /** 'tcp' | 'udp' | 'sctp', lower-cased. */
  protocol: string;
  port: number;
}

export type ServiceKind = 'ClusterIP' | 'Headless' | 'ExternalName';

export interface ServiceRecord {
  namespace: string;
  name: string;
  kind: ServiceKind;
  /** spec.clusterIPs (fallback spec.clusterIP), normalised; empty for headless/ExternalName. */
  clusterIPs: string[];
  /** spec.externalName without trailing dot, for kind ExternalName. */
  externalName: string;
  ports: PortRecord[];
  publishNotReadyAddresses: boolean;
  /**
   * spec.externalIPs then status.loadBalancer.ingress[].ip, normalised (k8s_external, as
   * CoreDNS's object.Service merges them); undefined when there are none (most Services).
   */
  externalIPs?: string[];
  /** status.loadBalancer.ingress[].hostname, lower-case, no trailing dot (a CNAME in k8s_external); undefined when none. */
  externalHosts?: string[];
}

/**
 * One EndpointSlice (discovery.k8s.io/v1) or one core/v1 Endpoints object, both reduced to
 * the same shape. A Service's endpoints are the merge of all its sets (SPEC §2, Readiness).
 *
 * Endpoints are stored as columns, one row per address (an endpoint listing two addresses is
 * two rows with the same fields), with no object per endpoint: at 150,000 endpoints a record
 * and an address string per endpoint cost more than everything else in the view (issue 13;
 * cluster/endpoint-set.ts reads the rows back).
 */
export interface EndpointSetRecord {
  /** 'slice' for EndpointSlice, 'endpoints' for core/v1 Endpoints. */
  source: 'slice' | 'endpoints';
  namespace: string;
  /** Object name (a slice's own name; for Endpoints, the service name). */
  name: string;
  /** The Service this set belongs to (label kubernetes.io/service-name, or the Endpoints name). */
  service: string;
  ports: PortRecord[];
  /** The address of each row, packed (cluster/ip.ts packIP): IPv4 as an int32, IPv6 as text. */
  addresses: PackedIP[];
  /** The rows that are not ready, ascending; null when every row is ready (the common case). */
  notReady: number[] | null;
  /** Each row's spec hostname (StatefulSet pods), joined by '\n'; '' when no row has one. */
  hostnames: string;
  /** Each row's target Pod name (targetRef.kind == Pod), joined by '\n'; '' when no row has one. */
  podNames: string;
  /** endpoints.kubernetes.io/last-change-trigger-time, ms since epoch; 0 when absent. */
  triggerTime: number;
}

export interface PodRecord {
  namespace: string;
  name: string;
  ips: string[];
}

export interface NamespaceRecord {
  name: string;
}

export type ObjectKind = 'Service' | 'EndpointSet' | 'Pod' | 'Namespace';

export interface KindRecords {
  Service: ServiceRecord;
  EndpointSet: EndpointSetRecord;
  Pod: PodRecord;
  Namespace: NamespaceRecord;
}

/** A full set of records, as a snapshot file or a fresh list gives them. */
export interface ClusterObjects {
  services: ServiceRecord[];
  endpointSets: EndpointSetRecord[];
  pods: PodRecord[];
  namespaces: NamespaceRecord[];
}

/**
 * What a source (sources/snapshot.ts, sources/kubernetes.ts) talks to. Sources know nothing
 * about DNS; the view knows nothing about where objects come from (DESIGN §2).
 */
export interface ClusterSink {
  upsert<K extends ObjectKind>(kind: K, record: KindRecords[K]): void;
  /** Delete by key, as recordKey() makes it. */
  remove(kind: ObjectKind, key: string): void;
  /** Replace every record of one kind at once (a re-list after 410 Gone): one atomic swap. */
  replaceKind<K extends ObjectKind>(kind: K, records: KindRecords[K][]): void;
  /** Replace the whole view at once (a snapshot reload). */
  replaceAll(objects: ClusterObjects): void;
  /** The source has completed its first full list of every kind it watches. */
  markSynced(): void;
  /** The record held under a key (recordKey()), if any: a reload reuses it when unchanged. */
  held<K extends ObjectKind>(kind: K, key: string): KindRecords[K] | undefined;
}

/**
 * The key of a record within its kind: `namespace/name`, a Namespace's `name`, and for
 * endpoint sets `slice:namespace/name` or `endpoints:namespace/name` (an EndpointSlice and
 * an Endpoints object may share a name).
 */
export function recordKey(kind: ObjectKind, r: { namespace?: string; name: string; source?: string }): string {
  if (kind === 'Namespace') return r.name;
  if (kind === 'EndpointSet') return `${r.source}:${r.namespace}/${r.name}`;
  return `${r.namespace}/${r.name}`;
}
