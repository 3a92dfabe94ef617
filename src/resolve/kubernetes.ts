// The `kubernetes` link of a block: the cluster zone(s) of its KubernetesPlan over the one
// shared store, with CoreDNS's `fallthrough [ZONES]`: an NXDOMAIN for a name under a
// fallthrough zone passes the query on down the chain instead of answering (kubeadm's
// `fallthrough in-addr.arpa ip6.arpa` sends PTR misses to `forward`). Without fallthrough a
// miss in a reverse zone is NXDOMAIN with that zone's SOA (SPEC §2, PTR).
import { RCODE } from '../dns/constants';
import type { ChasedAnswer } from '../cluster/context';
import type { ClusterStore } from '../cluster/store';
import type { TouchListener } from '../cluster/deps';
import { ClusterZone } from '../cluster/zone';
import type { KubernetesPlan } from '../config/plan';
import type { LocalZone } from './resolver';
import { inZones } from '../dns/zones';

const isReverse = (z: string) => z === 'in-addr.arpa' || z === 'ip6.arpa' || z.endsWith('.in-addr.arpa') || z.endsWith('.ip6.arpa');

export class KubernetesLink implements LocalZone {
  private readonly zones: ClusterZone[];
  private readonly fallthrough: string[] | null;

  constructor(
    private readonly store: ClusterStore,
    plan: KubernetesPlan,
    /** --namespace-selector: only Namespace objects make a namespace exist. */
    namespacesFromObjectsOnly: boolean,
    /** This server's own addresses (cluster/self-address.ts), for ns.dns.<zone>. */
    selfAddresses: string[] = [],
  ) {
    const forward = plan.zones.filter((z) => !isReverse(z));
    const reverse = plan.zones.filter(isReverse);
    const base = {
      ttl: plan.ttl,
      pods: plan.pods,
      namespaces: plan.namespaces,
      endpointPodNames: plan.endpointPodNames,
      ignoreEmptyService: plan.ignoreEmptyService,
      namespacesFromObjectsOnly,
      selfAddresses,
    };
    // The first zone answers the reverse names too (its SOA names them, as CoreDNS's first zone).
    this.zones = (forward.length ? forward : ['cluster.local']).map(
      (domain, i) => new ClusterZone(store, { ...base, domain, reverseZones: i === 0 ? reverse : [] }),
    );
    this.fallthrough = plan.fallthrough === null ? null : plan.fallthrough.length === 0 ? [''] : plan.fallthrough;
  }

  answer(name: string, qtype: number): ChasedAnswer | null {
    const zones = this.zones;
    let a: ChasedAnswer | null = null;
    for (let i = 0; i < zones.length && a === null; i++) a = zones[i].answer(name, qtype);
    if (a === null || this.fallthrough === null) return a;
    // NXDOMAIN (or, before the first sync, the SERVFAIL standing in for it) under a
    // fallthrough zone: the next link answers.
    const miss = a.rcode === RCODE.NXDOMAIN || (a.rcode === RCODE.SERVFAIL && !this.store.synced);
    return miss && inZones(name, this.fallthrough) ? null : a;
  }

  /** The first cluster zone (autopath walks its search path). */
  get primary(): ClusterZone {
    return this.zones[0];
  }

  /** Issue 11: the memo drops only the answers whose facts a change of the view touched. */
  onTouched(fn: TouchListener): () => void {
    return this.store.onTouched(fn);
  }

  claims(name: string): boolean {
    for (const z of this.zones) if (z.claims(name)) return true;
    return false;
  }
}
