// prom-client families whose samples are read at scrape time from plain numbers (typed arrays
// of server/stats.ts, ForwardStats, the cluster view). Nothing here runs per query: the hot
// path only increments numbers, and a scrape turns them into Prometheus text (STYLE rule 10).
//
// Why not observe into prom-client on the hot path: measured (ops/README.md, Metrics), one
// query's worth of prom-client calls (two counters and three histograms with CoreDNS's label
// sets) costs 3.5-5 us, against ~12 ns for QueryStats' typed-array increments: at 30k QPS
// that is 10-15 % of a core spent hashing labels. prom-client cannot be fed bucket counts, so
// BucketedHistogram overrides the two read methods of its Histogram and renders the counts
// it is given.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type Labels = Record<string, string>;
export type Emit = (labels: Labels, value: number) => void;

/** A counter family filled from plain numbers on each scrape. */
export function counterFamily(reg: Registry, name: string, help: string, labelNames: string[], read: (emit: Emit) => void): Counter<string> {
  return new Counter({
    name,
    help,
    labelNames,
    registers: [reg],
    collect() {
      this.reset();
      read((labels, value) => this.inc(labels, value));
    },
  });
}

/** A gauge family filled from plain numbers on each scrape. */
export function gaugeFamily(reg: Registry, name: string, help: string, labelNames: string[], read: (emit: Emit) => void): Gauge<string> {
  return new Gauge({
    name,
    help,
    labelNames,
    registers: [reg],
    collect() {
      this.reset();
      read((labels, value) => this.set(labels, value));
    },
  });
}

/**
 * One series of a pre-bucketed histogram: `counts[offset + i]` is the number of observations
 * in bucket i (not cumulative), i = 0..bounds.length, the last being above every bound (+Inf).
 */
export type EmitBuckets = (labels: Labels, counts: ArrayLike<number>, offset: number, sum: number) => void;

interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

/** A histogram whose buckets are counted elsewhere (server/stats.ts) and only rendered here. */
export class BucketedHistogram extends Histogram<string> {
  constructor(
    reg: Registry,
    private readonly family: string,
    private readonly helpText: string,
    labelNames: string[],
    private readonly bounds: readonly number[],
    private readonly read: (emit: EmitBuckets) => void,
  ) {
    super({ name: family, help: helpText, labelNames, buckets: [...bounds], registers: [reg] });
  }

  /** The registry's text path (prom-client calls this in preference to get()). */
  async getForPromString() {
    return this.render();
  }

  override async get() {
    return this.render() as unknown as Awaited<ReturnType<Histogram<string>['get']>>;
  }

  private render() {
    const values: Sample[] = [];
    const bounds = this.bounds;
    const name = this.family;
    this.read((labels, counts, offset, sum) => {
      let acc = 0;
      for (let i = 0; i < bounds.length; i++) {
        acc += counts[offset + i];
        values.push({ labels: { ...labels, le: bounds[i] }, value: acc, metricName: `${name}_bucket` });
      }
      acc += counts[offset + bounds.length];
      values.push({ labels: { ...labels, le: '+Inf' }, value: acc, metricName: `${name}_bucket` });
      values.push({ labels, value: sum, metricName: `${name}_sum` });
      values.push({ labels, value: acc, metricName: `${name}_count` });
    });
    return { name, help: this.helpText, type: 'histogram' as const, values, aggregator: 'sum' as const };
  }
}

/** rcode -> CoreDNS label text (miekg/dns RcodeToString); slot 16 is BADVERS as we send it. */
const RCODE_LABELS = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];
export function rcodeLabel(slot: number): string {
  return RCODE_LABELS[slot] ?? (slot === 16 ? 'BADVERS' : `RCODE${slot}`);
}
