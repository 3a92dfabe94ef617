// The two ServiceRecord fields k8s_external reads (sources/convert.ts): spec.externalIPs and
// status.loadBalancer.ingress, present only when the Service has them.
import { convertObject, FieldError } from '../../src/sources/convert';

const svc = (spec: Record<string, unknown>, status?: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'default' },
  spec,
  ...(status ? { status } : {}),
});
const record = (o: unknown) => {
  const c = convertObject(o);
  if (c?.kind !== 'Service') throw new Error('not a Service');
  return c.record;
};

test.each([
  ['no external addresses: no fields at all', svc({ clusterIP: '10.96.0.1' }, { loadBalancer: {} }), undefined, undefined],
  ['spec.externalIPs, normalised', svc({ clusterIP: '10.96.0.1', externalIPs: ['192.0.2.10', '2001:DB8:0::1'] }), ['192.0.2.10', '2001:db8::1'], undefined],
  [
    'ingress IPs after externalIPs, hostnames apart',
    svc({ type: 'LoadBalancer', clusterIP: '10.96.0.1', externalIPs: ['192.0.2.10'] }, { loadBalancer: { ingress: [{ ip: '203.0.113.7' }, { hostname: 'LB-1.Elb.Example.com.' }] } }),
    ['192.0.2.10', '203.0.113.7'],
    ['lb-1.elb.example.com'],
  ],
  ['headless keeps its ingress too', svc({ clusterIP: 'None' }, { loadBalancer: { ingress: [{ ip: '203.0.113.8' }] } }), ['203.0.113.8'], undefined],
])('%s', (_t, obj, ips, hosts) => {
  const r = record(obj);
  expect(r.externalIPs).toEqual(ips);
  expect(r.externalHosts).toEqual(hosts);
  expect('externalIPs' in r).toBe(ips !== undefined);
  expect('externalHosts' in r).toBe(hosts !== undefined);
});

test.each([
  [svc({ externalIPs: ['nope'] }), 'spec.externalIPs[0] must be an IP address, got "nope"'],
  [svc({}, { loadBalancer: { ingress: [{ ip: '300.1.1.1' }] } }), 'status.loadBalancer.ingress[0].ip must be an IP address, got "300.1.1.1"'],
  [svc({}, { loadBalancer: { ingress: [{ hostname: 'a b' }] } }), 'status.loadBalancer.ingress[0].hostname must be a DNS name, got "a b"'],
])('bad field: %#', (obj, message) => {
  expect(() => convertObject(obj)).toThrow(FieldError);
  expect(() => convertObject(obj)).toThrow(message);
});
