// `fallthrough [ZONES...]`, shared by kubernetes, hosts, template and k8s_external: [] means
// every zone of the plugin, a list only names under those zones (`in-addr.arpa ip6.arpa`).
import type { Fallthrough } from '../../plugins/types';
import type { Line } from '../args';

export function fallthrough(o: Line): Fallthrough {
  o.noBlock();
  return o.args.length === 0 ? [] : o.zones(o.args);
}
