// `<a-b-c-d>.<ns>.pod.<zone>` in the three modes (SPEC §2, Pods).
import { TYPE } from '../dns/constants';
import type { AnswerSet } from '../dns/records';
import type { ZoneContext } from './context';
import { ipFamily, undashIP } from './ip';

export function answerPod(z: ZoneContext, name: string, qtype: number, label: string, ns: string): AnswerSet {
  const mode = z.opts.pods;
  if (mode === 'disabled' || !z.namespaceVisible(ns)) return z.nxdomain();
  const ip = undashIP(label);
  if (ip === '') return z.nxdomain();
  if (mode === 'verified' && !z.podHasIP(ns, ip)) return z.nxdomain();
  const fam = ipFamily(ip);
  if ((fam === 4 && qtype === TYPE.A) || (fam === 6 && qtype === TYPE.AAAA)) return z.positive([z.address(name, ip)]);
  return z.nodata();
}
