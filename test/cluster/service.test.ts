// cluster/service.ts: answers for `<svc>.<ns>.svc.<zone>`, the endpoint names below it and
// SRV (SPEC §2: ClusterIP, Headless, Endpoint names, SRV, ExternalName). Table rows of
// (rule input) -> (rcode and records), against a view built from slim records.
import { TYPE } from '../../src/dns/constants';
import type { ChasedAnswer } from '../../src/cluster/context';
import { answerEndpoint, answerService, answerServiceSrv, endpointName, servedEndpoints, serviceFqdn } from '../../src/cluster/service';
import { ep, fmt, port, service, short, slice, zoneOf } from '../support/cluster-view';

const Z = 'default.svc.cluster.local';
const SERVICES = [
  service('default', 'web', { clusterIPs: ['10.96.0.1', 'fd00::1'], ports: [port('http', 80), port('dns', 53, 'udp'), port('dns-tcp', 53), port('', 8080)] }),
  service('default', 'v4', { clusterIPs: ['10.96.0.4'], ports: [port('http', 80)] }),
  service('default', 'hl', { kind: 'Headless', ports: [port('http', 80)] }),
  service('default', 'none', { kind: 'Headless', ports: [port('http', 80)] }),
  service('default', 'pub', { kind: 'Headless', publishNotReadyAddresses: true }),
  service('default', 'ext', { kind: 'ExternalName', externalName: 'example.org' }),
  service('default', 'extin', { kind: 'ExternalName', externalName: `v4.${Z}` }),
  service('default', 'extip', { kind: 'ExternalName', externalName: '10.0.0.1' }),
  service('default', 'extip6', { kind: 'ExternalName', externalName: 'fd00::9' }),
];
const SETS = [
  slice('default', 'web', 'web-1', [ep('10.244.0.1', { podName: 'web-0' }), ep('10.244.0.2', { ready: false })], [port('http', 8080)]),
  slice('default', 'hl', 'hl-v4', [ep('10.244.1.1', { hostname: 'h-0' }), ep('10.244.1.2', { hostname: 'h-0' }), ep('10.244.1.3', { podName: 'hl-pod' }), ep('10.244.1.4', { ready: false })], [port('http', 8080)]),
  slice('default', 'hl', 'hl-v6', [ep('fd00::2:1')], [port('http', 8080)]),
  slice('default', 'hl', 'hl', [ep('10.244.1.1', { hostname: 'h-0' })], [port('http', 8080)], 'endpoints'),
  slice('default', 'none', 'none-1', [ep('10.244.2.1', { ready: false })], [port('http', 80)]),
  slice('default', 'pub', 'pub-1', [ep('10.244.3.1', { ready: false }), ep('10.244.3.2')]),
];

const zone = zoneOf({ namespaces: [{ name: 'default' }], services: SERVICES, endpointSets: SETS });
const podNames = zoneOf({ namespaces: [{ name: 'default' }], services: SERVICES, endpointSets: SETS }, { endpointPodNames: true });
const svc = (name: string) => zone.ctx.store.service('default', name)!;

describe('endpointName', () => {
  test.each([
    [{ hostname: 'db-0', podName: 'db-0-pod', address: '10.0.0.1' }, false, 'db-0'],
    [{ hostname: 'db-0', podName: 'db-0-pod', address: '10.0.0.1' }, true, 'db-0'],
    [{ hostname: '', podName: 'web-5d9f', address: '10.0.0.1' }, false, '10-0-0-1'],
    [{ hostname: '', podName: 'web-5d9f', address: '10.0.0.1' }, true, 'web-5d9f'],
    [{ hostname: '', podName: 'a'.repeat(63), address: '10.0.0.1' }, true, 'a'.repeat(63)],
    [{ hostname: '', podName: 'a'.repeat(64), address: '10.0.0.1' }, true, '10-0-0-1'],
    [{ hostname: '', podName: 'web.v1', address: '10.0.0.1' }, true, '10-0-0-1'],
    [{ hostname: '', podName: '', address: '10.0.0.1' }, true, '10-0-0-1'],
    [{ hostname: '', podName: '', address: '5678:abcd::1' }, false, '5678-abcd--1'],
    [{ hostname: '', podName: '', address: '2001:db8::' }, false, '2001-db8--0'],
  ])('%j with endpoint-pod-names=%s -> %s', (e, pn, want) => {
    const z = pn ? podNames : zone;
    expect(endpointName(z.ctx, { ready: true, ...e })).toBe(want);
  });
});

test('servedEndpoints: ready ones, or every one with publishNotReadyAddresses', () => {
  expect(servedEndpoints(zone.ctx, svc('hl')).map((e) => e.address)).toEqual(['10.244.1.1', '10.244.1.2', '10.244.1.3', 'fd00::2:1']);
  expect(servedEndpoints(zone.ctx, svc('pub')).map((e) => e.address)).toEqual(['10.244.3.1', '10.244.3.2']);
  expect(servedEndpoints(zone.ctx, svc('none'))).toEqual([]);
});

test('serviceFqdn', () => {
  expect(serviceFqdn(zone.ctx, svc('web'))).toBe(`web.${Z}`);
});

describe('answerService', () => {
  test.each([
    ['web', TYPE.A, 'NOERROR A 10.96.0.1'],
    ['web', TYPE.AAAA, 'NOERROR AAAA fd00::1'],
    ['web', TYPE.TXT, 'NODATA soa:cluster.local'],
    ['web', TYPE.MX, 'NODATA soa:cluster.local'],
    ['v4', TYPE.AAAA, 'NODATA soa:cluster.local'],
    ['hl', TYPE.A, 'NOERROR A 10.244.1.1 A 10.244.1.2 A 10.244.1.3'],
    ['hl', TYPE.AAAA, 'NOERROR AAAA fd00::2:1'],
    ['hl', TYPE.TXT, 'NODATA soa:cluster.local'],
    ['none', TYPE.A, 'NXDOMAIN soa:cluster.local'],
    ['none', TYPE.TXT, 'NXDOMAIN soa:cluster.local'],
    ['pub', TYPE.A, 'NOERROR A 10.244.3.1 A 10.244.3.2'],
    ['ext', TYPE.CNAME, 'NOERROR CNAME example.org'],
    ['ext', TYPE.A, 'NOERROR CNAME example.org'],
    ['extip', TYPE.A, 'NODATA soa:cluster.local'],
    ['extip6', TYPE.AAAA, 'NODATA soa:cluster.local'],
  ])('%s type %i -> %s', (name, qtype, want) => {
    expect(short(answerService(zone.ctx, `${name}.${Z}`, qtype, svc(name)))).toBe(want);
  });

  test('ExternalName: the CNAME is to be chased for every type but CNAME', () => {
    expect((answerService(zone.ctx, `ext.${Z}`, TYPE.A, svc('ext')) as ChasedAnswer).chase).toBe('example.org');
    expect((answerService(zone.ctx, `extin.${Z}`, TYPE.AAAA, svc('extin')) as ChasedAnswer).chase).toBe(`v4.${Z}`);
    expect((answerService(zone.ctx, `ext.${Z}`, TYPE.CNAME, svc('ext')) as ChasedAnswer).chase).toBeUndefined();
  });

  test('--ignore-empty-service: a ClusterIP Service without ready endpoints does not exist', () => {
    const z = zoneOf({ services: SERVICES, endpointSets: SETS }, { ignoreEmptyService: true });
    expect(short(answerService(z.ctx, `v4.${Z}`, TYPE.A, svc('v4')))).toBe('NXDOMAIN soa:cluster.local');
    expect(short(answerService(z.ctx, `web.${Z}`, TYPE.A, svc('web')))).toBe('NOERROR A 10.96.0.1');
  });

  test('--ignore-empty-service: not for SRV either (NXDOMAIN is about the name, every type)', () => {
    const z = zoneOf({ services: SERVICES, endpointSets: SETS }, { ignoreEmptyService: true });
    expect(short(answerService(z.ctx, `v4.${Z}`, TYPE.SRV, svc('v4')))).toBe('NXDOMAIN soa:cluster.local');
    expect(short(answerServiceSrv(z.ctx, `_http._tcp.v4.${Z}`, svc('v4'), 'http', 'tcp'))).toBe('NXDOMAIN soa:cluster.local');
  });

  test('records carry the owner name as given and the configured TTL', () => {
    const z = zoneOf({ services: SERVICES }, { ttl: 12 });
    expect(fmt(answerService(z.ctx, `web.${Z}`, TYPE.A, svc('web')))).toEqual(['NOERROR aa', `web.${Z} 12 A 10.96.0.1`]);
  });
});

describe('answerEndpoint', () => {
  test.each([
    [zone, 'hl', 'h-0', TYPE.A, 'NOERROR A 10.244.1.1 A 10.244.1.2'],
    [zone, 'hl', 'h-0', TYPE.AAAA, 'NODATA soa:cluster.local'],
    [zone, 'hl', '10-244-1-3', TYPE.A, 'NOERROR A 10.244.1.3'],
    [zone, 'hl', 'hl-pod', TYPE.A, 'NXDOMAIN soa:cluster.local'],
    [podNames, 'hl', 'hl-pod', TYPE.A, 'NOERROR A 10.244.1.3'],
    [podNames, 'hl', '10-244-1-3', TYPE.A, 'NXDOMAIN soa:cluster.local'],
    [zone, 'hl', 'fd00--2-1', TYPE.AAAA, 'NOERROR AAAA fd00::2:1'],
    [zone, 'hl', '10-244-1-1', TYPE.A, 'NXDOMAIN soa:cluster.local'], // named h-0
    [zone, 'hl', '10-244-1-4', TYPE.A, 'NXDOMAIN soa:cluster.local'], // not ready
    [zone, 'hl', 'nope', TYPE.A, 'NXDOMAIN soa:cluster.local'],
    [zone, 'hl', '_tcp', TYPE.SRV, 'NODATA soa:cluster.local'], // empty non-terminal of _http._tcp
    [zone, 'hl', '_udp', TYPE.SRV, 'NXDOMAIN soa:cluster.local'],
    [zone, 'web', '10-244-0-1', TYPE.A, 'NOERROR A 10.244.0.1'],
    [zone, 'web', '10-244-0-2', TYPE.A, 'NXDOMAIN soa:cluster.local'],
    [zone, 'web', '_udp', TYPE.SRV, 'NODATA soa:cluster.local'],
    [zone, 'pub', '10-244-3-1', TYPE.A, 'NOERROR A 10.244.3.1'],
    [zone, 'ext', 'x', TYPE.A, 'NXDOMAIN soa:cluster.local'],
    [zone, 'none', '10-244-2-1', TYPE.A, 'NXDOMAIN soa:cluster.local'],
  ])('%#: %s / %s type %i -> %s', (z, name, label, qtype, want) => {
    expect(short(answerEndpoint(z.ctx, `${label}.${name}.${Z}`, qtype, svc(name), label))).toBe(want);
  });

  test('_tcp below a Service whose only TCP port is unnamed is not an empty non-terminal', () => {
    const z = zoneOf({ services: [service('default', 'u', { clusterIPs: ['10.96.0.9'], ports: [port('', 8080)] })] });
    const u = z.ctx.store.service('default', 'u')!;
    expect(short(answerEndpoint(z.ctx, `_tcp.u.${Z}`, TYPE.SRV, u, '_tcp'))).toBe('NXDOMAIN soa:cluster.local');
  });
});

describe('answerServiceSrv', () => {
  test.each([
    // ClusterIP: the Service's own ports; 53/udp and 53/tcp are one (target, port).
    ['web', null, null, ['NOERROR aa', `x 30 SRV 0 33 53 web.${Z}`, `x 30 SRV 0 33 80 web.${Z}`, `x 30 SRV 0 33 8080 web.${Z}`, `ar: web.${Z} 30 A 10.96.0.1`, `ar: web.${Z} 30 AAAA fd00::1`]],
    ['web', 'http', 'tcp', ['NOERROR aa', `x 30 SRV 0 100 80 web.${Z}`, `ar: web.${Z} 30 A 10.96.0.1`, `ar: web.${Z} 30 AAAA fd00::1`]],
    ['web', 'dns', 'udp', ['NOERROR aa', `x 30 SRV 0 100 53 web.${Z}`, `ar: web.${Z} 30 A 10.96.0.1`, `ar: web.${Z} 30 AAAA fd00::1`]],
    ['web', 'dns', 'tcp', ['NXDOMAIN aa', 'ns: cluster.local 30 SOA ns.dns.cluster.local hostmaster.cluster.local 7200 1800 86400 30']],
    ['web', '', 'tcp', ['NXDOMAIN aa', 'ns: cluster.local 30 SOA ns.dns.cluster.local hostmaster.cluster.local 7200 1800 86400 30']],
    // Headless: the endpoints' ports; h-0 holds two addresses but is one (target, port).
    [
      'hl',
      'http',
      'tcp',
      [
        'NOERROR aa',
        `x 30 SRV 0 33 8080 10-244-1-3.hl.${Z}`,
        `x 30 SRV 0 33 8080 fd00--2-1.hl.${Z}`,
        `x 30 SRV 0 33 8080 h-0.hl.${Z}`,
        `ar: 10-244-1-3.hl.${Z} 30 A 10.244.1.3`,
        `ar: fd00--2-1.hl.${Z} 30 AAAA fd00::2:1`,
        `ar: h-0.hl.${Z} 30 A 10.244.1.1`,
        `ar: h-0.hl.${Z} 30 A 10.244.1.2`,
      ],
    ],
    ['none', null, null, ['NXDOMAIN aa', 'ns: cluster.local 30 SOA ns.dns.cluster.local hostmaster.cluster.local 7200 1800 86400 30']],
    ['none', 'http', 'tcp', ['NXDOMAIN aa', 'ns: cluster.local 30 SOA ns.dns.cluster.local hostmaster.cluster.local 7200 1800 86400 30']],
    // Portless headless with endpoints: the name exists, no SRV.
    ['pub', null, null, ['NOERROR aa', 'ns: cluster.local 30 SOA ns.dns.cluster.local hostmaster.cluster.local 7200 1800 86400 30']],
    ['ext', 'http', 'tcp', ['NXDOMAIN aa', 'ns: cluster.local 30 SOA ns.dns.cluster.local hostmaster.cluster.local 7200 1800 86400 30']],
  ])('%s _%s._%s', (name, portName, proto, want) => {
    expect(fmt(answerServiceSrv(zone.ctx, 'x', svc(name), portName, proto))).toEqual(want);
  });

  test.each([
    [1, 100],
    [2, 50],
    [3, 33],
    [7, 14],
    [100, 1],
    [101, 1],
    [250, 1],
  ])('%i entries: weight %i (floor(100/n), at least 1)', (n, weight) => {
    const eps = Array.from({ length: n }, (_, i) => ep(`10.250.${i >> 8}.${i & 255}`));
    const z = zoneOf({ services: [service('default', 'many', { kind: 'Headless', ports: [port('http', 80)] })], endpointSets: [slice('default', 'many', 'm', eps, [port('http', 80)])] });
    const set = answerServiceSrv(z.ctx, 'x', z.ctx.store.service('default', 'many')!, 'http', 'tcp');
    expect(set.answers).toHaveLength(n);
    expect(new Set(set.answers.map((r) => (r.data as { weight: number }).weight))).toEqual(new Set([weight]));
    expect(set.additional).toHaveLength(n);
  });
});
