// What every answer rule needs: the store, the options, and the builders of positive and
// negative answers with the zone's SOA (SPEC §3). One instance per (store, options).
//
// Dependency recording (issue 11): the rules read the view only through the methods below,
// each of which notes the tag of the fact it read (cluster/deps.ts). ClusterZone.answer()
// takes the tags and hands them out with the answer, so the memo of encoded answers can drop
// exactly the answers a change touches. A rule reading `z.store` directly would make answers
// that outlive their state: don't.
import { RCODE } from '../dns/constants';
import type { AnswerSet, Record } from '../dns/records';
import type { ClusterStore, MergedEndpoint } from './store';
import type { PortRecord, ServiceRecord } from './types';
import { addressTag, endpointNameTag, endpointsTag, namespaceTag, podTag, serviceTag, SERIAL_TAG } from './deps';
import type { PodMode } from '../config/options';

export interface ClusterZoneOptions {
  /** Lower-case, no trailing dot. */
  domain: string;
  ttl: number;
  pods: PodMode;
  namespaces: string[] | null;
  endpointPodNames: boolean;
  ignoreEmptyService: boolean;
  /** Reverse zones served authoritatively; null = catch-all, misses go on (SPEC §2, PTR). */
  reverseZones: string[] | null;
  /**
   * Only Namespace objects make a namespace exist (not a Service in it): set with
   * --namespace-selector, whose unselected namespaces must be hidden (CoreDNS namespace_labels).
   */
  namespacesFromObjectsOnly?: boolean;
  /**
   * This server's own addresses (cluster/self-address.ts): what `ns.dns.<zone>` answers and
   * the apex NS glue when there is no kube-dns Service. Absent = none known.
   */
  selfAddresses?: string[];
}

/** Set on an answer whose CNAME target lies outside every served zone: the chain resolves it. */
export interface ChasedAnswer extends AnswerSet {
  chase?: string;
  /**
   * Tags of every fact of the view this answer read (cluster/deps.ts); set by
   * ClusterZone.answer(). Absent on an answer from a link that records nothing: such an answer
   * is treated as depending on every change.
   */
  deps?: string[];
}

export class ZoneContext {
  readonly allowed: Set<string> | null;
  /** Tags read since the last take(). */
  private deps: string[] = [];

  constructor(
    readonly store: ClusterStore,
    readonly opts: ClusterZoneOptions,
  ) {
    this.allowed = opts.namespaces ? new Set(opts.namespaces) : null;
  }

  get ttl(): number {
    return this.opts.ttl;
  }

  /** The tags recorded since the previous call, and a fresh list for the next answer. */
  take(): string[] {
    const d = this.deps;
    this.deps = [];
    return d;
  }

  // ---- reads of the view, recorded ----

  service(ns: string, name: string): ServiceRecord | undefined {
    this.deps.push(serviceTag(ns, name));
    return this.store.service(ns, name);
  }

  endpointsOf(svc: ServiceRecord): MergedEndpoint[] {
    this.deps.push(endpointsTag(svc.namespace, svc.name));
    return this.store.endpointsOf(svc.namespace, svc.name);
  }

  /**
   * The merged rows of `svc` listing `ip` (a PTR): recorded as the address alone, not as the
   * Service's whole endpoint list, so a change to another endpoint keeps this answer.
   */
  endpointsAt(svc: ServiceRecord, ip: string): MergedEndpoint[] {
    this.deps.push(addressTag(ip));
    return this.store.endpointsOf(svc.namespace, svc.name).filter((e) => e.address === ip);
  }

  /**
   * The merged rows of `svc` whose endpoint name (`nameOf`) is `label` (an endpoint name):
   * recorded as that name alone (the store touches every name a changed row may answer to).
   */
  endpointsNamed(svc: ServiceRecord, label: string, nameOf: (e: MergedEndpoint) => string): MergedEndpoint[] {
    this.deps.push(endpointNameTag(svc.namespace, svc.name, label));
    return this.store.endpointsOf(svc.namespace, svc.name).filter((e) => nameOf(e) === label);
  }

  endpointPortsOf(svc: ServiceRecord): PortRecord[] {
    this.deps.push(endpointsTag(svc.namespace, svc.name));
    return this.store.endpointPortsOf(svc.namespace, svc.name);
  }

  serviceForClusterIP(ip: string): ServiceRecord | undefined {
    this.deps.push(addressTag(ip));
    return this.store.serviceForClusterIP(ip);
  }

  /** Services (as `ns/name`) with an endpoint set listing this address. */
  servicesForAddress(ip: string): string[] {
    this.deps.push(addressTag(ip));
    return this.store.servicesForAddress(ip);
  }

  podHasIP(ns: string, ip: string): boolean {
    this.deps.push(podTag(ns, ip));
    return this.store.podHasIP(ns, ip);
  }

  /** SPEC §2, Namespaces: it exists (as an object, or holding a Service) and is not hidden. */
  namespaceVisible(ns: string): boolean {
    if (this.allowed && !this.allowed.has(ns)) return false;
    this.deps.push(namespaceTag(ns));
    return this.store.hasNamespace(ns) || (!this.opts.namespacesFromObjectsOnly && this.store.hasServicesIn(ns));
  }

  /**
   * The SOA of `zone` (the cluster zone, a reverse zone, or an arpa zone under the catch-all).
   * Its server and mailbox names are those of the zone it belongs to, as CoreDNS builds them
   * (plugin/backend_lookup.go SOA: ns.dns.<zone>, hostmaster.<zone>; issue 10 item 4).
   */
  soa(zone: string): Record {
    this.deps.push(SERIAL_TAG);
    return {
      name: zone,
      type: 'SOA',
      // SPEC §3: record TTL min(ttl, 300); the minimum field is the negative-caching TTL.
      ttl: Math.min(this.opts.ttl, 300),
      data: {
        mname: zone === '' ? 'ns.dns' : `ns.dns.${zone}`,
        rname: zone === '' ? 'hostmaster' : `hostmaster.${zone}`,
        serial: this.store.serial >>> 0,
        refresh: 7200,
        retry: 1800,
        expire: 86400,
        minimum: this.opts.ttl,
      },
    };
  }

  positive(answers: Record[], additional: Record[] = []): AnswerSet {
    return { rcode: RCODE.NOERROR, authoritative: true, answers, authority: [], additional };
  }

  /** NODATA: the name exists, not with that type (RFC 2308 §2.2). */
  nodata(zone = this.opts.domain): AnswerSet {
    return { rcode: RCODE.NOERROR, authoritative: true, answers: [], authority: [this.soa(zone)], additional: [] };
  }

  /** NXDOMAIN; before the first sync a would-be NXDOMAIN is SERVFAIL (SPEC §3). */
  nxdomain(zone = this.opts.domain): AnswerSet {
    if (!this.store.synced) return { rcode: RCODE.SERVFAIL, authoritative: false, answers: [], authority: [], additional: [] };
    return { rcode: RCODE.NXDOMAIN, authoritative: true, answers: [], authority: [this.soa(zone)], additional: [] };
  }

  /** An A or AAAA record, by the address's family. */
  address(name: string, ip: string): Record {
    return { name, type: ip.includes(':') ? 'AAAA' : 'A', ttl: this.opts.ttl, data: ip };
  }
}
