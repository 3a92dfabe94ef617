// How to reach each resource DNS reads and which sink kind it feeds. Which resources are
// watched is fixed in resources.ts (shared with the RBAC manifest test); this table adds the
// paths and kinds, and refuses to load if the two disagree.
import type { ObjectKind } from '../cluster/types';
import { WATCHED_RESOURCES } from './resources';

export type ResourceName = 'services' | 'endpointslices' | 'endpoints' | 'namespaces' | 'pods';

export interface ResourceDef {
  /** Plural resource name, as RBAC rules and logs name it. */
  name: ResourceName;
  /** API group for RBAC messages ('' = core). */
  group: string;
  /** Cluster-wide collection path (all namespaces). */
  path: string;
  /** `kind` of one object; list items arrive without it and get it set before conversion. */
  kind: string;
  sinkKind: ObjectKind;
  namespaced: boolean;
  /** Prefix of the sink key (cluster/types.ts recordKey): endpoint sets from slices and Endpoints may share a name. */
  keyPrefix: string;
}

export const RESOURCES: Record<ResourceName, ResourceDef> = {
  services: { name: 'services', group: '', path: '/api/v1/services', kind: 'Service', sinkKind: 'Service', namespaced: true, keyPrefix: '' },
  endpointslices: {
    name: 'endpointslices',
    group: 'discovery.k8s.io',
    path: '/apis/discovery.k8s.io/v1/endpointslices',
    kind: 'EndpointSlice',
    sinkKind: 'EndpointSet',
    namespaced: true,
    keyPrefix: 'slice:',
  },
  endpoints: { name: 'endpoints', group: '', path: '/api/v1/endpoints', kind: 'Endpoints', sinkKind: 'EndpointSet', namespaced: true, keyPrefix: 'endpoints:' },
  namespaces: { name: 'namespaces', group: '', path: '/api/v1/namespaces', kind: 'Namespace', sinkKind: 'Namespace', namespaced: false, keyPrefix: '' },
  pods: { name: 'pods', group: '', path: '/api/v1/pods', kind: 'Pod', sinkKind: 'Pod', namespaced: true, keyPrefix: '' },
};

// The RBAC the manifests grant and what this code requests must be the same set.
{
  const table = Object.values(RESOURCES).map((d) => `${d.group}/${d.name}`).sort().join(' ');
  const rbac = WATCHED_RESOURCES.map((w) => `${w.group}/${w.resource}`).sort().join(' ');
  if (table !== rbac) throw new Error(`sources/kube-resources.ts (${table}) and sources/resources.ts (${rbac}) disagree`);
}

/** `namespace/name` (cluster-scoped: `name`) from an object's metadata; '' when it has no name. */
export function objectName(def: ResourceDef, obj: unknown): string {
  const m = (obj as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
  if (!m || typeof m.name !== 'string' || m.name === '') return '';
  if (!def.namespaced) return m.name;
  return `${typeof m.namespace === 'string' && m.namespace !== '' ? m.namespace : 'default'}/${m.name}`;
}

/** The sink key of an object (recordKey of its slim record); '' when it has no name. */
export function objectKey(def: ResourceDef, obj: unknown): string {
  const n = objectName(def, obj);
  return n === '' ? '' : def.keyPrefix + n;
}
