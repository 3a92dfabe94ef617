// coredns_cache_entries and coredns_cache_hits_total carry type="success"|"denial"; the
// answer cache (resolve/cache.ts) does not record which an entry is, so metrics.ts splits its
// totals with this estimate.
import { RCODE_SLOTS, SOURCES, type QueryStats } from '../server/stats';
import type { CacheCounts } from './metrics';

/**
 * The cache does not record whether an entry is an answer or a denial, so
 * coredns_cache_{entries,hits_total}{type} are split by an estimate: the share of NXDOMAIN
 * among answers that came from upstreams (what the cache stores; NODATA counts as success).
 * Hits are split scrape by scrape on the share seen in that interval, which keeps both
 * counters monotonic.
 */
export class DenialSplit {
  share = 0;
  success = 0;
  denial = 0;
  private hits = 0;
  private nx = 0;
  private all = 0;

  update(c: CacheCounts | null, stats: QueryStats): void {
    if (c === null) return;
    const r = stats.responses;
    const fwd = SOURCES.indexOf('forward');
    let all = 0;
    for (let rc = 0; rc < RCODE_SLOTS; rc++) all += r[rc * SOURCES.length + fwd];
    const nx = r[3 * SOURCES.length + fwd]; // rcode 3: NXDOMAIN
    const dAll = all - this.all;
    const dNx = nx - this.nx;
    if (dAll > 0 && dNx >= 0) this.share = dNx / dAll;
    else if (all > 0) this.share = nx / all;
    this.all = all;
    this.nx = nx;
    const dHits = c.hits - this.hits;
    this.hits = c.hits;
    // A smaller total (a worker restarted) restarts the baseline; the counters stay flat.
    if (dHits <= 0) return;
    const d = Math.round(dHits * this.share);
    this.denial += d;
    this.success += dHits - d;
  }
}
