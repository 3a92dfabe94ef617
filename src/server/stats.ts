// Per-query counters, kept as plain typed arrays so the hot path pays one increment per fact
// (STYLE rule 10) and workers can ship them to the primary as numbers. ops/metrics.ts turns
// them into the CoreDNS metric families at scrape time (SPEC §5).

/** Query types CoreDNS reports by name; everything else is `other`. */
export const MONITORED_TYPES = ['A', 'AAAA', 'MX', 'SOA', 'CNAME', 'PTR', 'TXT', 'NS', 'SRV', 'DS', 'DNSKEY', 'RRSIG', 'NSEC', 'NSEC3', 'HTTPS', 'IXFR', 'AXFR', 'ANY', 'other'] as const;
const TYPE_CODES = [1, 28, 15, 6, 5, 12, 16, 2, 33, 43, 48, 46, 47, 50, 65, 251, 252, 255];
const typeIndex = new Uint8Array(65536).fill(MONITORED_TYPES.length - 1);
TYPE_CODES.forEach((code, i) => (typeIndex[code] = i));

export const PROTOS = ['udp', 'tcp'] as const;
export const FAMILIES = ['1', '2'] as const; // CoreDNS: 1 = IPv4, 2 = IPv6
/** rcodes 0..15 plus BADVERS (16) folded into slot 16. */
export const RCODE_SLOTS = 17;
export const SOURCES = ['cache', 'kubernetes', 'file', 'forward', ''] as const;

/** CoreDNS: prometheus.ExponentialBuckets(0.00025, 2, 16), seconds. */
export const DURATION_BUCKETS = Array.from({ length: 16 }, (_, i) => 0.00025 * 2 ** i);
/** CoreDNS request/response size buckets, bytes. */
export const SIZE_BUCKETS = [0, 100, 200, 300, 400, 511, 1023, 2047, 4095, 8291, 16000, 32000, 48000, 64000];

const NT = MONITORED_TYPES.length;

export interface StatsSnapshot {
  requests: number[];
  responses: number[];
  duration: number[];
  durationSum: number[];
  reqSize: number[];
  reqSizeSum: number[];
  respSize: number[];
  respSizeSum: number[];
  autopath?: number[];
}

/** Lengths of the counter arrays, in the order they sit in a shared buffer. */
const LENGTHS = [2 * 2 * NT, RCODE_SLOTS * SOURCES.length, NT * (DURATION_BUCKETS.length + 1), NT, 2 * (SIZE_BUCKETS.length + 1), 2, 2 * (SIZE_BUCKETS.length + 1), 2, 1];

export class QueryStats {
  /** Bytes of the buffer one QueryStats needs (for a SharedArrayBuffer). */
  static readonly BYTES = LENGTHS.reduce((a, b) => a + b, 0) * 8;

  /** [proto][family][type] */
  readonly requests: Float64Array;
  /** [rcode][source] */
  readonly responses: Float64Array;
  /** [type][bucket, the last for +Inf]: per-bucket counts, made cumulative at scrape time. */
  readonly duration: Float64Array;
  /** [type] */
  readonly durationSum: Float64Array;
  readonly reqSize: Float64Array;
  readonly reqSizeSum: Float64Array;
  readonly respSize: Float64Array;
  readonly respSizeSum: Float64Array;
  /** Walks that found an answer (coredns_autopath_success_total; resolve/autopath.ts). */
  readonly autopath: Float64Array;

  /**
   * @param buffer where the counters live: a SharedArrayBuffer of BYTES lets a UDP thread
   *   count and the main thread read the same numbers at scrape time (server/threads.ts).
   */
  constructor(buffer: ArrayBufferLike = new ArrayBuffer(QueryStats.BYTES)) {
    let at = 0;
    const next = (i: number) => {
      const a = new Float64Array(buffer, at, LENGTHS[i]);
      at += LENGTHS[i] * 8;
      return a;
    };
    this.requests = next(0);
    this.responses = next(1);
    this.duration = next(2);
    this.durationSum = next(3);
    this.reqSize = next(4);
    this.reqSizeSum = next(5);
    this.respSize = next(6);
    this.respSizeSum = next(7);
    this.autopath = next(8);
  }

  request(proto: number, family: number, qtype: number, size: number): void {
    this.requests[(proto * 2 + family) * NT + typeIndex[qtype]]++;
    this.reqSize[proto * (SIZE_BUCKETS.length + 1) + bucketOf(SIZE_BUCKETS, size)]++;
    this.reqSizeSum[proto] += size;
  }

  response(proto: number, qtype: number, rcode: number, source: number, size: number, seconds: number): void {
    this.responses[(rcode > 15 ? 16 : rcode) * SOURCES.length + source]++;
    this.respSize[proto * (SIZE_BUCKETS.length + 1) + bucketOf(SIZE_BUCKETS, size)]++;
    this.respSizeSum[proto] += size;
    const t = typeIndex[qtype];
    this.duration[t * (DURATION_BUCKETS.length + 1) + bucketOf(DURATION_BUCKETS, seconds)]++;
    this.durationSum[t] += seconds;
  }

  snapshot(): StatsSnapshot {
    return {
      requests: [...this.requests],
      responses: [...this.responses],
      duration: [...this.duration],
      durationSum: [...this.durationSum],
      reqSize: [...this.reqSize],
      reqSizeSum: [...this.reqSizeSum],
      respSize: [...this.respSize],
      respSizeSum: [...this.respSizeSum],
      autopath: [...this.autopath],
    };
  }

  /** Adds a worker's snapshot into this one (the primary sums its workers, issue 6). */
  add(s: StatsSnapshot): void {
    const addInto = (dst: Float64Array, src: number[]) => {
      for (let i = 0; i < dst.length && i < src.length; i++) dst[i] += src[i];
    };
    addInto(this.requests, s.requests);
    addInto(this.responses, s.responses);
    addInto(this.duration, s.duration);
    addInto(this.durationSum, s.durationSum);
    addInto(this.reqSize, s.reqSize);
    addInto(this.reqSizeSum, s.reqSizeSum);
    addInto(this.respSize, s.respSize);
    addInto(this.respSizeSum, s.respSizeSum);
    if (s.autopath) addInto(this.autopath, s.autopath);
  }
}

/** Per-bucket index of `v` in ascending `bounds` (bounds.length = above all): Prometheus `le`. */
export function bucketOf(bounds: readonly number[], v: number): number {
  let i = 0;
  while (i < bounds.length && v > bounds[i]) i++;
  return i;
}
