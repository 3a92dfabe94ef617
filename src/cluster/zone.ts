// The cluster zone: reads a name right to left below the cluster domain (SPEC §1) and hands
// it to the rule that answers it. Returns null for names outside the cluster zone and the
// reverse zones, so the chain passes them on.
import { TYPE } from '../dns/constants';
import type { AnswerSet } from '../dns/records';
import { ZoneContext, type ChasedAnswer, type ClusterZoneOptions } from './context';
import { answerPod } from './pod';
import { answerReverse } from './reverse';
import { answerEndpoint, answerService, answerServiceSrv } from './service';
import type { ClusterStore } from './store';
import type { TouchListener } from './deps';

/** Schema version of the Kubernetes DNS specification this server implements. */
export const SCHEMA_VERSION = '1.1.0';

export class ClusterZone {
  readonly ctx: ZoneContext;
  private readonly suffix: string;

  constructor(store: ClusterStore, opts: ClusterZoneOptions) {
    this.ctx = new ZoneContext(store, opts);
    this.suffix = '.' + opts.domain;
  }

  get domain(): string {
    return this.ctx.opts.domain;
  }

  /** True when the name is in the cluster zone (or is its apex). */
  contains(name: string): boolean {
    return name === this.ctx.opts.domain || name.endsWith(this.suffix);
  }

  /** The answer, with `deps`: the tags of every fact of the view it read (issue 11). */
  answer(name: string, qtype: number): ChasedAnswer | null {
    let set: ChasedAnswer | null = null;
    if (this.contains(name)) set = this.answerInZone(name, qtype);
    else if (isReverse(name)) set = answerReverse(this.ctx, name, qtype);
    const deps = this.ctx.take();
    if (set !== null) set.deps = deps;
    return set;
  }

  /** Called with the tags each change of the view touched (the memo drops what read them). */
  onTouched(fn: TouchListener): () => void {
    return this.ctx.store.onTouched(fn);
  }

  /** Names this zone answers or may answer once the view changes: the zone and every reverse name. */
  claims(name: string): boolean {
    return this.contains(name) || isReverse(name);
  }

  private answerInZone(name: string, qtype: number): ChasedAnswer {
    const z = this.ctx;
    if (name === z.opts.domain) return this.apex(name, qtype);
    // Labels below the zone, right to left: l[0] is the one next to the zone.
    const l = name.slice(0, -this.suffix.length).split('.').reverse();
    switch (l[0]) {
      case 'svc':
        return this.underSvc(name, qtype, l);
      case 'pod':
        if (l.length === 1) return z.nodata(); // empty non-terminal
        if (l.length === 2) return z.namespaceVisible(l[1]) ? z.nodata() : z.nxdomain();
        if (l.length === 3) return answerPod(z, name, qtype, l[2], l[1]);
        return z.nxdomain();
      case 'dns-version':
        if (l.length !== 1) return z.nxdomain();
        if (qtype !== TYPE.TXT) return z.nodata();
        return z.positive([{ name, type: 'TXT', ttl: 28800, data: [SCHEMA_VERSION] }]);
      case 'dns':
        if (l.length === 1) return z.nodata();
        if (l.length === 2 && l[1] === 'ns') return this.nsAddress(name, qtype);
        return z.nxdomain();
      default:
        return z.nxdomain();
    }
  }

  private underSvc(name: string, qtype: number, l: string[]): ChasedAnswer {
    const z = this.ctx;
    if (l.length === 1) return z.nodata();
    const ns = l[1];
    if (!z.namespaceVisible(ns)) return z.nxdomain();
    if (l.length === 2) return z.nodata();
    const svc = z.service(ns, l[2]);
    if (!svc) return z.nxdomain();
    if (l.length === 3) return answerService(z, name, qtype, svc);
    if (l.length === 4) return answerEndpoint(z, name, qtype, svc, l[3]);
    if (l.length === 5 && l[3].startsWith('_') && l[4].startsWith('_')) {
      if (qtype !== TYPE.SRV) {
        const srv = answerServiceSrv(z, name, svc, l[4].slice(1), l[3].slice(1));
        return srv.answers.length ? z.nodata() : srv;
      }
      return answerServiceSrv(z, name, svc, l[4].slice(1), l[3].slice(1));
    }
    return z.nxdomain();
  }

  /** The kube-dns Service, whose ClusterIP is this server's address inside the cluster. */
  private dnsService() {
    return this.ctx.service('kube-system', 'kube-dns');
  }

  private apex(name: string, qtype: number): AnswerSet {
    const z = this.ctx;
    if (qtype === TYPE.SOA) return z.positive([z.soa(name)]);
    if (qtype !== TYPE.NS) return z.nodata();
    // SPEC §3, Apex NS: the kube-dns Service with its ClusterIP as glue, else ns.dns.<zone>.
    const svc = this.dnsService();
    if (svc && svc.kind === 'ClusterIP' && svc.clusterIPs.length) {
      const target = `kube-dns.kube-system.svc.${z.opts.domain}`;
      return z.positive([{ name, type: 'NS', ttl: z.ttl, data: target }], svc.clusterIPs.map((ip) => z.address(target, ip)));
    }
    // Issue 10 item 3: the glue is what ns.dns.<zone> answers (this server's own addresses).
    const target = `ns.dns.${z.opts.domain}`;
    return z.positive([{ name, type: 'NS', ttl: z.ttl, data: target }], this.ownAddresses().map((ip) => z.address(target, ip)));
  }

  /** The kube-dns ClusterIPs when that Service has any, else this server's own addresses. */
  private ownAddresses(): string[] {
    const svc = this.dnsService();
    if (svc && svc.clusterIPs.length) return svc.clusterIPs;
    return this.ctx.opts.selfAddresses ?? [];
  }

  private nsAddress(name: string, qtype: number): AnswerSet {
    const z = this.ctx;
    const fam = qtype === TYPE.A ? 4 : qtype === TYPE.AAAA ? 6 : 0;
    const ips = this.ownAddresses().filter((ip) => (ip.includes(':') ? 6 : 4) === fam);
    return ips.length ? z.positive(ips.map((ip) => z.address(name, ip))) : z.nodata();
  }
}

function isReverse(name: string): boolean {
  return name.endsWith('.in-addr.arpa') || name.endsWith('.ip6.arpa') || name === 'in-addr.arpa' || name === 'ip6.arpa';
}
