// cluster/zone.ts: the name dispatcher (SPEC §1), as CoreDNS handler_test does it: rows of
// (name, type) -> rcode and answers, over the e2e fixture (test/fixtures/cluster.yaml).
import { ClusterZone, SCHEMA_VERSION } from '../../src/cluster/zone';
import { TYPE } from '../../src/dns/constants';
import { fixtureStore, fixtureZone, fmt, OPTS, service, short, zoneOf } from '../support/cluster-view';

const Z = 'default.svc.cluster.local';
const zone = fixtureZone();

test.each([
  // apex and fixed names
  ['cluster.local', TYPE.SOA, 'NOERROR SOA cluster.local'],
  ['cluster.local', TYPE.NS, 'NOERROR NS kube-dns.kube-system.svc.cluster.local'],
  ['cluster.local', TYPE.A, 'NODATA soa:cluster.local'],
  ['dns-version.cluster.local', TYPE.TXT, 'NOERROR TXT 1.1.0'],
  ['dns-version.cluster.local', TYPE.A, 'NODATA soa:cluster.local'],
  ['ns.dns.cluster.local', TYPE.A, 'NOERROR A 10.96.0.10'],
  ['ns.dns.cluster.local', TYPE.AAAA, 'NODATA soa:cluster.local'],
  ['dns.cluster.local', TYPE.A, 'NODATA soa:cluster.local'],
  ['x.dns.cluster.local', TYPE.A, 'NXDOMAIN soa:cluster.local'],
  ['svc.cluster.local', TYPE.A, 'NODATA soa:cluster.local'],
  ['pod.cluster.local', TYPE.A, 'NODATA soa:cluster.local'],
  ['default.svc.cluster.local', TYPE.A, 'NODATA soa:cluster.local'],
  ['quiet.svc.cluster.local', TYPE.A, 'NODATA soa:cluster.local'],
  ['nosuch.svc.cluster.local', TYPE.A, 'NXDOMAIN soa:cluster.local'],
  ['default.pod.cluster.local', TYPE.A, 'NODATA soa:cluster.local'],
  ['nosuch.pod.cluster.local', TYPE.A, 'NXDOMAIN soa:cluster.local'],
  ['foo.cluster.local', TYPE.A, 'NXDOMAIN soa:cluster.local'],
  ['a.b.c.d.e.f.cluster.local', TYPE.A, 'NXDOMAIN soa:cluster.local'],
  // services
  [`web.${Z}`, TYPE.A, 'NOERROR A 10.96.12.34'],
  [`web.${Z}`, TYPE.AAAA, 'NODATA soa:cluster.local'],
  [`dual.${Z}`, TYPE.AAAA, 'NOERROR AAAA fd00:10:96::20'],
  [`db.${Z}`, TYPE.A, 'NOERROR A 10.244.1.10 A 10.244.2.11'],
  [`notready.${Z}`, TYPE.A, 'NXDOMAIN soa:cluster.local'],
  [`nosuch.${Z}`, TYPE.A, 'NXDOMAIN soa:cluster.local'],
  [`ext.${Z}`, TYPE.CNAME, 'NOERROR CNAME api.example.com'],
  // endpoints
  [`db-0.db.${Z}`, TYPE.AAAA, 'NOERROR AAAA fd00:244::a'],
  [`same.shared.${Z}`, TYPE.A, 'NOERROR A 10.244.6.1 A 10.244.6.2'],
  [`x.db-0.db.${Z}`, TYPE.A, 'NXDOMAIN soa:cluster.local'],
  // SRV names
  [`_http._tcp.web.${Z}`, TYPE.SRV, `NOERROR SRV 0 100 80 web.${Z}`],
  [`_http._tcp.web.${Z}`, TYPE.A, 'NODATA soa:cluster.local'],
  [`_nope._tcp.web.${Z}`, TYPE.SRV, 'NXDOMAIN soa:cluster.local'],
  [`_nope._tcp.web.${Z}`, TYPE.A, 'NXDOMAIN soa:cluster.local'],
  [`_http.tcp.web.${Z}`, TYPE.SRV, 'NXDOMAIN soa:cluster.local'], // both labels need the underscore
  [`http._tcp.web.${Z}`, TYPE.SRV, 'NXDOMAIN soa:cluster.local'],
  // pods (insecure)
  ['10-244-1-7.default.pod.cluster.local', TYPE.A, 'NOERROR A 10.244.1.7'],
  ['x.10-244-1-7.default.pod.cluster.local', TYPE.A, 'NXDOMAIN soa:cluster.local'],
  // reverse (catch-all)
  ['34.12.96.10.in-addr.arpa', TYPE.PTR, `NOERROR PTR web.${Z}`],
  ['99.99.99.10.in-addr.arpa', TYPE.PTR, 'PASS'],
  // outside every zone this link serves
  ['example.com', TYPE.A, 'PASS'],
  ['local', TYPE.A, 'PASS'],
  ['xcluster.local', TYPE.A, 'PASS'],
  ['', TYPE.NS, 'PASS'],
] as const)('%s type %i -> %s', (name, qtype, want) => {
  expect(short(zone.answer(name, qtype))).toBe(want);
});

test('contains: the apex and names below it, on a label boundary', () => {
  expect(['cluster.local', 'a.cluster.local', 'a.b.cluster.local', 'xcluster.local', 'local', 'cluster.local.x'].map((n) => zone.contains(n))).toEqual([true, true, true, false, false, false]);
});

test('dns-version: the schema version, TTL 28800 whatever the record TTL', () => {
  expect(SCHEMA_VERSION).toBe('1.1.0');
  const z = fixtureZone({ ttl: 5 });
  expect(fmt(z.answer('dns-version.cluster.local', TYPE.TXT))).toEqual(['NOERROR aa', 'dns-version.cluster.local 28800 TXT "1.1.0"']);
});

test('apex NS: glue is the kube-dns ClusterIP; without that Service, ns.dns.<zone> and no glue', () => {
  expect(fmt(zone.answer('cluster.local', TYPE.NS))).toEqual([
    'NOERROR aa',
    'cluster.local 30 NS kube-dns.kube-system.svc.cluster.local',
    'ar: kube-dns.kube-system.svc.cluster.local 30 A 10.96.0.10',
  ]);
  const bare = zoneOf({ services: [service('default', 'web', { clusterIPs: ['10.96.0.1'] })] });
  expect(fmt(bare.answer('cluster.local', TYPE.NS))).toEqual(['NOERROR aa', 'cluster.local 30 NS ns.dns.cluster.local']);
});

test('apex SOA record', () => {
  expect(fmt(zone.answer('cluster.local', TYPE.SOA))).toEqual(['NOERROR aa', 'cluster.local 30 SOA ns.dns.cluster.local hostmaster.cluster.local 7200 1800 86400 30']);
});

test('another cluster domain', () => {
  const z = new ClusterZone(fixtureStore(), { ...OPTS, domain: 'corp.internal' });
  expect(short(z.answer('web.default.svc.corp.internal', TYPE.A))).toBe('NOERROR A 10.96.12.34');
  expect(short(z.answer(`web.${Z}`, TYPE.A))).toBe('PASS');
  expect(fmt(z.answer('corp.internal', TYPE.NS))[1]).toBe('corp.internal 30 NS kube-dns.kube-system.svc.corp.internal');
});

test('before the first sync a would-be NXDOMAIN is SERVFAIL; positive answers are given', () => {
  const z = zoneOf({ namespaces: [{ name: 'default' }], services: [service('default', 'web', { clusterIPs: ['10.96.0.1'] })] }, {}, false);
  expect(short(z.answer(`nosuch.${Z}`, TYPE.A))).toBe('SERVFAIL');
  expect(short(z.answer(`web.${Z}`, TYPE.A))).toBe('NOERROR A 10.96.0.1');
  expect(short(z.answer(`web.${Z}`, TYPE.AAAA))).toBe('NODATA soa:cluster.local');
});

test('names in namespaces hidden by the allow-list are NXDOMAIN', () => {
  const z = fixtureZone({ namespaces: ['default'] });
  expect(short(z.answer('kube-dns.kube-system.svc.cluster.local', TYPE.A))).toBe('NXDOMAIN soa:cluster.local');
  expect(short(z.answer('kube-system.svc.cluster.local', TYPE.A))).toBe('NXDOMAIN soa:cluster.local');
  expect(short(z.answer('1-2-3-4.secret.pod.cluster.local', TYPE.A))).toBe('NXDOMAIN soa:cluster.local');
  expect(short(z.answer(`web.${Z}`, TYPE.A))).toBe('NOERROR A 10.96.12.34');
});
