// The forwarder's events as log lines (issue 5): every upstream failure goes through the
// Consolidator, so an upstream that times out for every query is one line and then one
// summary line per interval with the count, not a line per query. State changes (an upstream
// marked down, back up) are logged as they happen; they are rare by construction (health.ts).
import type { ForwarderObserver } from '../upstream/forwarder';
import type { ForwardStats } from './forward-stats';
import type { Consolidator, Logger } from './log';

const REASON_TEXT = {
  timeout: 'no reply within the read timeout',
  refused: 'connection refused (ICMP port unreachable or TCP RST)',
  spoofed: 'a reply that did not match the query was dropped (wrong ID, question or source)',
  error: 'socket error',
} as const;

/** Counts into `stats` and logs through `errors` (and `log` for state changes). */
export function upstreamObserver(stats: ForwardStats, errors: Consolidator, log: Logger): ForwarderObserver {
  return {
    request: (to, proto, rcode, seconds) => stats.request(to, proto, rcode, seconds),
    failure(to, reason) {
      stats.failure(to, reason);
      errors.error(`upstream:${to}:${reason}`, `upstream ${to}: ${REASON_TEXT[reason]}`, { code: 'CDNS_UPSTREAM_ATTEMPT', to, reason });
    },
    healthcheckFailure: (to) => stats.healthcheckFailure(to),
    healthy(to, up) {
      stats.healthy(to, up);
      if (up) log.info(`upstream ${to} answers again; back in rotation`, { to });
      else log.warn(`upstream ${to} marked down after consecutive failures; probing it until it answers`, { to });
    },
    maxConcurrentRejected() {
      stats.maxConcurrentRejected();
      errors.error('upstream:overloaded', 'too many upstream queries in flight (--max-concurrent-forwards); answering REFUSED', { code: 'CDNS_UPSTREAM_OVERLOADED' });
    },
    healthcheckBroken() {
      stats.healthcheckBroken();
      errors.error('upstream:broken', 'every upstream of a set is marked down; trying one anyway', { code: 'CDNS_UPSTREAM_ALL_DOWN' });
    },
  };
}
