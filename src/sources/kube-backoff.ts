// Retry delays after a failed list or watch: exponential with jitter, capped (client-go's
// reflector uses 800 ms doubling to 30 s). Jitter spreads the reconnects of many DNS
// replicas after an API server restart instead of landing them in the same instant.
//
// While the API server is unreachable (connection refused or reset, 502/503/504) the delay
// stops growing at a lower cap (issue 10 item 5): with the 30 s cap, a 20 s outage left the
// next retry up to 12.8 s after the server was back, and the view that much behind. A retry
// every 2-4 s per watched resource is a bounded rate a down server does not notice (a refused
// connection costs it nothing), and the view catches up within 4 s of the server answering.
// Errors from a server that answers (403, 429, 500, a bad body) keep the full backoff: retrying
// those fast helps nobody.

export interface BackoffOptions {
  /** First delay, ms. */
  baseMs: number;
  /** Largest delay, ms. */
  capMs: number;
  /** Largest delay while the API server is unreachable, ms (defaults to capMs). */
  unreachableCapMs?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { baseMs: 800, capMs: 30_000, unreachableCapMs: 4_000 };

export class Backoff {
  private attempt = 0;
  constructor(
    private readonly opts: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /**
   * The next delay: half fixed, half random ("equal jitter"), so it never collapses to ~0.
   * @param unreachable the failure was the server not answering at all (see the file comment).
   */
  next(unreachable = false): number {
    const cap = unreachable ? Math.min(this.opts.capMs, this.opts.unreachableCapMs ?? this.opts.capMs) : this.opts.capMs;
    const ceiling = Math.min(cap, this.opts.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(ceiling / 2 + this.random() * (ceiling / 2));
  }

  reset(): void {
    this.attempt = 0;
  }

  get failures(): number {
    return this.attempt;
  }
}

/** HTTP statuses of a proxy or load balancer in front of an API server that is not there. */
const GATEWAY_DOWN = new Set([502, 503, 504]);

/** Whether a failed call means the API server did not answer (kube-http.ts ApiError fields). */
export function unreachable(err: { status?: unknown; reason?: unknown } | null): boolean {
  if (err === null) return false;
  return (err.status === 0 && err.reason === 'unreachable') || GATEWAY_DOWN.has(err.status as number);
}
