// proxy FROM TO... { policy; except; max_fails; health_check; fail_timeout; spray; protocol }:
// removed in CoreDNS 1.6 in favour of forward, yet still found in old clusters. Read as the
// forward it became, with a warning naming `forward`; options without a forward equivalent are
// ignored with a warning, never a crash.
import { Line } from '../args';
import { warn, type BlockContext } from '../context';
import type { Directive } from '../parse';
import { forward } from './forward';

export function proxy(line: Line, ctx: BlockContext): void {
  warn(ctx, line, 'proxy was removed in CoreDNS 1.6; read as forward with the same FROM TO (write forward instead)');
  const kept: Directive[] = [];
  for (const o of line.block()) {
    switch (o.name) {
      case 'except':
      case 'max_fails':
        kept.push(o.d);
        break;
      case 'policy': {
        const [p] = o.count(1, 1, 'policy random|round_robin|least_conn|first');
        const map: Record<string, string> = { random: 'random', round_robin: 'round_robin', least_conn: 'random', first: 'sequential' };
        const to = map[p.text];
        if (to === undefined) throw o.fail(`expected random, round_robin, least_conn or first, got "${p.text}"`, p);
        if (p.text === 'least_conn') warn(ctx, o, 'least_conn read as random');
        kept.push({ ...o.d, args: [{ ...p, text: to }] });
        break;
      }
      default:
        warn(ctx, o, 'ignored (no forward equivalent)');
    }
  }
  forward(new Line({ ...line.d, block: kept.length > 0 ? kept : null }), ctx);
}
