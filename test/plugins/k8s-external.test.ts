// k8s_external (plugins/k8s-external.ts) over a real ClusterStore: external IPs, load balancer
// ingress (IP and hostname), SRV with its additional addresses, PTR, the apex SOA/NS and
// ns1.dns.<zone>, headless endpoints, NXDOMAIN/NODATA with SOA, fallthrough.
import { ClusterStore } from '../../src/cluster/store';
import { RCODE, TYPE } from '../../src/dns/constants';
import type { AnswerSet } from '../../src/dns/records';
import { createK8sExternal } from '../../src/plugins/k8s-external';
import type { K8sExternalConfig, QueryInfo } from '../../src/plugins/types';
import { ep, objects, port, service, slice } from '../support/cluster-view';

function store(): ClusterStore {
  const s = new ClusterStore();
  s.replaceAll(
    objects({
      services: [
        { ...service('default', 'web', { clusterIPs: ['10.96.0.20'], ports: [port('http', 80), port('https', 443)] }), externalIPs: ['192.0.2.10', '2001:db8::10'] },
        { ...service('default', 'elb', { clusterIPs: ['10.96.0.21'], ports: [port('http', 80)] }), externalHosts: ['lb-1.elb.amazonaws.com'] },
        service('default', 'internal', { clusterIPs: ['10.96.0.22'], ports: [port('http', 80)] }),
        service('data', 'db', { ports: [port('pg', 5432)] }),
        service('kube-system', 'kube-dns', { clusterIPs: ['10.96.0.10'], ports: [port('dns', 53, 'udp')] }),
      ],
      endpointSets: [slice('data', 'db', 'db-abc', [ep('10.244.1.5', { hostname: 'db-0' }), ep('10.244.2.6'), ep('10.244.3.7', { ready: false })], [port('pg', 5432)])],
    }),
  );
  s.markSynced();
  return s;
}

const q = (name: string, qtype: number = TYPE.A): QueryInfo => ({ name, qtype, qclass: 1, remoteAddress: '10.0.0.1', remotePort: 1, proto: 'udp' });
const cfg = (o: Partial<K8sExternalConfig> = {}): K8sExternalConfig => ({ origin: 'Corefile:14', zones: ['example.com', '2.0.192.in-addr.arpa'], apex: 'dns', ttl: 5, headless: true, fallthrough: null, ...o });
const show = (s: AnswerSet | null) =>
  s === null
    ? null
    : [
        `${s.rcode === 0 ? 'NOERROR' : s.rcode === RCODE.NXDOMAIN ? 'NXDOMAIN' : s.rcode}${s.authoritative ? ' aa' : ''}`,
        ...s.answers.map((r) => `${r.name} ${r.ttl} ${r.type} ${typeof r.data === 'string' ? r.data : JSON.stringify(r.data)}`),
        ...s.authority.map((r) => `ns: ${r.name} ${r.type} ${JSON.stringify({ ...(r.data as object), serial: 0 })}`),
        ...s.additional.map((r) => `ar: ${r.name} ${r.type} ${String(r.data)}`),
      ];
const SOA = 'ns: example.com SOA {"mname":"ns1.dns.example.com","rname":"hostmaster.dns.example.com","serial":0,"refresh":7200,"retry":1800,"expire":86400,"minimum":5}';

test.each([
  ['A from spec.externalIPs', q('web.default.example.com'), ['NOERROR aa', 'web.default.example.com 5 A 192.0.2.10']],
  ['AAAA', q('web.default.example.com', TYPE.AAAA), ['NOERROR aa', 'web.default.example.com 5 AAAA 2001:db8::10']],
  ['an ingress hostname is a CNAME', q('elb.default.example.com'), ['NOERROR aa', 'elb.default.example.com 5 CNAME lb-1.elb.amazonaws.com']],
  [
    'SRV: one per port, target <svc>.<ns>.<zone>, addresses as additional',
    q('web.default.example.com', TYPE.SRV),
    [
      'NOERROR aa',
      'web.default.example.com 5 SRV {"priority":0,"weight":25,"port":80,"target":"web.default.example.com"}',
      'web.default.example.com 5 SRV {"priority":0,"weight":25,"port":443,"target":"web.default.example.com"}',
      'ar: web.default.example.com A 192.0.2.10',
      'ar: web.default.example.com AAAA 2001:db8::10',
    ],
  ],
  ['SRV of one named port', q('_https._tcp.web.default.example.com', TYPE.SRV), ['NOERROR aa', '_https._tcp.web.default.example.com 5 SRV {"priority":0,"weight":50,"port":443,"target":"web.default.example.com"}', 'ar: web.default.example.com A 192.0.2.10', 'ar: web.default.example.com AAAA 2001:db8::10']],
  ['a port it does not have: NXDOMAIN', q('_dns._udp.web.default.example.com', TYPE.SRV), ['NXDOMAIN aa', SOA]],
  ['a Service without external addresses: NXDOMAIN', q('internal.default.example.com'), ['NXDOMAIN aa', SOA]],
  ['no such Service', q('nope.default.example.com'), ['NXDOMAIN aa', SOA]],
  ['a namespace name: NODATA', q('default.example.com'), ['NOERROR aa', SOA]],
  ['a type it does not serve: NODATA', q('web.default.example.com', TYPE.TXT), ['NOERROR aa', SOA]],
  ['apex SOA', q('example.com', TYPE.SOA), ['NOERROR aa', 'example.com 5 SOA ' + SOA.slice('ns: example.com SOA '.length).replace('"serial":0', `"serial":SERIAL`)]],
  ['apex NS, glue from kube-system/kube-dns', q('example.com', TYPE.NS), ['NOERROR aa', 'example.com 5 NS ns1.dns.example.com', 'ar: ns1.dns.example.com A 10.96.0.10']],
  ['ns1.dns.<zone>', q('ns1.dns.example.com'), ['NOERROR aa', 'ns1.dns.example.com 5 A 10.96.0.10']],
  ['dns.<zone>: NODATA', q('dns.example.com'), ['NOERROR aa', SOA]],
  ['other names under dns.<zone>: NXDOMAIN', q('ns2.dns.example.com'), ['NXDOMAIN aa', SOA]],
  ['PTR of an external IP', q('10.2.0.192.in-addr.arpa', TYPE.PTR), ['NOERROR aa', '10.2.0.192.in-addr.arpa 5 PTR web.default.example.com']],
  ['headless: the ready endpoints', q('db.data.example.com'), ['NOERROR aa', 'db.data.example.com 5 A 10.244.1.5', 'db.data.example.com 5 A 10.244.2.6']],
  ['headless: one endpoint by hostname', q('db-0.db.data.example.com'), ['NOERROR aa', 'db-0.db.data.example.com 5 A 10.244.1.5']],
  ['headless: one endpoint by dashed address', q('10-244-2-6.db.data.example.com'), ['NOERROR aa', '10-244-2-6.db.data.example.com 5 A 10.244.2.6']],
  ['outside the zones', q('web.default.svc.cluster.local'), null],
])('%s', (_t, query, want) => {
  const s = store();
  const link = createK8sExternal(cfg(), s);
  const got = show(link.answer(query));
  expect(got === null ? null : got.map((l) => l.replace(`"serial":${s.serial}`, '"serial":SERIAL'))).toEqual(want);
});

test('without headless, a headless Service has nothing; fallthrough passes NXDOMAIN on, never NODATA', () => {
  const s = store();
  expect(show(createK8sExternal(cfg({ headless: false }), s).answer(q('db.data.example.com')))).toEqual(['NXDOMAIN aa', SOA]);
  const ft = createK8sExternal(cfg({ fallthrough: [] }), s);
  expect(ft.answer(q('nope.default.example.com'))).toBeNull();
  expect(show(ft.answer(q('web.default.example.com', TYPE.TXT)))).toEqual(['NOERROR aa', SOA]);
});

test('version() follows the cluster view; a new external IP is served after it moves', () => {
  const s = store();
  const link = createK8sExternal(cfg({ apex: 'ext', ttl: 30 }), s, { nsAddresses: ['192.0.2.53'] });
  const v = link.version();
  s.upsert('Service', { ...service('default', 'internal', { clusterIPs: ['10.96.0.22'], ports: [port('http', 80)] }), externalIPs: ['192.0.2.22'] });
  expect(link.version()).not.toBe(v);
  expect(show(link.answer(q('internal.default.example.com')))).toEqual(['NOERROR aa', 'internal.default.example.com 30 A 192.0.2.22']);
  expect(show(link.answer(q('ns1.ext.example.com')))).toEqual(['NOERROR aa', 'ns1.ext.example.com 30 A 192.0.2.53']);
});

test.each([
  [{ apex: 'not a label' }, 'CDNS_PLUGIN_VALUE: Corefile:14: k8s_external: apex "not a label": expected one DNS label such as dns'],
  [{ ttl: -1 }, 'CDNS_PLUGIN_VALUE: Corefile:14: k8s_external: ttl -1: expected seconds 0-2147483647'],
])('configuration error %#', (o, message) => {
  expect(() => createK8sExternal(cfg(o), store())).toThrow(message);
});
