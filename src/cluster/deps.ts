// Dependency tags: the names of the facts of the cluster view an answer can read (issue 11).
// The answer rules record the tags of what they read (cluster/context.ts); the store emits the
// tags each change touches, old and new state (cluster/store.ts); the memo of encoded answers
// drops exactly the entries holding a touched tag (resolve/local.ts). A tag is a short string
// so that sets and maps of them cost one hash each; the prefix keeps the kinds apart.

/** The Service record `ns/name`: existence, kind, ClusterIPs, ports, ExternalName target. */
export const serviceTag = (ns: string, name: string): string => `s:${ns}/${name}`;
/** The merged endpoints (addresses, readiness, names, ports) of the Service `ns/name`. */
export const endpointsTag = (ns: string, name: string): string => `e:${ns}/${name}`;
/** Whether namespace `ns` exists (a Namespace object, or at least one Service in it). */
export const namespaceTag = (ns: string): string => `n:${ns}`;
/**
 * Which Services own an address (ClusterIP or endpoint), and what their merged endpoint row
 * for it says (ready, hostname, pod name): the PTR of `ip`. Touched only for the addresses whose
 * row a change actually altered, so PTRs of the untouched endpoints of a Service stay memoised.
 */
export const addressTag = (ip: string): string => `a:${ip}`;
/**
 * The merged endpoint rows of Service `ns/name` that may answer to the endpoint label `label`
 * (hostname, pod name or dashed IP: service.ts endpointName): `<label>.<svc>.<ns>.svc.<zone>`.
 */
export const endpointNameTag = (ns: string, name: string, label: string): string => `h:${ns}/${name}/${label}`;
/** Whether a pod of namespace `ns` has IP `ip` (`pods verified`). */
export const podTag = (ns: string, ip: string): string => `p:${ns}/${ip}`;
/** The SOA serial (unix second of the last change): every answer carrying the zone's SOA. */
export const SERIAL_TAG = 'soa';

/** What a store change touched: a set of tags, or 'all' (first sync: every answer may change). */
export type Touched = ReadonlySet<string> | 'all';
/** `serial`: the SOA serial after the change (a memo patches it into answers carrying the SOA). */
export type TouchListener = (touched: Touched, serial: number) => void;
