// cluster/context.ts: the SOA (SPEC §3), positive / NODATA / NXDOMAIN shapes, SERVFAIL before
// the first sync, namespace visibility with the allow-list, A vs AAAA by family.
import { ZoneContext } from '../../src/cluster/context';
import { RCODE } from '../../src/dns/constants';
import { fmt, OPTS, service, storeOf } from '../support/cluster-view';

const ctx = (opts = {}, synced = true) =>
  new ZoneContext(
    storeOf({ namespaces: [{ name: 'quiet' }, { name: 'secret' }], services: [service('shop', 'cart', { clusterIPs: ['10.96.0.5'] })] }, synced),
    { ...OPTS, ...opts },
  );

test.each([
  [30, 30, 30],
  [5, 5, 5],
  [0, 0, 0],
  [300, 300, 300],
  [3600, 300, 3600],
])('SOA with ttl %i: record TTL %i, minimum %i, fixed timers', (ttl, recordTtl, minimum) => {
  const z = ctx({ ttl });
  const soa = z.soa('cluster.local');
  expect(soa).toMatchObject({
    name: 'cluster.local',
    type: 'SOA',
    ttl: recordTtl,
    data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', refresh: 7200, retry: 1800, expire: 86400, minimum },
  });
  expect((soa.data as { serial: number }).serial).toBe(z.store.serial >>> 0);
});

test('the SOA of another zone (a reverse zone) is named after that zone, as CoreDNS does (issue 10 item 4)', () => {
  expect(ctx().soa('96.10.in-addr.arpa')).toMatchObject({ name: '96.10.in-addr.arpa', data: { mname: 'ns.dns.96.10.in-addr.arpa', rname: 'hostmaster.96.10.in-addr.arpa' } });
});

test('custom domain', () => {
  expect(ctx({ domain: 'corp.example' }).soa('corp.example').data).toMatchObject({ mname: 'ns.dns.corp.example', rname: 'hostmaster.corp.example' });
});

test.each([
  ['positive', (z: ZoneContext) => z.positive([z.address('a.cluster.local', '10.0.0.1')]), ['NOERROR aa', 'a.cluster.local 30 A 10.0.0.1']],
  ['positive with glue', (z: ZoneContext) => z.positive([], [z.address('a.cluster.local', 'fd00::1')]), ['NOERROR aa', 'ar: a.cluster.local 30 AAAA fd00::1']],
  ['nodata', (z: ZoneContext) => z.nodata(), ['NOERROR aa', 'ns: cluster.local 30 SOA ns.dns.cluster.local hostmaster.cluster.local 7200 1800 86400 30']],
  ['nxdomain', (z: ZoneContext) => z.nxdomain(), ['NXDOMAIN aa', 'ns: cluster.local 30 SOA ns.dns.cluster.local hostmaster.cluster.local 7200 1800 86400 30']],
  ['nxdomain in a reverse zone', (z: ZoneContext) => z.nxdomain('96.10.in-addr.arpa'), ['NXDOMAIN aa', 'ns: 96.10.in-addr.arpa 30 SOA ns.dns.96.10.in-addr.arpa hostmaster.96.10.in-addr.arpa 7200 1800 86400 30']],
])('%s', (_n, build, want) => {
  expect(fmt(build(ctx()))).toEqual(want);
});

test('before the first sync a would-be NXDOMAIN is SERVFAIL, not authoritative, no SOA (SPEC §3)', () => {
  const set = ctx({}, false).nxdomain();
  expect(set).toEqual({ rcode: RCODE.SERVFAIL, authoritative: false, answers: [], authority: [], additional: [] });
});

test.each([
  [null, 'quiet', true], // a Namespace object
  [null, 'shop', true], // holds a Service
  [null, 'nosuch', false],
  [['quiet'], 'quiet', true],
  [['quiet'], 'shop', false], // hidden by the allow-list
  [['quiet', 'nosuch'], 'nosuch', false], // allowed but does not exist
])('namespaces %j: %s visible = %s', (namespaces, ns, want) => {
  expect(ctx({ namespaces }).namespaceVisible(ns)).toBe(want);
});

test.each([
  ['10.0.0.1', 'A'],
  ['fd00::1', 'AAAA'],
])('address(%s) is %s with the record TTL', (ip, type) => {
  expect(ctx({ ttl: 9 }).address('x.cluster.local', ip)).toEqual({ name: 'x.cluster.local', type, ttl: 9, data: ip });
});
