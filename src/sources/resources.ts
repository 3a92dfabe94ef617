// The API resources clusterdns lists and watches, and the only verbs it uses on them. One list
// read by the API watcher (what to watch) and by the manifest test (the ClusterRole grants
// exactly this, and nothing more), so the RBAC rules and the code cannot drift apart.
// SPEC §5: "RBAC list/watch on services, endpoints, endpointslices (discovery.k8s.io),
// namespaces, pods".

export interface WatchedResource {
  /** API group; '' is the core group (v1). */
  group: string;
  /** Plural resource name, as RBAC rules and API paths spell it. */
  resource: string;
}

export const WATCHED_RESOURCES: readonly WatchedResource[] = [
  { group: '', resource: 'services' },
  { group: '', resource: 'endpoints' },
  { group: 'discovery.k8s.io', resource: 'endpointslices' },
  { group: '', resource: 'namespaces' },
  { group: '', resource: 'pods' },
];

/** A watch is a list followed by a watch from its resourceVersion; nothing is ever written. */
export const WATCH_VERBS: readonly string[] = ['list', 'watch'];
