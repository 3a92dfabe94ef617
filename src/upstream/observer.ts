// The forwarder's one door to metrics (STYLE rule 10): ops/metrics.ts implements this with
// prom-client; README.md "Metrics" maps each call to a coredns_forward_* series. Without an
// observer every call is a shared no-op picked at construction, so nothing is tested per query.

export interface ForwarderObserver {
  request(upstream: string, proto: 'udp' | 'tcp', rcode: number, seconds: number): void;
  failure(upstream: string, reason: 'timeout' | 'refused' | 'spoofed' | 'error'): void;
  healthcheckFailure(upstream: string): void;
  healthy(upstream: string, up: boolean): void;
  maxConcurrentRejected(): void;
  /** Every upstream of a set was down and one was tried anyway (coredns_forward_healthcheck_broken_total). */
  healthcheckBroken?(): void;
}

const noop = (): void => {};
const NOOP_OBSERVER: Required<ForwarderObserver> = {
  request: noop,
  failure: noop,
  healthcheckFailure: noop,
  healthy: noop,
  maxConcurrentRejected: noop,
  healthcheckBroken: noop,
};

/** Bind once so an absent observer and absent methods cost nothing per query (STYLE rule 10). */
export function bindObserver(o: ForwarderObserver | undefined): Required<ForwarderObserver> {
  if (o === undefined) return NOOP_OBSERVER;
  return {
    request: o.request.bind(o),
    failure: o.failure.bind(o),
    healthcheckFailure: o.healthcheckFailure.bind(o),
    healthy: o.healthy.bind(o),
    maxConcurrentRejected: o.maxConcurrentRejected.bind(o),
    healthcheckBroken: o.healthcheckBroken ? o.healthcheckBroken.bind(o) : noop,
  };
}
