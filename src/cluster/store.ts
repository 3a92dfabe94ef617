// The in-memory cluster view: slim records by key, the indexes the answer rules read, and a
// generation number that moves on every change DNS can see (DESIGN §2). Sources write through
// the ClusterSink methods; the answer rules (cluster/zone.ts) only read. Each change also
// names the facts it touched, old and new state (cluster/deps.ts), so that the memo of
// encoded answers drops only the answers that read them (issue 11; onTouched()).
import { addressTag, endpointNameTag, endpointsTag, namespaceTag, podTag, serviceTag, SERIAL_TAG, type TouchListener } from './deps';
import { rowsOf, type EndpointRow } from './endpoint-set';
import { dashedIP, packIP, type PackedIP } from './ip';
import {
  recordKey,
  type PortRecord,
  type ClusterObjects,
  type ClusterSink,
  type EndpointSetRecord,
  type KindRecords,
  type NamespaceRecord,
  type ObjectKind,
  type PodRecord,
  type ServiceRecord,
} from './types';

/** One address of a Service after merging its endpoint sets (SPEC §2, Readiness). */
export type MergedEndpoint = EndpointRow;

/** Tags of one change beyond which it counts as touching everything. */
const MAX_TOUCHED = 10_000;
/**
 * Services whose endpoints one change may alter before it counts as touching everything: each
 * holds its merged rows from before the change until notify() compares them (a re-list after a
 * long outage must not hold a second copy of the view for a row-by-row comparison).
 */
const MAX_ROW_DIFFS = 1_000;

export type ChangeListener = (generation: number) => void;

export class ClusterStore implements ClusterSink {
  /** Moves on every change visible in DNS; answers cached under an older one are stale. */
  generation = 1;
  /** Unix seconds of the last change: the SOA serial (SPEC §3). */
  serial = Math.floor(Date.now() / 1000);
  /** True once the source completed its first full list (SPEC §3: SERVFAIL before). */
  synced = false;

  readonly services = new Map<string, ServiceRecord>();
  readonly endpointSets = new Map<string, EndpointSetRecord>();
  readonly pods = new Map<string, PodRecord>();
  readonly namespaces = new Map<string, NamespaceRecord>();

  /** `ns/service` -> its endpoint sets (one set, the common case, is held without an array). */
  private readonly setsByService = new Map<string, OneOrMore<EndpointSetRecord>>();
  /** ClusterIP -> `ns/name` of its Service. */
  private readonly serviceByClusterIP = new Map<string, string>();
  /**
   * Endpoint address (packed: an IPv4 is a small integer key, no string) -> the endpoint sets
   * listing it (PTR). Almost every address is in one set, held without an array or Set
   * (issue 13: a Set per address was a third of the view).
   */
  private readonly setsByAddress = new Map<PackedIP, OneOrMore<EndpointSetRecord>>();
  /** Namespace -> number of Services in it (a namespace holding a Service exists). */
  private readonly servicesPerNamespace = new Map<string, number>();
  /** `ns/ip` -> number of pods in ns with that IP (pods verified mode). */
  private readonly podIPs = new Map<string, number>();
  private readonly listeners: ChangeListener[] = [];
  private readonly bulkListeners: (() => void)[] = [];
  private touchListeners: TouchListener[] = [];
  /** Tags touched since the last notify; 'all' after the first sync. */
  private touched: Set<string> | 'all' = new Set();
  /** Namespace -> whether it held a Service before this change (flips are found at notify). */
  private readonly nsBefore = new Map<string, boolean>();
  /**
   * `ns/service` -> its merged rows before the first change to its endpoint sets since the last
   * notify: notify() compares them with the rows after, and touches only the addresses and
   * endpoint names whose rows differ (touchRowChanges).
   */
  private readonly rowsBefore = new Map<string, MergedEndpoint[]>();
  /** Merged endpoints per `ns/service`, valid for one generation. */
  private mergedCache = new Map<string, MergedEndpoint[]>();
  private mergedGeneration = 0;

  onChange(fn: ChangeListener): void {
    this.listeners.push(fn);
  }

  /**
   * Called after each bulk apply (replaceAll: a snapshot load or reload; replaceKind outside
   * it: an API list or re-list of one kind), changed or not: the garbage of a load is there
   * either way (ops/heap-release.ts).
   */
  onBulkApplied(fn: () => void): void {
    this.bulkListeners.push(fn);
  }

  /**
   * Called after every change with the tags it touched (before the onChange listeners), or
   * 'all'. Returns the unsubscribe function (a resolver replaced by a config reload lets go).
   */
  onTouched(fn: TouchListener): () => void {
    this.touchListeners = [...this.touchListeners, fn];
    return () => {
      this.touchListeners = this.touchListeners.filter((f) => f !== fn);
    };
  }

  // ---- ClusterSink ----

  upsert<K extends ObjectKind>(kind: K, record: KindRecords[K]): void {
    const key = recordKey(kind, record as never);
    const old = this.mapOf(kind).get(key);
    if (old !== undefined && sameRecord(old, record)) return; // a heartbeat: nothing DNS serves changed
    if (old !== undefined) this.unindex(kind, key, old);
    this.mapOf(kind).set(key, record);
    this.index(kind, key, record);
    this.changed();
  }

  remove(kind: ObjectKind, key: string): void {
    const old = this.mapOf(kind).get(key);
    if (old === undefined) return;
    this.unindex(kind, key, old);
    this.mapOf(kind).delete(key);
    this.changed();
  }

  replaceKind<K extends ObjectKind>(kind: K, records: KindRecords[K][]): void {
    // Applied as a difference so that unchanged records keep their identity and the swap
    // happens in one synchronous step: no query can see a half-applied list.
    const map = this.mapOf(kind);
    const fresh = new Map<string, KindRecords[K]>();
    for (const r of records) fresh.set(recordKey(kind, r as never), r);
    let changed = false;
    for (const [key, old] of map) {
      if (!fresh.has(key)) {
        this.unindex(kind, key, old);
        map.delete(key);
        changed = true;
      }
    }
    for (const [key, r] of fresh) {
      const old = map.get(key);
      if (old !== undefined && sameRecord(old, r)) continue;
      if (old !== undefined) this.unindex(kind, key, old);
      map.set(key, r);
      this.index(kind, key, r);
      changed = true;
    }
    if (changed) this.changed();
    if (this.batchDepth === 0) for (const fn of this.bulkListeners) fn();
  }

  replaceAll(objects: ClusterObjects): void {
    this.batch(() => {
      this.replaceKind('Namespace', objects.namespaces);
      this.replaceKind('Service', objects.services);
      this.replaceKind('EndpointSet', objects.endpointSets);
      this.replaceKind('Pod', objects.pods);
    });
    if (this.pending) this.notify();
    for (const fn of this.bulkListeners) fn();
  }

  markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    this.touched = 'all'; // every answer may have been SERVFAIL (SPEC §3); happens once
    this.changed(); // answers computed before sync (SERVFAIL) must not outlive it
  }

  held<K extends ObjectKind>(kind: K, key: string): KindRecords[K] | undefined {
    return this.mapOf(kind).get(key) as KindRecords[K] | undefined;
  }

  // ---- reads for the answer rules ----

  service(namespace: string, name: string): ServiceRecord | undefined {
    return this.services.get(`${namespace}/${name}`);
  }

  hasNamespace(name: string): boolean {
    return this.namespaces.has(name);
  }

  hasServicesIn(namespace: string): boolean {
    return this.servicesPerNamespace.has(namespace);
  }

  serviceForClusterIP(ip: string): ServiceRecord | undefined {
    const key = this.serviceByClusterIP.get(ip);
    return key === undefined ? undefined : this.services.get(key);
  }

  /** Services (as `ns/name`) with an endpoint set listing this address. */
  servicesForAddress(ip: string): string[] {
    const sets = this.setsByAddress.get(packIP(ip));
    if (sets === undefined) return [];
    if (!Array.isArray(sets)) return [`${sets.namespace}/${sets.service}`];
    const out = new Set<string>();
    for (const s of sets) out.add(`${s.namespace}/${s.service}`);
    return [...out];
  }

  podHasIP(namespace: string, ip: string): boolean {
    return (this.podIPs.get(`${namespace}/${ip}`) ?? 0) > 0;
  }

  /**
   * Every address of a Service, merged over its EndpointSlices and core/v1 Endpoints, one
   * entry per address (SPEC §2): slices first, so a mirrored Endpoints object adds nothing
   * they already list; an address is ready if its first listing says so.
   */
  endpointsOf(namespace: string, service: string): MergedEndpoint[] {
    if (this.mergedGeneration !== this.generation) {
      this.mergedCache = new Map();
      this.mergedGeneration = this.generation;
    }
    const svcKey = `${namespace}/${service}`;
    let merged = this.mergedCache.get(svcKey);
    if (merged) return merged;
    merged = this.mergeRows(svcKey);
    this.mergedCache.set(svcKey, merged);
    return merged;
  }

  /** Ports of a Service's endpoint sets (headless SRV), deduplicated. */
  endpointPortsOf(namespace: string, service: string) {
    const sets = this.setsByService.get(`${namespace}/${service}`);
    if (sets === undefined) return [];
    if (!Array.isArray(sets)) return sets.ports;
    const out = new Map<string, PortRecord>();
    for (const s of sets) for (const p of s.ports) out.set(`${p.name}/${p.protocol}/${p.port}`, p);
    return [...out.values()];
  }

  // ---- internals ----

  private batchDepth = 0;
  private pending = false;

  private batch(fn: () => void): void {
    this.batchDepth++;
    try {
      fn();
    } finally {
      this.batchDepth--;
    }
  }

  private changed(): void {
    this.generation++;
    // SPEC §3: the unix second of the last change (not +1 per change: a burst of changes would
    // otherwise run the serial ahead of the clock); never backwards.
    const serial = Math.max(this.serial, Math.floor(Date.now() / 1000));
    if (serial !== this.serial) this.touch(SERIAL_TAG);
    this.serial = serial;
    if (this.batchDepth > 0) this.pending = true;
    else this.notify();
  }

  private notify(): void {
    this.pending = false;
    for (const [ns, was] of this.nsBefore) if (was !== this.servicesPerNamespace.has(ns)) this.touch(namespaceTag(ns));
    this.nsBefore.clear();
    for (const [svcKey, before] of this.rowsBefore) this.touchRowChanges(svcKey, before, this.endpointsOf(...splitKey(svcKey)));
    this.rowsBefore.clear();
    const touched = this.touched;
    this.touched = new Set();
    for (const fn of this.touchListeners) fn(touched, this.serial);
    for (const fn of this.listeners) fn(this.generation);
  }

  private mapOf(kind: ObjectKind): Map<string, unknown> {
    switch (kind) {
      case 'Service': return this.services;
      case 'EndpointSet': return this.endpointSets;
      case 'Pod': return this.pods;
      case 'Namespace': return this.namespaces;
    }
  }

  private touch(tag: string): void {
    if (this.touched === 'all') return;
    this.touched.add(tag);
    // A change this wide (a first load, a re-list) touches nearly every answer anyway: say
    // 'all' rather than hold a tag per address of the cluster (issue 13, 150,000 strings).
    if (this.touched.size > MAX_TOUCHED) this.touched = 'all';
  }

  /** The tags a record stands for (called with the old record and with the new one). */
  private touchRecord(kind: ObjectKind, key: string, r: unknown): void {
    // Nobody to tell, or everything is touched already: no tag strings to build.
    if (this.touched === 'all' || this.touchListeners.length === 0) return;
    if (kind === 'Service') {
      const s = r as ServiceRecord;
      this.touch(serviceTag(s.namespace, s.name));
      for (const ip of s.clusterIPs) this.touch(addressTag(ip));
      if (!this.nsBefore.has(s.namespace)) this.nsBefore.set(s.namespace, this.servicesPerNamespace.has(s.namespace));
    } else if (kind === 'EndpointSet') {
      // The Service's endpoint list as a whole (its A, SRV); the addresses and names whose rows
      // this change alters are found at notify() by comparing the merged rows before and after.
      const s = r as EndpointSetRecord;
      this.touch(endpointsTag(s.namespace, s.service));
      const svcKey = `${s.namespace}/${s.service}`;
      if (this.rowsBefore.has(svcKey) || !(this.touched instanceof Set)) return;
      if (this.rowsBefore.size >= MAX_ROW_DIFFS) {
        this.touched = 'all';
        this.rowsBefore.clear();
        return;
      }
      // Called before the set is unindexed (old state) or indexed (new one): the rows before.
      this.rowsBefore.set(svcKey, this.mergeRows(svcKey));
    } else if (kind === 'Pod') {
      const p = r as PodRecord;
      for (const ip of p.ips) this.touch(podTag(p.namespace, ip));
    } else {
      this.touch(namespaceTag(key));
    }
  }

  /**
   * Every address of a Service, merged over its endpoint sets (endpointsOf() without the cache).
   */
  private mergeRows(svcKey: string): MergedEndpoint[] {
    const merged: MergedEndpoint[] = [];
    const sets = this.setsByService.get(svcKey);
    if (sets === undefined) return merged;
    if (!Array.isArray(sets)) return rowsOf(sets);
    const seen = new Set<string>();
    for (const set of sets.slice().sort(bySourceThenName)) {
      for (const row of rowsOf(set)) {
        if (seen.has(row.address)) continue;
        seen.add(row.address);
        merged.push(row);
      }
    }
    return merged;
  }

  /**
   * Touches the address and endpoint-name tags of every row that differs between `before` and
   * `after` (added, removed, or changed: readiness, hostname, pod name). A row's names are all
   * the labels it may answer to (service.ts endpointName: hostname, pod name, dashed IP).
   */
  private touchRowChanges(svcKey: string, before: MergedEndpoint[], after: MergedEndpoint[]): void {
    if (this.touched === 'all') return;
    const [ns, name] = splitKey(svcKey);
    const old = new Map<string, MergedEndpoint>();
    for (const row of before) old.set(row.address, row);
    const touchRow = (row: MergedEndpoint) => {
      this.touch(addressTag(row.address));
      this.touch(endpointNameTag(ns, name, dashedIP(row.address)));
      if (row.hostname !== '') this.touch(endpointNameTag(ns, name, row.hostname));
      if (row.podName !== '') this.touch(endpointNameTag(ns, name, row.podName));
    };
    for (const row of after) {
      const was = old.get(row.address);
      old.delete(row.address);
      if (was !== undefined && was.ready === row.ready && was.hostname === row.hostname && was.podName === row.podName) continue;
      touchRow(row);
      if (was !== undefined) touchRow(was);
    }
    for (const gone of old.values()) touchRow(gone);
  }

  private index(kind: ObjectKind, key: string, r: unknown): void {
    this.touchRecord(kind, key, r);
    if (kind === 'Service') {
      const s = r as ServiceRecord;
      for (const ip of s.clusterIPs) this.serviceByClusterIP.set(ip, key);
      this.servicesPerNamespace.set(s.namespace, (this.servicesPerNamespace.get(s.namespace) ?? 0) + 1);
    } else if (kind === 'EndpointSet') {
      const s = r as EndpointSetRecord;
      addTo(this.setsByService, `${s.namespace}/${s.service}`, s);
      for (const a of s.addresses) addTo(this.setsByAddress, a, s);
    } else if (kind === 'Pod') {
      const p = r as PodRecord;
      for (const ip of p.ips) this.podIPs.set(`${p.namespace}/${ip}`, (this.podIPs.get(`${p.namespace}/${ip}`) ?? 0) + 1);
    }
  }

  private unindex(kind: ObjectKind, key: string, r: unknown): void {
    this.touchRecord(kind, key, r);
    if (kind === 'Service') {
      const s = r as ServiceRecord;
      for (const ip of s.clusterIPs) if (this.serviceByClusterIP.get(ip) === key) this.serviceByClusterIP.delete(ip);
      const n = (this.servicesPerNamespace.get(s.namespace) ?? 1) - 1;
      if (n > 0) this.servicesPerNamespace.set(s.namespace, n);
      else this.servicesPerNamespace.delete(s.namespace);
    } else if (kind === 'EndpointSet') {
      const s = r as EndpointSetRecord;
      removeFrom(this.setsByService, `${s.namespace}/${s.service}`, s);
      for (const a of s.addresses) removeFrom(this.setsByAddress, a, s);
    } else if (kind === 'Pod') {
      const p = r as PodRecord;
      for (const ip of p.ips) {
        const k = `${p.namespace}/${ip}`;
        const n = (this.podIPs.get(k) ?? 1) - 1;
        if (n > 0) this.podIPs.set(k, n);
        else this.podIPs.delete(k);
      }
    }
  }
}

/** `ns/name` -> [ns, name] (namespaces and names never hold a '/'). */
function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}

/** An index value: the one record (the common case, no container) or several. */
type OneOrMore<T> = T | T[];

function addTo<K, T extends object>(m: Map<K, OneOrMore<T>>, k: K, v: T): void {
  const had = m.get(k);
  if (had === undefined) m.set(k, v);
  else if (Array.isArray(had)) {
    if (!had.includes(v)) had.push(v);
  } else if (had !== v) m.set(k, [had, v]);
}

/** Removes `v` by identity: the index holds the very record the kind map held. */
function removeFrom<K, T extends object>(m: Map<K, OneOrMore<T>>, k: K, v: T): void {
  const had = m.get(k);
  if (had === undefined) return;
  if (!Array.isArray(had)) {
    if (had === v) m.delete(k);
    return;
  }
  const rest = had.filter((x) => x !== v);
  if (rest.length === had.length) return;
  m.set(k, rest.length === 1 ? rest[0] : rest);
}

function bySourceThenName(a: EndpointSetRecord, b: EndpointSetRecord): number {
  if (a.source !== b.source) return a.source === 'slice' ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Structural equality of two slim records (STYLE rule 3: an update that changes nothing DNS
 * serves must not move the generation). triggerTime is metadata, not an answer: ignored.
 */
export function sameRecord(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameRecord(a[i], b[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (k === 'triggerTime') continue;
    if (!sameRecord((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}
