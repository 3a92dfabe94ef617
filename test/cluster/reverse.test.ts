// cluster/reverse.ts: PTR for ClusterIPs and endpoint addresses; misses pass on under the
// catch-all and are NXDOMAIN with the zone's SOA inside a configured reverse zone (SPEC §2).
import { answerReverse, reverseZoneOf } from '../../src/cluster/reverse';
import { TYPE } from '../../src/dns/constants';
import { ep, service, short, slice, zoneOf } from '../support/cluster-view';

const VIEW = {
  namespaces: [{ name: 'default' }, { name: 'secret' }],
  services: [
    service('default', 'web', { clusterIPs: ['10.96.0.1', 'fd00::1'] }),
    service('default', 'canary', { clusterIPs: ['10.96.0.2'] }),
    service('default', 'db', { kind: 'Headless' }),
    service('default', 'ext', { kind: 'ExternalName', externalName: 'example.org' }),
    service('secret', 'vault', { clusterIPs: ['10.96.0.3'] }),
  ],
  endpointSets: [
    slice('default', 'web', 'web-1', [ep('10.244.0.1'), ep('10.244.0.2', { ready: false })]),
    slice('default', 'canary', 'canary-1', [ep('10.244.0.1')]),
    slice('default', 'canary', 'canary', [ep('10.244.0.1')], [], 'endpoints'),
    slice('default', 'db', 'db-1', [ep('10.244.1.1', { hostname: 'db-0' }), ep('fd00::244:1', { hostname: 'db-0' })]),
    // An address listed for an ExternalName Service is never a PTR target.
    slice('default', 'ext', 'ext-1', [ep('10.244.2.1')]),
    slice('secret', 'vault', 'vault-1', [ep('10.244.3.1')]),
  ],
};
const ptr6 = (hex: string) => hex.split('').reverse().join('.') + '.ip6.arpa';

const catchAll = zoneOf(VIEW);
const zones = zoneOf(VIEW, { reverseZones: ['96.10.in-addr.arpa', '0.96.10.in-addr.arpa', '244.10.in-addr.arpa', '0.0.d.f.ip6.arpa'] });
const hidden = zoneOf(VIEW, { namespaces: ['default'], reverseZones: ['10.in-addr.arpa'] });

test.each([
  ['1.0.96.10.in-addr.arpa', '0.96.10.in-addr.arpa'], // the longest match
  ['1.1.96.10.in-addr.arpa', '96.10.in-addr.arpa'],
  ['96.10.in-addr.arpa', '96.10.in-addr.arpa'],
  ['1.0.97.10.in-addr.arpa', null],
  ['x196.10.in-addr.arpa', null], // a label boundary, not a string suffix
])('reverseZoneOf(%s) = %s', (name, want) => {
  expect(reverseZoneOf(zones.ctx, name)).toBe(want);
  expect(reverseZoneOf(catchAll.ctx, name)).toBeNull();
});

test.each([
  [catchAll, '1.0.96.10.in-addr.arpa', TYPE.PTR, 'NOERROR PTR web.default.svc.cluster.local'],
  [catchAll, ptr6('fd000000000000000000000000000001'), TYPE.PTR, 'NOERROR PTR web.default.svc.cluster.local'],
  [catchAll, '1.0.244.10.in-addr.arpa', TYPE.PTR, 'NOERROR PTR 10-244-0-1.canary.default.svc.cluster.local PTR 10-244-0-1.web.default.svc.cluster.local'],
  [catchAll, '1.1.244.10.in-addr.arpa', TYPE.PTR, 'NOERROR PTR db-0.db.default.svc.cluster.local'],
  [catchAll, ptr6('fd000000000000000000000002440001'), TYPE.PTR, 'NOERROR PTR db-0.db.default.svc.cluster.local'],
  [catchAll, '3.0.96.10.in-addr.arpa', TYPE.PTR, 'NOERROR PTR vault.secret.svc.cluster.local'],
  // Misses under the catch-all pass on (null): not ready, ExternalName, unknown, not an address.
  [catchAll, '2.0.244.10.in-addr.arpa', TYPE.PTR, 'PASS'],
  [catchAll, '1.2.244.10.in-addr.arpa', TYPE.PTR, 'PASS'],
  [catchAll, '9.9.9.9.in-addr.arpa', TYPE.PTR, 'PASS'],
  [catchAll, '96.10.in-addr.arpa', TYPE.PTR, 'PASS'],
  [catchAll, 'in-addr.arpa', TYPE.SOA, 'PASS'],
  // Inside configured zones.
  [zones, '1.0.96.10.in-addr.arpa', TYPE.PTR, 'NOERROR PTR web.default.svc.cluster.local'],
  [zones, '9.0.96.10.in-addr.arpa', TYPE.PTR, 'NXDOMAIN soa:0.96.10.in-addr.arpa'],
  [zones, '9.9.96.10.in-addr.arpa', TYPE.PTR, 'NXDOMAIN soa:96.10.in-addr.arpa'],
  [zones, '2.0.244.10.in-addr.arpa', TYPE.PTR, 'NXDOMAIN soa:244.10.in-addr.arpa'],
  [zones, '1.0.96.10.in-addr.arpa', TYPE.A, 'NODATA soa:0.96.10.in-addr.arpa'],
  [zones, '96.10.in-addr.arpa', TYPE.SOA, 'NOERROR SOA 96.10.in-addr.arpa'], // the zone apex: its SOA
  [zones, '96.10.in-addr.arpa', TYPE.PTR, 'NODATA soa:96.10.in-addr.arpa'],
  [zones, ptr6('fd000000000000000000000000000099'), TYPE.PTR, 'NXDOMAIN soa:0.0.d.f.ip6.arpa'],
  // Outside every configured zone: pass on, even for a known ClusterIP.
  [zones, '1.0.97.10.in-addr.arpa', TYPE.PTR, 'PASS'],
  [zones, ptr6('20010db8000000000000000000000001'), TYPE.PTR, 'PASS'],
  // Allow-list: a hidden namespace's ClusterIP and endpoints are no PTR targets.
  [hidden, '3.0.96.10.in-addr.arpa', TYPE.PTR, 'NXDOMAIN soa:10.in-addr.arpa'],
  [hidden, '1.3.244.10.in-addr.arpa', TYPE.PTR, 'NXDOMAIN soa:10.in-addr.arpa'],
  [hidden, '1.0.96.10.in-addr.arpa', TYPE.PTR, 'NOERROR PTR web.default.svc.cluster.local'],
] as const)('%#: %s type %i -> %s', (z, name, qtype, want) => {
  expect(short(answerReverse(z.ctx, name, qtype))).toBe(want);
});

test('NODATA on a PTR name under the catch-all carries the SOA of a zone holding the name (RFC 2308 §3)', () => {
  const set = answerReverse(catchAll.ctx, '1.0.96.10.in-addr.arpa', TYPE.A);
  expect(set?.authority.map((r) => r.name)).toEqual(['in-addr.arpa']);
  const set6 = answerReverse(catchAll.ctx, ptr6('fd000000000000000000000000000001'), TYPE.AAAA);
  expect(set6?.authority.map((r) => r.name)).toEqual(['ip6.arpa']);
});
