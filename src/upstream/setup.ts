// Option checks and the upstream sets, done once in the constructor (STYLE rule 9): a bad
// address or number fails here with the field and value, never on a query.

import { isIP } from 'node:net';
import type { HostPort, StubDomain, UpstreamPolicy } from '../config/options';
import { UpstreamError } from './errors';
import type { StubRoute } from './stub-domains';
import { ServerSet, Upstream } from './upstream';

const POLICIES: readonly UpstreamPolicy[] = ['random', 'round_robin', 'sequential'];

export function checkPolicy(p: string): UpstreamPolicy {
  if (!(POLICIES as readonly string[]).includes(p)) {
    throw new UpstreamError('CDNS_UPSTREAM_OPTION', `policy must be one of ${POLICIES.join(', ')}, got '${p}'`);
  }
  return p as UpstreamPolicy;
}

/** An integer in [min, max]; `field` names the option in the message. */
export function checkInt(field: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new UpstreamError('CDNS_UPSTREAM_OPTION', `${field} must be an integer from ${min} to ${max}, got ${v}`);
  }
  return v;
}

/** Builds Upstream objects, one per distinct host:port, shared by every set that names it. */
export class UpstreamRegistry {
  readonly all = new Map<string, Upstream>();
  constructor(private readonly lanes: number) {}

  /** A server listed twice is kept once: each upstream is tried at most once per query. */
  set(field: string, list: HostPort[]): ServerSet {
    return new ServerSet([...new Set(list.map((hp, i) => this.get(`${field}[${i}]`, hp)))]);
  }

  stubs(list: StubDomain[]): StubRoute[] {
    return list.map((s, i) => {
      const field = `stubDomains[${i}] (${s.domain})`;
      const domain = s.domain.toLowerCase().replace(/\.$/, '');
      if (s.servers.length === 0) {
        throw new UpstreamError('CDNS_UPSTREAM_OPTION', `${field}.servers: at least one ip[:port] is needed`);
      }
      return { domain, set: this.set(`${field}.servers`, s.servers) };
    });
  }

  private get(field: string, hp: HostPort): Upstream {
    if (isIP(hp.host) === 0) {
      throw new UpstreamError('CDNS_UPSTREAM_OPTION', `${field}: expected an IPv4 or IPv6 address, got '${hp.host}'`);
    }
    checkInt(`${field}.port`, hp.port, 1, 65535);
    const u = new Upstream(hp, this.lanes);
    const seen = this.all.get(u.key);
    if (seen !== undefined) return seen;
    this.all.set(u.key, u);
    return u;
  }
}
