// k8s_external [ZONES...] { apex APEX; ttl TTL; headless; fallthrough [ZONES] } (plugin/
// k8s_external README): external IPs and load balancer ingress of Services under ZONES (default
// the block's zones); apex label `dns`, TTL 5.
import type { K8sExternalConfig } from '../../plugins/types';
import type { Line } from '../args';
import { origin, type BlockContext } from '../context';
import { fallthrough } from './fallthrough';

export function k8sExternal(line: Line, ctx: BlockContext): void {
  const plan: K8sExternalConfig = {
    origin: origin(line),
    zones: line.args.length > 0 ? line.zones(line.args) : ctx.zones,
    apex: 'dns',
    ttl: 5,
    headless: false,
    fallthrough: null,
  };
  for (const o of line.block()) {
    switch (o.name) {
      case 'apex': {
        const [t] = o.count(1, 1, 'apex LABEL');
        if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(t.text)) throw o.fail(`expected one DNS label, got "${t.text}"`, t);
        plan.apex = t.text.toLowerCase();
        break;
      }
      case 'ttl':
        plan.ttl = o.int(o.count(1, 1, 'ttl SECONDS')[0], 0, 3600, 'a TTL in seconds');
        break;
      case 'headless':
        o.count(0, 0, 'headless');
        plan.headless = true;
        break;
      case 'fallthrough':
        plan.fallthrough = fallthrough(o);
        break;
      default:
        throw o.unknown(['apex', 'ttl', 'headless', 'fallthrough']);
    }
  }
  ctx.plan.k8sExternal = plan;
}
