// cluster/pod.ts: `<a-b-c-d>.<ns>.pod.<zone>` in the three modes (SPEC §2, Pods).
import { answerPod } from '../../src/cluster/pod';
import { TYPE } from '../../src/dns/constants';
import { pod, short, zoneOf } from '../support/cluster-view';

const VIEW = { namespaces: [{ name: 'default' }, { name: 'shop' }], pods: [pod('default', 'web-0', '10.244.0.1', 'fd00::1'), pod('shop', 'cart-0', '10.244.9.9')] };
const modes = {
  disabled: zoneOf(VIEW, { pods: 'disabled' }),
  insecure: zoneOf(VIEW, { pods: 'insecure' }),
  verified: zoneOf(VIEW, { pods: 'verified' }),
  hidden: zoneOf(VIEW, { pods: 'insecure', namespaces: ['shop'] }),
};

test.each([
  ['insecure', '10-244-0-1', 'default', TYPE.A, 'NOERROR A 10.244.0.1'],
  ['insecure', '1-2-3-4', 'default', TYPE.A, 'NOERROR A 1.2.3.4'],
  ['insecure', '1-2-3-4', 'default', TYPE.AAAA, 'NODATA soa:cluster.local'],
  ['insecure', '1-2-3-4', 'default', TYPE.TXT, 'NODATA soa:cluster.local'],
  ['insecure', 'fd00--1', 'default', TYPE.AAAA, 'NOERROR AAAA fd00::1'],
  ['insecure', 'fd00-0-0-0-0-0-0-2', 'default', TYPE.AAAA, 'NOERROR AAAA fd00::2'],
  ['insecure', 'fd00--1', 'default', TYPE.A, 'NODATA soa:cluster.local'],
  ['insecure', '1-2-3', 'default', TYPE.A, 'NXDOMAIN soa:cluster.local'],
  ['insecure', '1-2-3-300', 'default', TYPE.A, 'NXDOMAIN soa:cluster.local'],
  ['insecure', 'x-y-z-w', 'default', TYPE.A, 'NXDOMAIN soa:cluster.local'],
  ['insecure', '1-2-3-4', 'nosuch', TYPE.A, 'NXDOMAIN soa:cluster.local'],
  ['hidden', '1-2-3-4', 'default', TYPE.A, 'NXDOMAIN soa:cluster.local'],
  ['hidden', '1-2-3-4', 'shop', TYPE.A, 'NOERROR A 1.2.3.4'],
  ['disabled', '10-244-0-1', 'default', TYPE.A, 'NXDOMAIN soa:cluster.local'],
  ['disabled', 'fd00--1', 'default', TYPE.AAAA, 'NXDOMAIN soa:cluster.local'],
  ['verified', '10-244-0-1', 'default', TYPE.A, 'NOERROR A 10.244.0.1'],
  ['verified', 'fd00--1', 'default', TYPE.AAAA, 'NOERROR AAAA fd00::1'],
  ['verified', 'fd00-0-0-0-0-0-0-1', 'default', TYPE.AAAA, 'NOERROR AAAA fd00::1'],
  ['verified', '10-244-0-1', 'default', TYPE.AAAA, 'NODATA soa:cluster.local'],
  ['verified', '10-244-9-9', 'default', TYPE.A, 'NXDOMAIN soa:cluster.local'],
  ['verified', '10-244-9-9', 'shop', TYPE.A, 'NOERROR A 10.244.9.9'],
  ['verified', '1-2-3-4', 'default', TYPE.A, 'NXDOMAIN soa:cluster.local'],
] as const)('%s: %s.%s type %i -> %s', (mode, label, ns, qtype, want) => {
  const z = modes[mode];
  expect(short(answerPod(z.ctx, `${label}.${ns}.pod.cluster.local`, qtype, label, ns))).toBe(want);
});
