// CoreDNS `k8s_external`: a Service's external addresses under another zone.
//   k8s_external ZONES... { apex LABEL; ttl SECONDS; headless; fallthrough [ZONES] }
// `<svc>.<ns>.<zone>` answers A/AAAA from spec.externalIPs and status.loadBalancer.ingress IPs
// (an ingress hostname is a CNAME), SRV `[_port._proto.]<svc>.<ns>.<zone>` per port with the
// target `<svc>.<ns>.<zone>` and its addresses as additional records, PTR for an external IP
// when a reverse zone is listed. The apex has SOA and NS (`ns1.<apex>.<zone>`, apex label
// `dns` by default), whose addresses are this server's. With `headless`, a headless Service
// without external IPs answers its endpoints (`<endpoint>.<svc>.<ns>.<zone>` too). Names that
// do not exist are NXDOMAIN (passed on with `fallthrough`); existing ones without the type,
// NODATA; both with the SOA, authoritative (CoreDNS plugin/k8s_external, kubernetes/external.go).
import { addressFromReverse, dashedIP, ipFamily } from '../cluster/ip';
import type { ClusterStore } from '../cluster/store';
import type { ServiceRecord } from '../cluster/types';
import { RCODE, TYPE } from '../dns/constants';
import type { AnswerSet, Record } from '../dns/records';
import { pluginError } from './errors';
import type { AnswerLink, K8sExternalConfig, QueryInfo } from './types';
import { fallsThrough, zoneOf } from './zones';

export interface K8sExternalOptions {
  /** Addresses of `ns1.<apex>.<zone>`; default: the cluster IPs of kube-system/kube-dns. */
  nsAddresses?: string[];
  /** The kubernetes plugin's `namespaces` filter; default: every namespace. */
  namespaceVisible?: (ns: string) => boolean;
}

/** One thing an external name resolves to: an address or hostname, and a port. */
interface Target {
  host: string;
  port: number;
  /** The SRV target name (`<svc>.<ns>.<zone>`, or `<endpoint>.<svc>.<ns>.<zone>`). */
  owner: string;
}

const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export class K8sExternalLink implements AnswerLink {
  readonly plugin = 'k8s_external';
  readonly memoizable = true;
  private readonly apex: string;

  constructor(
    private readonly config: K8sExternalConfig,
    private readonly store: ClusterStore,
    private readonly opts: K8sExternalOptions = {},
  ) {
    this.apex = config.apex.toLowerCase();
    if (!LABEL.test(this.apex)) throw pluginError('CDNS_PLUGIN_VALUE', config.origin, 'k8s_external', `apex ${JSON.stringify(config.apex)}: expected one DNS label such as dns`);
    if (!Number.isInteger(config.ttl) || config.ttl < 0 || config.ttl > 2147483647) {
      throw pluginError('CDNS_PLUGIN_VALUE', config.origin, 'k8s_external', `ttl ${config.ttl}: expected seconds 0-2147483647`);
    }
  }

  version(): number {
    return this.store.generation;
  }

  answer(q: QueryInfo): AnswerSet | null {
    const zone = zoneOf(this.config.zones, q.name);
    if (zone === null) return null;
    const name = q.name;
    if (name === zone) return this.serveApex(q, zone);
    const dnsZone = join(this.apex, zone);
    if (name === dnsZone || name.endsWith('.' + dnsZone)) return this.serveSubApex(q, zone, dnsZone);
    if (zone.endsWith('arpa')) return this.serveReverse(q, zone);

    const labels = name.slice(0, name.length - zone.length - (zone === '' ? 0 : 1)).split('.');
    let last = labels.length - 1;
    const ns = labels[last--];
    if (this.opts.namespaceVisible && !this.opts.namespaceVisible(ns)) return this.miss(q, zone, RCODE.NXDOMAIN);
    if (last < 0) return this.noFallthrough(zone, RCODE.NOERROR); // `<ns>.<zone>`: exists, nothing to serve
    const svcName = labels[last--];
    let port = '';
    let proto = '';
    let endpoint = '';
    if (last === 1) {
      proto = labels[last--].replace(/^_/, '');
      port = labels[last--].replace(/^_/, '');
    }
    if (this.config.headless && last === 0) endpoint = labels[last--];
    if (last !== -1) return this.miss(q, zone, RCODE.NXDOMAIN);
    const svc = this.store.service(ns, svcName);
    const targets = svc === undefined ? [] : this.targets(svc, zone, port, proto, endpoint);
    if (targets.length === 0) return this.miss(q, zone, RCODE.NXDOMAIN);

    switch (q.qtype) {
      case TYPE.A:
      case TYPE.AAAA:
        return this.addresses(q, zone, targets);
      case TYPE.SRV:
        return this.srv(q, zone, targets);
      default:
        return this.noFallthrough(zone, RCODE.NOERROR);
    }
  }

  private targets(svc: ServiceRecord, zone: string, port: string, proto: string, endpoint: string): Target[] {
    const owner = join(svc.name, svc.namespace, zone);
    const out: Target[] = [];
    const external = [...(svc.externalIPs ?? []), ...(svc.externalHosts ?? [])];
    if (this.config.headless && external.length === 0 && svc.kind === 'Headless') {
      const ports = this.store.endpointPortsOf(svc.namespace, svc.name).filter((p) => portMatches(port, proto, p));
      for (const e of this.store.endpointsOf(svc.namespace, svc.name)) {
        if (!e.ready && !svc.publishNotReadyAddresses) continue;
        const label = e.hostname || dashedIP(e.address);
        if (endpoint !== '' && endpoint !== label) continue;
        for (const p of ports) out.push({ host: e.address, port: p.port, owner: join(label, owner) });
      }
      return out;
    }
    if (endpoint !== '') return out;
    for (const host of external) for (const p of svc.ports) if (portMatches(port, proto, p)) out.push({ host, port: p.port, owner });
    return out;
  }

  private addresses(q: QueryInfo, zone: string, targets: Target[]): AnswerSet {
    const family = q.qtype === TYPE.A ? 4 : 6;
    const type = family === 4 ? 'A' : 'AAAA';
    const seen = new Set<string>();
    const answers: Record[] = [];
    for (const t of targets) {
      if (ipFamily(t.host) !== family || seen.has(t.host)) continue;
      seen.add(t.host);
      answers.push({ name: q.name, type, ttl: this.config.ttl, data: t.host });
    }
    if (answers.length === 0) {
      // A load balancer known by its hostname only (AWS ELB): the name is an alias of it.
      const host = targets.find((t) => ipFamily(t.host) === 0);
      if (host !== undefined) answers.push({ name: q.name, type: 'CNAME', ttl: this.config.ttl, data: host.host });
    }
    if (answers.length === 0) return this.noFallthrough(zone, RCODE.NOERROR);
    return { rcode: RCODE.NOERROR, authoritative: true, answers, authority: [], additional: [] };
  }

  private srv(q: QueryInfo, zone: string, targets: Target[]): AnswerSet {
    const seen = new Set<string>();
    const unique = targets.filter((t) => {
      const k = `${t.host}/${t.port}`;
      return seen.has(k) ? false : (seen.add(k), true);
    });
    const weight = Math.floor(100 / unique.length);
    const answers: Record[] = [];
    const additional: Record[] = [];
    const srvSeen = new Set<string>();
    for (const t of unique) {
      const family = ipFamily(t.host);
      const target = family === 0 ? t.host : t.owner;
      const key = `${target}/${t.port}`;
      if (!srvSeen.has(key)) {
        srvSeen.add(key);
        answers.push({ name: q.name, type: 'SRV', ttl: this.config.ttl, data: { priority: 0, weight, port: t.port, target } });
      }
      if (family !== 0 && !additional.some((r) => r.name === target && r.data === t.host)) {
        additional.push({ name: target, type: family === 4 ? 'A' : 'AAAA', ttl: this.config.ttl, data: t.host });
      }
    }
    return { rcode: RCODE.NOERROR, authoritative: true, answers, authority: [], additional };
  }

  private serveApex(q: QueryInfo, zone: string): AnswerSet {
    if (q.qtype === TYPE.SOA) return { rcode: RCODE.NOERROR, authoritative: true, answers: [this.soa(zone)], authority: [], additional: [] };
    if (q.qtype === TYPE.NS) {
      const ns1 = join('ns1', this.apex, zone);
      return {
        rcode: RCODE.NOERROR,
        authoritative: true,
        answers: [{ name: q.name, type: 'NS', ttl: this.config.ttl, data: ns1 }],
        authority: [],
        additional: this.nsAddresses().map((ip) => ({ name: ns1, type: ipFamily(ip) === 4 ? 'A' : 'AAAA', ttl: this.config.ttl, data: ip })),
      };
    }
    return this.noFallthrough(zone, RCODE.NOERROR);
  }

  private serveSubApex(q: QueryInfo, zone: string, dnsZone: string): AnswerSet {
    if (q.name === dnsZone) return this.noFallthrough(zone, RCODE.NOERROR);
    if (q.name !== join('ns1', dnsZone)) return this.noFallthrough(zone, RCODE.NXDOMAIN);
    const family = q.qtype === TYPE.A ? 4 : q.qtype === TYPE.AAAA ? 6 : 0;
    const answers: Record[] = this.nsAddresses()
      .filter((ip) => ipFamily(ip) === family)
      .map((ip) => ({ name: q.name, type: family === 4 ? 'A' : 'AAAA', ttl: this.config.ttl, data: ip }));
    if (answers.length === 0) return this.noFallthrough(zone, RCODE.NOERROR);
    return { rcode: RCODE.NOERROR, authoritative: true, answers, authority: [], additional: [] };
  }

  /** PTR of an external IP, in a reverse zone listed among the zones. */
  private serveReverse(q: QueryInfo, zone: string): AnswerSet | null {
    const ip = addressFromReverse(q.name);
    const forward = this.config.zones.find((z) => !z.endsWith('arpa'));
    const answers: Record[] = [];
    if (ip !== '' && forward !== undefined) {
      for (const svc of this.store.services.values()) {
        if (svc.externalIPs === undefined || !svc.externalIPs.includes(ip)) continue;
        if (this.opts.namespaceVisible && !this.opts.namespaceVisible(svc.namespace)) continue;
        answers.push({ name: q.name, type: 'PTR', ttl: this.config.ttl, data: join(svc.name, svc.namespace, forward) });
      }
    }
    if (answers.length === 0) return this.miss(q, zone, RCODE.NXDOMAIN);
    if (q.qtype !== TYPE.PTR) return this.noFallthrough(zone, RCODE.NOERROR);
    return { rcode: RCODE.NOERROR, authoritative: true, answers, authority: [], additional: [] };
  }

  /** NXDOMAIN (passed on with fallthrough) or NODATA, with the zone's SOA. */
  private miss(q: QueryInfo, zone: string, rcode: number): AnswerSet | null {
    if (rcode === RCODE.NXDOMAIN && fallsThrough(this.config.fallthrough, q.name)) return null;
    return this.noFallthrough(zone, rcode);
  }

  private noFallthrough(zone: string, rcode: number): AnswerSet {
    return { rcode, authoritative: true, answers: [], authority: [this.soa(zone)], additional: [] };
  }

  private soa(zone: string): Record {
    const ttl = this.config.ttl;
    return {
      name: zone,
      type: 'SOA',
      ttl,
      data: { mname: join('ns1', this.apex, zone), rname: join('hostmaster', this.apex, zone), serial: this.store.serial, refresh: 7200, retry: 1800, expire: 86400, minimum: ttl },
    };
  }

  private nsAddresses(): string[] {
    return this.opts.nsAddresses ?? this.store.service('kube-system', 'kube-dns')?.clusterIPs ?? [];
  }
}

function join(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('.');
}

/** CoreDNS matchPortAndProtocol: an empty asked port/protocol matches any. */
function portMatches(port: string, proto: string, p: { name: string; protocol: string }): boolean {
  return (port === '' || port === p.name) && (proto === '' || proto === p.protocol);
}

/** The `k8s_external` link of one block over the cluster view. Throws CDNS_PLUGIN_VALUE for a bad apex or ttl. */
export function createK8sExternal(config: K8sExternalConfig, store: ClusterStore, opts?: K8sExternalOptions): K8sExternalLink {
  return new K8sExternalLink(config, store, opts);
}
