// ForwarderOptions from a Corefile `forward` block (config/plan.ts ForwardPlan), so that the
// server-block composer builds a Forwarder from what the plan says, the same way the flags
// and YAML path does from Options. Every option of the plan maps to one forwarder option:
//   to (null: resolvConf)  -> upstream (the file's nameserver lines, port 53; read here, now)
//   from, except           -> from, except (Forwarder.matches; others pass to the next link)
//   force_tcp, prefer_udp  -> forceTcp, preferUdp (the caller passes the client's transport
//                             as resolve()'s 4th argument)
//   policy, max_concurrent, max_fails (0 = never down), health_check, timeout -> the same
//   expire                 -> udpSocketMaxAgeMs: upstream UDP sockets are replaced after it.
//                             TCP connections are not reused (tcp.ts: one per exchange), so
//                             there is no idle TCP connection to expire.
import type { HostPort } from '../config/options';
import type { ForwardPlan } from '../config/plan';
import type { ForwarderObserver, ForwarderOptions } from './forwarder';
import { readResolvConf } from './resolvconf';

/** CoreDNS forward has no concurrency cap unless max_concurrent is given (plan: 0). */
const UNLIMITED = 0x7fffffff;

export interface PlanHooks {
  observer?: ForwarderObserver;
  onLoop?: (message: string) => void;
  /** Reads `to /etc/resolv.conf`; default resolvconf.ts (throws CDNS_UPSTREAM_RESOLVCONF). */
  readResolvConf?: (path: string) => HostPort[];
}

export function forwarderOptionsFromPlan(plan: ForwardPlan, hooks: PlanHooks = {}): ForwarderOptions {
  const upstream = plan.to ?? (hooks.readResolvConf ?? readResolvConf)(plan.resolvConf);
  return {
    upstream,
    stubDomains: [],
    from: plan.from,
    except: plan.except,
    forceTcp: plan.forceTcp,
    // force_tcp wins over prefer_udp (CoreDNS forward README).
    preferUdp: plan.preferUdp && !plan.forceTcp,
    policy: plan.policy,
    timeoutMs: plan.timeoutMs,
    maxConcurrent: plan.maxConcurrent > 0 ? plan.maxConcurrent : UNLIMITED,
    maxFails: plan.maxFails,
    healthCheckIntervalMs: plan.healthCheckMs,
    udpSocketMaxAgeMs: plan.expireMs,
    observer: hooks.observer,
    onLoop: hooks.onLoop,
  };
}
