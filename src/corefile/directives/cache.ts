// cache [TTL] [ZONES...] { success CAP [TTL [MINTTL]]; denial CAP [TTL [MINTTL]]; prefetch AMOUNT
// [[DURATION] [PERCENTAGE%]]; serve_stale [DURATION] [REFRESH_MODE]; disable success|denial
// [ZONES...] } (plugin/cache README). CoreDNS's defaults: 9984 entries of each kind, TTL caps
// 3600 s (success) and 1800 s (denial), floors 5 s; `cache 30` caps both kinds at 30 s. ZONES
// default to the block's zones; `disable` without zones means the cache's zones.
import type { CacheKindPlan, CachePlan } from '../../config/plan';
import type { Line } from '../args';
import { origin, warn, type BlockContext } from '../context';

const OPTIONS = ['success', 'denial', 'prefetch', 'serve_stale', 'disable', 'servfail', 'keepttl'];
const MAX = Number.MAX_SAFE_INTEGER;

export function cache(line: Line, ctx: BlockContext): void {
  let args = line.args;
  let ttl: number | null = null;
  if (args.length > 0 && /^-?\d+$/.test(args[0].text)) {
    ttl = line.int(args[0], 1, MAX, 'a maximum TTL in seconds');
    args = args.slice(1);
  }
  const zones = args.length > 0 ? line.zones(args) : ctx.zones;
  const plan: CachePlan = {
    origin: origin(line),
    zones,
    success: { capacity: 9984, maxTtl: ttl ?? 3600, minTtl: 5 },
    denial: { capacity: 9984, maxTtl: ttl ?? 1800, minTtl: 5 },
    prefetch: null,
    serveStale: null,
    disableSuccess: [],
    disableDenial: [],
  };
  for (const o of line.block()) {
    switch (o.name) {
      case 'success':
      case 'denial': {
        const [cap, max, min] = o.count(1, 3, `${o.name} CAPACITY [TTL [MINTTL]]`);
        const kind: CacheKindPlan = plan[o.name];
        kind.capacity = o.int(cap, 1, MAX, 'a capacity in entries');
        if (max !== undefined) kind.maxTtl = o.int(max, 1, MAX, 'a maximum TTL in seconds');
        if (min !== undefined) kind.minTtl = o.int(min, 0, MAX, 'a minimum TTL in seconds');
        break;
      }
      case 'prefetch': {
        const [amount, ...rest] = o.count(1, 3, 'prefetch AMOUNT [[DURATION] [PERCENTAGE%]]');
        const p = { amount: o.int(amount, 1, MAX, 'a query count'), durationMs: 60_000, percentage: 10 };
        for (const t of rest) {
          if (t.text.endsWith('%')) {
            const pct = o.int({ ...t, text: t.text.slice(0, -1) }, 10, 90, 'a percentage with %');
            p.percentage = pct;
          } else {
            p.durationMs = o.duration(t, 'a duration between queries', 1);
          }
        }
        plan.prefetch = p;
        break;
      }
      case 'serve_stale': {
        const [d, mode] = o.count(0, 2, 'serve_stale [DURATION] [immediate|verify]');
        const durationMs = d === undefined ? 3_600_000 : o.duration(d, 'how long stale answers may be served');
        // The README says `verified`, the code reads `verify`: take both.
        const refresh = mode === undefined ? 'immediate' : o.oneOf(mode, ['immediate', 'verify', 'verified'] as const);
        plan.serveStale = { durationMs, refresh: refresh === 'immediate' ? 'immediate' : 'verify' };
        break;
      }
      case 'disable': {
        const [kind, ...zs] = o.count(1, Infinity, 'disable success|denial [ZONES...]');
        const which = o.oneOf(kind, ['success', 'denial'] as const);
        const list = zs.length > 0 ? o.zones(zs) : zones;
        if (which === 'success') plan.disableSuccess = list;
        else plan.disableDenial = list;
        break;
      }
      case 'servfail':
        o.count(1, 1, 'servfail DURATION');
        warn(ctx, o, 'ignored: SERVFAIL answers are not cached');
        break;
      case 'keepttl':
        warn(ctx, o, 'ignored: cached answers count their TTL down');
        break;
      default:
        throw o.unknown(OPTIONS);
    }
  }
  // A floor above the cap (`cache 3` against the 5 s floor) is the cap.
  for (const k of [plan.success, plan.denial]) k.minTtl = Math.min(k.minTtl, k.maxTtl);
  ctx.plan.cache = plan;
}
