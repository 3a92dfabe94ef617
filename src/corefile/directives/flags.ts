// The plugins that are one switch on the block: loadbalance [round_robin], loop, any, whoami
// (their READMEs); errors and log take options clusterdns does not need and warns about.
import type { Line } from '../args';
import { warn, type BlockContext } from '../context';

/** loadbalance [round_robin]: shuffle A/AAAA of NOERROR answers (CNAMEs first, SRV untouched). */
export function loadbalance(line: Line, ctx: BlockContext): void {
  const [policy] = line.count(0, 1, 'loadbalance [round_robin]');
  if (policy !== undefined && policy.text !== 'round_robin') {
    throw line.fail(`only round_robin is supported, got "${policy.text}"`, policy, policy.text === 'weighted' ? 'CDNS_COREFILE_UNSUPPORTED' : 'CDNS_COREFILE_OPTION');
  }
  line.noBlock();
  ctx.plan.loadbalance = true;
}

export function loop(line: Line, ctx: BlockContext): void {
  line.count(0, 0, 'loop');
  line.noBlock();
  ctx.plan.loop = true;
}

/** any: RFC 8482 minimal answer to qtype ANY. */
export function any(line: Line, ctx: BlockContext): void {
  line.count(0, 0, 'any');
  line.noBlock();
  ctx.plan.any = true;
}

export function whoami(line: Line, ctx: BlockContext): void {
  line.count(0, 0, 'whoami');
  line.noBlock();
  ctx.plan.whoami = true;
}

/** errors [FILE] { consolidate DURATION REGEXP [LEVEL]; stacktrace } */
export function errors(line: Line, ctx: BlockContext): void {
  line.count(0, 1, 'errors [FILE]');
  for (const o of line.block()) {
    if (o.name !== 'consolidate' && o.name !== 'stacktrace') throw o.unknown(['consolidate', 'stacktrace']);
    warn(ctx, o, 'ignored: errors are logged once each, rate-limited per kind');
  }
  ctx.plan.errors = true;
}

/** log [NAMES...] [FORMAT] { class CLASSES... } */
export function log(line: Line, ctx: BlockContext): void {
  if (line.args.length > 0) warn(ctx, line, 'names and format are ignored: every query of the block is logged in clusterdns\'s format');
  for (const o of line.block()) {
    if (o.name !== 'class') throw o.unknown(['class']);
    o.count(1, Infinity, 'class all|success|denial|error...');
    warn(ctx, o, 'ignored: every class is logged');
  }
  ctx.plan.log = true;
}
