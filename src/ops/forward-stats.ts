// Counters of the forwarder (coredns_forward_*), kept as plain numbers per upstream so that a
// process can ship them as a snapshot and another can add them up (multi-process, issue 6),
// as server/stats.ts does for queries. Fed through upstream/'s ForwarderObserver, which is
// called once per upstream attempt, never per cache hit.
import { bucketOf, DURATION_BUCKETS, RCODE_SLOTS } from '../server/stats';
import type { ForwarderObserver } from '../upstream/forwarder';

export const FAIL_REASONS = ['timeout', 'refused', 'spoofed', 'error'] as const;
export type FailReason = (typeof FAIL_REASONS)[number];

const NB = DURATION_BUCKETS.length + 1;

/** One upstream's counters; arrays so that snapshot/add are loops. */
export interface UpstreamCounters {
  /** Replies received, by rcode slot (coredns_forward_responses_total). */
  responses: number[];
  /** [rcode slot][bucket], per-bucket counts of reply latency. */
  duration: number[];
  durationSum: number[];
  /** Attempts that ended without a reply, by FAIL_REASONS index (spoofed: a forgery dropped). */
  failures: number[];
  /** Health probes that failed (coredns_forward_healthcheck_failures_total). */
  healthcheckFailures: number;
  /** 1 while the upstream is considered up. */
  up: number;
}

export interface ForwardSnapshot {
  upstreams: Record<string, UpstreamCounters>;
  healthcheckBroken: number;
  maxConcurrentRejects: number;
}

function fresh(): UpstreamCounters {
  return {
    responses: new Array<number>(RCODE_SLOTS).fill(0),
    duration: new Array<number>(RCODE_SLOTS * NB).fill(0),
    durationSum: new Array<number>(RCODE_SLOTS).fill(0),
    failures: new Array<number>(FAIL_REASONS.length).fill(0),
    healthcheckFailures: 0,
    up: 1,
  };
}

export class ForwardStats implements ForwarderObserver {
  readonly upstreams = new Map<string, UpstreamCounters>();
  /** coredns_forward_healthcheck_broken_total */
  broken = 0;
  /** coredns_forward_max_concurrent_rejects_total */
  rejects = 0;

  private of(to: string): UpstreamCounters {
    let u = this.upstreams.get(to);
    if (u === undefined) this.upstreams.set(to, (u = fresh()));
    return u;
  }

  // --- ForwarderObserver ---

  request(to: string, _proto: 'udp' | 'tcp', rcode: number, seconds: number): void {
    const u = this.of(to);
    const slot = rcode > 15 ? 16 : rcode;
    u.responses[slot]++;
    u.duration[slot * NB + bucketOf(DURATION_BUCKETS, seconds)]++;
    u.durationSum[slot] += seconds;
  }

  failure(to: string, reason: FailReason): void {
    this.of(to).failures[FAIL_REASONS.indexOf(reason)]++;
  }

  healthcheckFailure(to: string): void {
    this.of(to).healthcheckFailures++;
  }

  healthy(to: string, up: boolean): void {
    this.of(to).up = up ? 1 : 0;
  }

  maxConcurrentRejected(): void {
    this.rejects++;
  }

  healthcheckBroken(): void {
    this.broken++;
  }

  // --- derived ---

  /** Attempts sent to `u`: replies plus attempts that failed (a dropped forgery is not one). */
  static requests(u: UpstreamCounters): number {
    let n = 0;
    for (const r of u.responses) n += r;
    for (let i = 0; i < FAIL_REASONS.length; i++) if (FAIL_REASONS[i] !== 'spoofed') n += u.failures[i];
    return n;
  }

  snapshot(): ForwardSnapshot {
    const upstreams: Record<string, UpstreamCounters> = {};
    for (const [k, u] of this.upstreams) {
      upstreams[k] = { ...u, responses: [...u.responses], duration: [...u.duration], durationSum: [...u.durationSum], failures: [...u.failures] };
    }
    return { upstreams, healthcheckBroken: this.broken, maxConcurrentRejects: this.rejects };
  }

  /** Adds another process's snapshot into this one (`up` is the lowest seen: down anywhere is down). */
  add(s: ForwardSnapshot): void {
    for (const [k, src] of Object.entries(s.upstreams)) {
      const had = this.upstreams.has(k);
      const dst = this.of(k);
      const sum = (a: number[], b: number[]) => {
        for (let i = 0; i < a.length && i < b.length; i++) a[i] += b[i];
      };
      sum(dst.responses, src.responses);
      sum(dst.duration, src.duration);
      sum(dst.durationSum, src.durationSum);
      sum(dst.failures, src.failures);
      dst.healthcheckFailures += src.healthcheckFailures;
      dst.up = had ? Math.min(dst.up, src.up) : src.up;
    }
    this.broken += s.healthcheckBroken;
    this.rejects += s.maxConcurrentRejects;
  }
}
