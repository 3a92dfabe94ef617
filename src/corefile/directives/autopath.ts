// autopath [ZONES...] RESOLV-CONF (plugin/autopath README). Only `@kubernetes` is taken: the
// search path comes from the client pod's namespace, which needs the kubernetes plugin of the
// same block, and CoreDNS only does it with `pods verified`. The plan is resolved after the
// whole block is read (compile.ts), because `kubernetes` may come later in the file.
import type { AutopathPlan } from '../../config/plan';
import type { Line } from '../args';
import { origin, warn, type BlockContext } from '../context';

export function autopath(line: Line, ctx: BlockContext): void {
  const args = line.count(1, Infinity, 'autopath [ZONES...] @kubernetes');
  line.noBlock();
  const source = args[args.length - 1];
  if (source.text !== '@kubernetes') {
    throw line.fail(`only @kubernetes is supported (the search path of the client pod), got "${source.text}"`, source, 'CDNS_COREFILE_UNSUPPORTED');
  }
  if (args.length > 1) line.zones(args.slice(0, -1));
  pending.set(ctx, line);
}

const pending = new WeakMap<BlockContext, Line>();

/** After the block: the plan, from the block's kubernetes plugin. */
export function finishAutopath(ctx: BlockContext): void {
  const line = pending.get(ctx);
  if (line === undefined) return;
  const k = ctx.plan.kubernetes;
  if (k === null) throw line.fail('@kubernetes needs a kubernetes directive in the same server block');
  const zone = k.zones.find((z) => z !== '' && !z.endsWith('.arpa'));
  if (zone === undefined) throw line.fail('@kubernetes needs a kubernetes cluster zone (not only reverse zones)');
  const verified = k.pods === 'verified';
  if (!verified) warn(ctx, line, `CoreDNS only walks the search path with "pods verified" (kubernetes at ${k.origin} has pods ${k.pods})`);
  const plan: AutopathPlan = { origin: origin(line), zone, searchDomains: null, verified };
  ctx.plan.autopath = plan;
}
