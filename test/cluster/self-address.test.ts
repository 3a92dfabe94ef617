// cluster/self-address.ts: which addresses ns.dns.<zone> answers without a kube-dns Service.
import type { NetworkInterfaceInfo } from 'node:os';
import { selfAddresses } from '../../src/cluster/self-address';

const nic = (address: string, internal = false): NetworkInterfaceInfo =>
  ({ address, family: address.includes(':') ? 'IPv6' : 'IPv4', internal, netmask: '', mac: '', cidr: null, scopeid: 0 }) as NetworkInterfaceInfo;
const IFACES = { lo: [nic('127.0.0.1', true), nic('::1', true)], eth0: [nic('10.244.1.7'), nic('fe80::1'), nic('fd00::7')] };

test.each([
  ['a specific listen address', ['10.0.0.5'], ['10.0.0.5']],
  ['loopback only: that is all there is', ['127.0.0.1'], ['127.0.0.1']],
  ['loopback beside a routable one: left out', ['127.0.0.1', '10.0.0.5'], ['10.0.0.5']],
  ['a bracketed IPv6 listen address', ['[fd00::53]'], ['fd00::53']],
  ['the IPv4 wildcard: the machine addresses, no loopback, no link-local', ['0.0.0.0'], ['10.244.1.7', 'fd00::7']],
  ['the IPv6 wildcard, twice', ['::', '::'], ['10.244.1.7', 'fd00::7']],
  ['duplicates once', ['10.0.0.5', '10.0.0.5'], ['10.0.0.5']],
])('%s', (_what, listen, want) => {
  expect(selfAddresses(listen, IFACES)).toEqual(want);
});

test('a wildcard on a machine with loopback only gives loopback', () => {
  expect(selfAddresses(['0.0.0.0'], { lo: [nic('127.0.0.1', true)] })).toEqual(['127.0.0.1']);
});
