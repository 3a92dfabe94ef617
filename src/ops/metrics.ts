// GET /metrics (SPEC §5): Prometheus text with the names and labels CoreDNS exports, so that
// the dashboards and alerts people already run keep working, plus clusterdns_* extras and the
// process_*/nodejs_* metrics of prom-client. One Registry per Metrics (never the global one).
//
// Everything is read at scrape time from a MetricsView the caller hands over: the query
// counters of server/stats.ts, the cache's numbers, the forwarder's ForwardStats, the cluster
// view: the Running's own objects, plus the query counters of the UDP threads of --workers N
// summed in (QueryStats.add, ops/serve.ts). Nothing here holds
// module state, and nothing runs per query (families.ts says why and what it measured).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Options } from '../config/options';
import type { KubernetesObserver } from '../sources/kubernetes';
import { DURATION_BUCKETS, FAMILIES, MONITORED_TYPES, PROTOS, QueryStats, RCODE_SLOTS, SIZE_BUCKETS, SOURCES } from '../server/stats';
import { BucketedHistogram, counterFamily, gaugeFamily, rcodeLabel, type EmitBuckets } from './families';
import { DenialSplit } from './cache-split';
import { FAIL_REASONS, ForwardStats, type UpstreamCounters } from './forward-stats';

import type { CacheCounts } from '../resolve/cache';
export type { CacheCounts };

export interface ClusterCounts {
  generation: number;
  synced: boolean;
  /** Objects held in the cluster view, by kind (services, endpointsets, pods, namespaces). */
  objects: Record<string, number>;
}

export interface MetricsView {
  stats: QueryStats;
  cache: CacheCounts | null;
  /** Links that threw (coredns_panics_total). */
  panics: number;
  forward: ForwardStats | null;
  cluster: ClusterCounts | null;
  /** Enabled links and endpoints, CoreDNS plugin names (coredns_plugin_enabled). */
  plugins: string[];
  /**
   * Server blocks (issue 9): the query counters of each, labelled as CoreDNS labels them
   * (`server` dns://:PORT, `zone` the block's first zone). Absent: `stats` as one series.
   */
  blocks?: BlockSeries[];
}

export interface BlockSeries {
  server: string;
  zone: string;
  stats: QueryStats;
}

export interface MetricsOptions {
  /** The CoreDNS `server` label, `dns://:<port>` of the first listen address (read per scrape: port 0 binds late). */
  server(): string;
  /** Called once per scrape; may be async (a primary asking its workers). */
  read(): MetricsView | Promise<MetricsView>;
  /** process_* and nodejs_* (prom-client default metrics). Default true. */
  processMetrics?: boolean;
}

/** CoreDNS kubernetes plugin: the kinds of Service a programming latency is recorded for. */
export type ProgrammingKind = 'cluster_ip' | 'headless_with_selector' | 'headless_without_selector';

export type ConfigReloadResult = 'applied' | 'unchanged' | 'rejected';

/** plugin.TimeBuckets of CoreDNS are DURATION_BUCKETS; SlimTimeBuckets for the health probe. */
const SLIM_TIME_BUCKETS = [0.00025, 0.0025, 0.025, 0.25, 2.5];
/** CoreDNS: ExponentialBuckets(0.001, 2, 20), 1 ms to ~17 min. */
const PROGRAMMING_BUCKETS = Array.from({ length: 20 }, (_, i) => 0.001 * 2 ** i);

const ZONE = '.';
const VIEW = '';
const NT = MONITORED_TYPES.length;
const NDB = DURATION_BUCKETS.length + 1;
const NSB = SIZE_BUCKETS.length + 1;
const PKG = require('../../package.json') as { version: string };

export class Metrics {
  readonly registry = new Registry();
  private view: MetricsView = { stats: new QueryStats(), cache: null, panics: 0, forward: null, cluster: null, plugins: [] };
  private readonly programming: Histogram<string>;
  private readonly health: Histogram<string>;
  private readonly kubeEvents: Counter<string>;
  private readonly configReloads: Counter<string>;
  private readonly configRestartPending: Gauge<string>;
  private readonly sourceReloads: Counter<string>;
  private readonly cacheSplit = new DenialSplit();

  constructor(private readonly opts: MetricsOptions) {
    const reg = this.registry;
    if (opts.processMetrics !== false) collectDefaultMetrics({ register: reg });
    const v = () => this.view;
    // One series per server block; without blocks (a primary summing its workers) one series.
    const series = (): BlockSeries[] => v().blocks ?? [{ server: opts.server(), zone: ZONE, stats: v().stats }];

    // --- CoreDNS: metrics plugin ---
    gaugeFamily(reg, 'coredns_build_info', 'A metric with a constant \'1\' value labeled by version, revision, and goversion from which CoreDNS was built.', ['version', 'revision', 'goversion'], (emit) =>
      emit({ version: PKG.version, revision: process.env.CLUSTERDNS_REVISION ?? 'unknown', goversion: `node${process.versions.node}` }, 1),
    );
    counterFamily(reg, 'coredns_panics_total', 'A metrics that counts the number of panics.', [], (emit) => emit({}, v().panics));
    gaugeFamily(reg, 'coredns_plugin_enabled', 'A metric that indicates whether a plugin is enabled on per server and zone basis.', ['server', 'zone', 'view', 'name'], (emit) => {
      for (const name of v().plugins) emit({ server: opts.server(), zone: ZONE, view: VIEW, name }, 1);
    });
    counterFamily(reg, 'coredns_dns_requests_total', 'Counter of DNS requests made per zone, protocol and family.', ['server', 'zone', 'view', 'proto', 'family', 'type'], (emit) => {
      for (const b of series()) {
        const r = b.stats.requests;
        for (let p = 0; p < PROTOS.length; p++) {
          for (let f = 0; f < FAMILIES.length; f++) {
            for (let t = 0; t < NT; t++) {
              const n = r[(p * 2 + f) * NT + t];
              if (n > 0) emit({ server: b.server, zone: b.zone, view: VIEW, proto: PROTOS[p], family: FAMILIES[f], type: MONITORED_TYPES[t] }, n);
            }
          }
        }
      }
    });
    counterFamily(reg, 'coredns_dns_responses_total', 'Counter of response status codes.', ['server', 'zone', 'view', 'rcode', 'plugin'], (emit) => {
      for (const b of series()) {
        const r = b.stats.responses;
        for (let rc = 0; rc < RCODE_SLOTS; rc++) {
          for (let s = 0; s < SOURCES.length; s++) {
            const n = r[rc * SOURCES.length + s];
            if (n > 0) emit({ server: b.server, zone: b.zone, view: VIEW, rcode: rcodeLabel(rc), plugin: SOURCES[s] }, n);
          }
        }
      }
    });
    // One series per query type that was asked (CoreDNS labels latency by type).
    new BucketedHistogram(reg, 'coredns_dns_request_duration_seconds', 'Histogram of the time (in seconds) each request took per zone.', ['server', 'zone', 'view', 'type'], DURATION_BUCKETS, (emit) => {
      for (const blk of series()) {
        const s = blk.stats;
        for (let t = 0; t < NT; t++) {
          let n = 0;
          for (let b = 0; b < NDB; b++) n += s.duration[t * NDB + b];
          if (n > 0) emit({ server: blk.server, zone: blk.zone, view: VIEW, type: MONITORED_TYPES[t] }, s.duration, t * NDB, s.durationSum[t]);
        }
      }
    });
    const perProto = (counts: (s: QueryStats) => Float64Array, sums: (s: QueryStats) => Float64Array) => (emit: EmitBuckets) => {
      for (const b of series()) {
        const s = b.stats;
        for (let p = 0; p < PROTOS.length; p++) emit({ server: b.server, zone: b.zone, view: VIEW, proto: PROTOS[p] }, counts(s), p * NSB, sums(s)[p]);
      }
    };
    new BucketedHistogram(reg, 'coredns_dns_request_size_bytes', 'Size of the EDNS0 UDP buffer in bytes (64K for TCP) per zone and protocol.', ['server', 'zone', 'view', 'proto'], SIZE_BUCKETS, perProto((s) => s.reqSize, (s) => s.reqSizeSum));
    new BucketedHistogram(reg, 'coredns_dns_response_size_bytes', 'Size of the returned response in bytes.', ['server', 'zone', 'view', 'proto'], SIZE_BUCKETS, perProto((s) => s.respSize, (s) => s.respSizeSum));

    // --- CoreDNS: autopath plugin (counts walks that found an answer; repeats served from the
    // cache do not count, as in CoreDNS, whose cache sits before autopath) ---
    counterFamily(reg, 'coredns_autopath_success_total', 'Counter of requests that did autopath.', ['server'], (emit) => {
      if (v().plugins.includes('autopath')) emit({ server: opts.server() }, v().stats.autopath[0]);
    });

    // --- CoreDNS: cache plugin (labels server, type, zones, view as in CoreDNS 1.11) ---
    const cacheLabels = () => ({ server: opts.server(), zones: ZONE, view: VIEW });
    gaugeFamily(reg, 'coredns_cache_entries', 'The number of elements in the cache.', ['server', 'type', 'zones', 'view'], (emit) => {
      const c = v().cache;
      if (c === null) return;
      const denial = Math.round(c.size * this.cacheSplit.share);
      emit({ ...cacheLabels(), type: 'success' }, c.size - denial);
      emit({ ...cacheLabels(), type: 'denial' }, denial);
    });
    counterFamily(reg, 'coredns_cache_hits_total', 'The count of cache hits.', ['server', 'type', 'zones', 'view'], (emit) => {
      if (v().cache === null) return;
      emit({ ...cacheLabels(), type: 'success' }, this.cacheSplit.success);
      emit({ ...cacheLabels(), type: 'denial' }, this.cacheSplit.denial);
    });
    counterFamily(reg, 'coredns_cache_misses_total', 'The count of cache misses. Deprecated, derive misses from cache hits/requests counters.', ['server', 'zones', 'view'], (emit) => {
      const c = v().cache;
      if (c !== null) emit(cacheLabels(), c.misses);
    });
    counterFamily(reg, 'coredns_cache_served_stale_total', 'The number of requests served from stale cache entries.', ['server', 'zones', 'view'], (emit) => {
      const c = v().cache;
      if (c !== null) emit(cacheLabels(), c.servedStale);
    });
    counterFamily(reg, 'coredns_cache_requests_total', 'The count of cache requests.', ['server', 'zones', 'view'], (emit) => {
      const c = v().cache;
      if (c !== null) emit(cacheLabels(), c.hits + c.misses);
    });

    // --- CoreDNS: forward plugin ---
    const ups = (fn: (to: string, u: UpstreamCounters) => void) => {
      const f = v().forward;
      if (f !== null) for (const [to, u] of f.upstreams) fn(to, u);
    };
    counterFamily(reg, 'coredns_forward_requests_total', 'Counter of requests made per upstream.', ['to'], (emit) => ups((to, u) => emit({ to }, ForwardStats.requests(u))));
    counterFamily(reg, 'coredns_forward_responses_total', 'Counter of responses received per upstream.', ['to', 'rcode'], (emit) =>
      ups((to, u) => u.responses.forEach((n, rc) => n > 0 && emit({ to, rcode: rcodeLabel(rc) }, n))),
    );
    new BucketedHistogram(reg, 'coredns_forward_request_duration_seconds', 'Histogram of the time each request took.', ['to', 'rcode'], DURATION_BUCKETS, (emit) =>
      ups((to, u) => u.responses.forEach((n, rc) => n > 0 && emit({ to, rcode: rcodeLabel(rc) }, u.duration, rc * NDB, u.durationSum[rc]))),
    );
    counterFamily(reg, 'coredns_forward_healthcheck_failures_total', 'Counter of the number of failed healthchecks.', ['to'], (emit) => ups((to, u) => emit({ to }, u.healthcheckFailures)));
    counterFamily(reg, 'coredns_forward_healthcheck_broken_total', 'Counter of the number of complete failures of the healthchecks.', [], (emit) => emit({}, v().forward?.broken ?? 0));
    counterFamily(reg, 'coredns_forward_max_concurrent_rejects_total', 'Counter of the number of queries rejected because the concurrent queries were at maximum.', [], (emit) =>
      emit({}, v().forward?.rejects ?? 0),
    );

    // --- CoreDNS: kubernetes and health plugins (observed live, where the event happens) ---
    this.programming = new Histogram({
      name: 'coredns_kubernetes_dns_programming_duration_seconds',
      help: 'Histogram of the time (in seconds) it took to program a dns instance.',
      labelNames: ['service_kind'],
      buckets: PROGRAMMING_BUCKETS,
      registers: [reg],
    });
    this.health = new Histogram({
      name: 'coredns_health_request_duration_seconds',
      help: 'Histogram of the time (in seconds) each request took.',
      buckets: SLIM_TIME_BUCKETS,
      registers: [reg],
    });

    // --- clusterdns extras ---
    counterFamily(reg, 'clusterdns_forward_failures_total', 'Upstream attempts that ended without a reply, by reason (spoofed: a forged reply was dropped).', ['to', 'reason'], (emit) =>
      ups((to, u) => FAIL_REASONS.forEach((r, i) => emit({ to, reason: r }, u.failures[i]))),
    );
    gaugeFamily(reg, 'clusterdns_forward_upstream_up', '1 while the upstream is in rotation, 0 while marked down by health checks.', ['to'], (emit) => ups((to, u) => emit({ to }, u.up)));
    gaugeFamily(reg, 'clusterdns_cluster_generation', 'Generation of the cluster view; moves on every change visible in DNS.', [], (emit) => {
      const c = v().cluster;
      if (c !== null) emit({}, c.generation);
    });
    gaugeFamily(reg, 'clusterdns_cluster_synced', '1 once the source completed its first full list.', [], (emit) => {
      const c = v().cluster;
      if (c !== null) emit({}, c.synced ? 1 : 0);
    });
    gaugeFamily(reg, 'clusterdns_cluster_objects', 'Objects held in the cluster view, by kind.', ['kind'], (emit) => {
      const c = v().cluster;
      if (c !== null) for (const [kind, n] of Object.entries(c.objects)) emit({ kind }, n);
    });
    this.kubeEvents = new Counter({ name: 'clusterdns_kubernetes_events_total', help: 'Watch events from the API server that changed the cluster view, by resource.', labelNames: ['resource'], registers: [reg] });
    this.configReloads = new Counter({ name: 'clusterdns_config_reloads_total', help: 'Config file reloads, by result (applied, unchanged, rejected).', labelNames: ['result'], registers: [reg] });
    for (const result of ['applied', 'unchanged', 'rejected']) this.configReloads.inc({ result }, 0);
    this.configRestartPending = new Gauge({ name: 'clusterdns_config_restart_pending', help: '1 while the config file sets options that only a restart applies.', registers: [reg] });
    this.sourceReloads = new Counter({ name: 'clusterdns_source_reloads_total', help: 'Reloads of the snapshot and of zone files, by source and result.', labelNames: ['source', 'result'], registers: [reg] });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text; reads the view once, then renders every family from it. */
  async render(): Promise<string> {
    const view = await this.opts.read();
    this.view = view;
    this.cacheSplit.update(view.cache, view.stats);
    return this.registry.metrics();
  }

  // --- events observed where they happen (not per query) ---

  observeProgramming(kind: ProgrammingKind, seconds: number): void {
    this.programming.observe({ service_kind: kind }, seconds);
  }

  observeHealth(seconds: number): void {
    this.health.observe(seconds);
  }

  configReloaded(result: ConfigReloadResult, restartPending: boolean): void {
    this.configReloads.inc({ result });
    this.configRestartPending.set(restartPending ? 1 : 0);
  }

  sourceReloaded(source: 'snapshot' | 'zonefile', ok: boolean): void {
    this.sourceReloads.inc({ source, result: ok ? 'applied' : 'rejected' });
  }

  /**
   * For sources/kubernetes.ts (KubernetesSourceOptions.observer). Its programming latency
   * comes from the endpoints controller's last-change-trigger-time annotation, which the
   * controller only writes for Services with a selector: headless_with_selector, as CoreDNS.
   */
  kubernetesObserver(): KubernetesObserver {
    return {
      programmingLatency: (seconds) => this.observeProgramming('headless_with_selector', seconds),
      eventApplied: (resource) => this.kubeEvents.inc({ resource }),
    };
  }
}

/** CoreDNS plugin names of what runs (coredns_plugin_enabled), from the options in effect. */
export function enabledPlugins(o: Options, has: { forwarder: boolean; cache: boolean }): string[] {
  const p = ['errors', 'kubernetes'];
  if (has.cache) p.push('cache');
  if (o.zoneFiles.length > 0) p.push('file');
  if (has.forwarder) p.push('forward', 'loop');
  if (o.logQueries) p.push('log');
  if (o.health) p.push('health');
  if (o.ready) p.push('ready');
  if (o.metrics) p.push('prometheus');
  if (o.config) p.push('reload');
  if (o.autopath) p.push('autopath');
  return p;
}
