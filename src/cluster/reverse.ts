// PTR for ClusterIPs and endpoint addresses, IPv4 and IPv6 (SPEC §2, PTR).
import { TYPE } from '../dns/constants';
import type { AnswerSet, Record } from '../dns/records';
import type { ZoneContext } from './context';
import { addressFromReverse } from './ip';
import { endpointName, isServed, serviceFqdn } from './service';

/** Reverse zone (of the configured ones) containing `name`, or null. */
export function reverseZoneOf(z: ZoneContext, name: string): string | null {
  const zones = z.opts.reverseZones;
  if (!zones) return null;
  let best: string | null = null;
  for (const zone of zones) {
    if ((name === zone || name.endsWith('.' + zone)) && (best === null || zone.length > best.length)) best = zone;
  }
  return best;
}

/**
 * The answer for a name under in-addr.arpa / ip6.arpa, or null to pass it on: with the
 * default catch-all a miss goes upstream; inside a configured reverse zone it is NXDOMAIN
 * with that zone's SOA.
 */
export function answerReverse(z: ZoneContext, name: string, qtype: number): AnswerSet | null {
  const zone = reverseZoneOf(z, name);
  if (z.opts.reverseZones && zone === null) return null;
  if (zone !== null && name === zone) {
    if (qtype === TYPE.SOA) return z.positive([z.soa(zone)]);
    return z.nodata(zone);
  }
  const targets = ptrTargets(z, addressFromReverse(name));
  if (targets.length === 0) return zone === null ? null : z.nxdomain(zone);
  // RFC 2308 §3: the SOA of the zone holding the name; under the catch-all, the arpa zone.
  if (qtype !== TYPE.PTR) return z.nodata(zone ?? (name.endsWith('.ip6.arpa') ? 'ip6.arpa' : 'in-addr.arpa'));
  const answers: Record[] = targets.map((t) => ({ name, type: 'PTR', ttl: z.ttl, data: t }));
  return z.positive(answers);
}

function ptrTargets(z: ZoneContext, ip: string): string[] {
  if (ip === '') return [];
  // A ClusterIP maps to exactly one Service.
  const svc = z.serviceForClusterIP(ip);
  if (svc && visible(z, svc.namespace)) return [serviceFqdn(z, svc)];
  const out = new Set<string>();
  for (const key of z.servicesForAddress(ip)) {
    const [ns, name] = key.split('/');
    const s = z.service(ns, name);
    if (!s || s.kind === 'ExternalName' || !visible(z, ns)) continue;
    for (const e of z.endpointsAt(s, ip)) {
      if (isServed(s, e)) out.add(`${endpointName(z, e)}.${serviceFqdn(z, s)}`);
    }
  }
  return [...out];
}

function visible(z: ZoneContext, ns: string): boolean {
  // The same rule as forward names: the allow-list and the namespace selector hide PTRs too.
  return z.namespaceVisible(ns);
}
