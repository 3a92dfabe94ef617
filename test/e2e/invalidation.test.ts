// Invalidation by dependency (issue 11), through the real server: every answer is first
// memoised (asked, then checked to sit in the memo), then the view changes through the
// ClusterSink the sources write to, and the very next query must give the new answer: no
// answer outlives the state it came from, one test per kind of dependency. The last tests
// check the other half: a change drops only the answers that read what it touched.
// In-process on purpose (the memo is inspected), so it ignores CLUSTERDNS_TEST_WORKERS.
import * as dnsPacket from 'dns-packet';
import type { OptionsLayer } from '../../src/config/file';
import { cacheKey } from '../../src/dns/query';
import { TYPE } from '../../src/dns/constants';
import { startInProcessServer, type TestServer } from '../support/server';
import { ask, rcode, rrs, section } from '../support/dns-e2e';
import { ep, pod, port, service, slice } from '../support/cluster-view';

const VIEW = `
apiVersion: v1
kind: List
items:
  - { apiVersion: v1, kind: Namespace, metadata: { name: default } }
  - { apiVersion: v1, kind: Namespace, metadata: { name: kube-system } }
  - { apiVersion: v1, kind: Namespace, metadata: { name: shop } }
---
apiVersion: v1
kind: Service
metadata: { name: kube-dns, namespace: kube-system }
spec: { clusterIP: 10.96.0.10, ports: [{ name: dns, port: 53, protocol: UDP }] }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec: { clusterIP: 10.96.12.34, ports: [{ name: http, port: 80, protocol: TCP }] }
---
apiVersion: v1
kind: Service
metadata: { name: db, namespace: default }
spec: { clusterIP: None, ports: [{ name: pg, port: 5432, protocol: TCP }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: db-1, namespace: default, labels: { kubernetes.io/service-name: db } }
addressType: IPv4
ports: [{ name: pg, port: 5432, protocol: TCP }]
endpoints:
  - { addresses: [10.244.1.1], hostname: db-0, conditions: { ready: true } }
  - { addresses: [10.244.1.2], hostname: db-1, conditions: { ready: false } }
---
apiVersion: v1
kind: Service
metadata: { name: docs, namespace: default }
spec: { type: ExternalName, externalName: web.default.svc.cluster.local }
---
apiVersion: v1
kind: Service
metadata: { name: api, namespace: shop }
spec: { clusterIP: 10.96.0.20, ports: [{ name: http, port: 80, protocol: TCP }] }
---
apiVersion: v1
kind: Service
metadata: { name: cart, namespace: shop }
spec: { clusterIP: 10.96.0.21 }
---
apiVersion: v1
kind: Pod
metadata: { name: web-0, namespace: default }
status: { podIP: 10.244.2.2, podIPs: [{ ip: 10.244.2.2 }] }
`;

// The records of VIEW as the store holds them, for writing changed versions.
const db = (eps = [ep('10.244.1.1', { hostname: 'db-0' }), ep('10.244.1.2', { hostname: 'db-1', ready: false })], ports = [port('pg', 5432)]) =>
  slice('default', 'db', 'db-1', eps, ports);
const web = (ip = '10.96.12.34', ports = [port('http', 80)]) => service('default', 'web', { clusterIPs: [ip], ports });

type Srv = TestServer;
const start = (layer: OptionsLayer = {}): Promise<Srv> => startInProcessServer(VIEW, layer);

type RT = dnsPacket.RecordType;
const S = 'svc.cluster.local';

/** `RCODE rr,rr,...` (answers, sorted). */
async function answer(srv: Srv, name: string, type: RT = 'A'): Promise<string> {
  const { packet } = await ask(srv.port, name, type);
  return `${rcode(packet)} ${rrs(packet).join(',')}`;
}

const memoised = (srv: Srv, name: string, type: RT) => srv.running.resolver.localAnswers.has(cacheKey(name, TYPE[type as keyof typeof TYPE]));

/** Ask, check the answer, and check it is now served from the memo. */
async function warm(srv: Srv, name: string, type: RT, expected: string): Promise<void> {
  expect(await answer(srv, name, type)).toBe(expected);
  expect(memoised(srv, name, type)).toBe(true);
  expect(await answer(srv, name, type)).toBe(expected);
}

describe('no memoised answer outlives the state it came from', () => {
  let srv: Srv;
  beforeEach(async () => {
    srv = await start();
  });
  afterEach(() => srv?.close());
  const store = () => srv.running.store;

  test('a new Service for a name that was NXDOMAIN, in an existing and in a new namespace', async () => {
    await warm(srv, `new.default.${S}`, 'A', 'NXDOMAIN ');
    await warm(srv, `x.ops.${S}`, 'A', 'NXDOMAIN ');
    await warm(srv, `ops.${S}`, 'A', 'NXDOMAIN ');
    store().upsert('Service', service('default', 'new', { clusterIPs: ['10.96.0.99'] }));
    expect(await answer(srv, `new.default.${S}`)).toBe(`NOERROR new.default.${S} A 10.96.0.99`);
    store().upsert('Service', service('ops', 'x', { clusterIPs: ['10.96.0.98'] }));
    expect(await answer(srv, `x.ops.${S}`)).toBe(`NOERROR x.ops.${S} A 10.96.0.98`);
    expect(await answer(srv, `ops.${S}`)).toBe('NOERROR '); // the namespace exists now: NODATA
  });

  test('a namespace deletion', async () => {
    await warm(srv, `api.shop.${S}`, 'A', `NOERROR api.shop.${S} A 10.96.0.20`);
    await warm(srv, `shop.${S}`, 'A', 'NOERROR ');
    await warm(srv, `nope.shop.${S}`, 'A', 'NXDOMAIN ');
    await warm(srv, '1-2-3-4.shop.pod.cluster.local', 'A', 'NOERROR 1-2-3-4.shop.pod.cluster.local A 1.2.3.4');
    store().remove('Namespace', 'shop');
    // Services still in it keep it in existence (SPEC §2, Namespaces).
    expect(await answer(srv, `shop.${S}`)).toBe('NOERROR ');
    store().remove('Service', 'shop/api');
    store().remove('Service', 'shop/cart');
    expect(await answer(srv, `api.shop.${S}`)).toBe('NXDOMAIN ');
    expect(await answer(srv, `shop.${S}`)).toBe('NXDOMAIN ');
    expect(await answer(srv, `nope.shop.${S}`)).toBe('NXDOMAIN ');
    expect(await answer(srv, '1-2-3-4.shop.pod.cluster.local')).toBe('NXDOMAIN ');
    store().upsert('Namespace', { name: 'shop' });
    expect(await answer(srv, `shop.${S}`)).toBe('NOERROR ');
  });

  test('an address moving between Services (PTR of a ClusterIP and of an endpoint)', async () => {
    await warm(srv, '20.0.96.10.in-addr.arpa', 'PTR', `NOERROR 20.0.96.10.in-addr.arpa PTR api.shop.${S}`);
    store().upsert('Service', service('shop', 'api', { clusterIPs: ['10.96.0.22'], ports: [port('http', 80)] }));
    store().upsert('Service', service('shop', 'cart', { clusterIPs: ['10.96.0.20'] }));
    expect(await answer(srv, '20.0.96.10.in-addr.arpa', 'PTR')).toBe(`NOERROR 20.0.96.10.in-addr.arpa PTR cart.shop.${S}`);

    await warm(srv, '1.1.244.10.in-addr.arpa', 'PTR', `NOERROR 1.1.244.10.in-addr.arpa PTR db-0.db.default.${S}`);
    store().upsert('Service', service('default', 'db2'));
    store().upsert('EndpointSet', slice('default', 'db2', 'db2-1', [ep('10.244.1.1', { hostname: 'x' })]));
    store().upsert('EndpointSet', db([ep('10.244.1.2', { hostname: 'db-1', ready: false })]));
    expect(await answer(srv, '1.1.244.10.in-addr.arpa', 'PTR')).toBe(`NOERROR 1.1.244.10.in-addr.arpa PTR x.db2.default.${S}`);
  });

  test('a readiness flip (headless A, endpoint name, SRV, PTR)', async () => {
    await warm(srv, `db.default.${S}`, 'A', `NOERROR db.default.${S} A 10.244.1.1`);
    await warm(srv, `db-1.db.default.${S}`, 'A', 'NXDOMAIN ');
    await warm(srv, `_pg._tcp.db.default.${S}`, 'SRV', `NOERROR _pg._tcp.db.default.${S} SRV 0 100 5432 db-0.db.default.${S}`);
    await warm(srv, '1.1.244.10.in-addr.arpa', 'PTR', `NOERROR 1.1.244.10.in-addr.arpa PTR db-0.db.default.${S}`);
    store().upsert('EndpointSet', db([ep('10.244.1.1', { hostname: 'db-0', ready: false }), ep('10.244.1.2', { hostname: 'db-1' })]));
    expect(await answer(srv, `db.default.${S}`)).toBe(`NOERROR db.default.${S} A 10.244.1.2`);
    expect(await answer(srv, `db-1.db.default.${S}`)).toBe(`NOERROR db-1.db.default.${S} A 10.244.1.2`);
    expect(await answer(srv, `_pg._tcp.db.default.${S}`, 'SRV')).toBe(`NOERROR _pg._tcp.db.default.${S} SRV 0 100 5432 db-1.db.default.${S}`);
    expect(await answer(srv, '2.1.244.10.in-addr.arpa', 'PTR')).toBe(`NOERROR 2.1.244.10.in-addr.arpa PTR db-1.db.default.${S}`);
    // Not ready any more: its PTR is not ours to give (the catch-all passes it on; no upstream here).
    expect(await answer(srv, '1.1.244.10.in-addr.arpa', 'PTR')).toBe('REFUSED ');
    // None ready: a headless Service does not exist (SPEC §2).
    store().upsert('EndpointSet', db([ep('10.244.1.2', { hostname: 'db-1', ready: false })]));
    expect(await answer(srv, `db.default.${S}`)).toBe('NXDOMAIN ');
  });

  test('a dual-stack change', async () => {
    await warm(srv, `api.shop.${S}`, 'AAAA', 'NOERROR ');
    await warm(srv, `api.shop.${S}`, 'A', `NOERROR api.shop.${S} A 10.96.0.20`);
    store().upsert('Service', service('shop', 'api', { clusterIPs: ['10.96.0.20', 'fd00::20'], ports: [port('http', 80)] }));
    expect(await answer(srv, `api.shop.${S}`, 'AAAA')).toBe(`NOERROR api.shop.${S} AAAA fd00::20`);
    const v6ptr = '0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa';
    await warm(srv, v6ptr, 'PTR', `NOERROR ${v6ptr} PTR api.shop.${S}`);
    store().upsert('Service', service('shop', 'api', { clusterIPs: ['fd00::20'], ports: [port('http', 80)] }));
    expect(await answer(srv, `api.shop.${S}`, 'A')).toBe('NOERROR ');
    expect(await answer(srv, `api.shop.${S}`, 'AAAA')).toBe(`NOERROR api.shop.${S} AAAA fd00::20`);
    store().upsert('Service', service('shop', 'api', { clusterIPs: ['10.96.0.20'], ports: [port('http', 80)] }));
    expect(await answer(srv, `api.shop.${S}`, 'AAAA')).toBe('NOERROR ');
    expect(await answer(srv, v6ptr, 'PTR')).toBe('REFUSED ');
  });

  test('ExternalName: the target chased in the zone, every hop', async () => {
    const cname = `docs.default.${S} CNAME web.default.${S}`;
    await warm(srv, `docs.default.${S}`, 'A', `NOERROR ${cname},web.default.${S} A 10.96.12.34`);
    store().upsert('Service', web('10.96.12.35')); // a fact of the second hop
    expect(await answer(srv, `docs.default.${S}`)).toBe(`NOERROR ${cname},web.default.${S} A 10.96.12.35`);
    store().upsert('Service', service('default', 'docs', { kind: 'ExternalName', externalName: `api.shop.${S}` }));
    expect(await answer(srv, `docs.default.${S}`)).toBe(`NOERROR api.shop.${S} A 10.96.0.20,docs.default.${S} CNAME api.shop.${S}`);
    store().remove('Service', 'shop/api'); // the target goes: the CNAME stays, the rcode is the target's
    expect(await answer(srv, `docs.default.${S}`)).toBe(`NXDOMAIN docs.default.${S} CNAME api.shop.${S}`);
    store().upsert('Service', service('shop', 'api', { clusterIPs: ['10.96.0.23'] }));
    expect(await answer(srv, `docs.default.${S}`)).toBe(`NOERROR api.shop.${S} A 10.96.0.23,docs.default.${S} CNAME api.shop.${S}`);
  });

  test('headless -> ClusterIP -> headless', async () => {
    await warm(srv, `db.default.${S}`, 'A', `NOERROR db.default.${S} A 10.244.1.1`);
    await warm(srv, `db.default.${S}`, 'SRV', `NOERROR db.default.${S} SRV 0 100 5432 db-0.db.default.${S}`);
    expect(await answer(srv, '30.0.96.10.in-addr.arpa', 'PTR')).toBe('REFUSED '); // passed on (catch-all), not memoised
    store().upsert('Service', service('default', 'db', { clusterIPs: ['10.96.0.30'], ports: [port('pg', 5432)] }));
    expect(await answer(srv, `db.default.${S}`)).toBe(`NOERROR db.default.${S} A 10.96.0.30`);
    expect(await answer(srv, `db.default.${S}`, 'SRV')).toBe(`NOERROR db.default.${S} SRV 0 100 5432 db.default.${S}`);
    expect(await answer(srv, '30.0.96.10.in-addr.arpa', 'PTR')).toBe(`NOERROR 30.0.96.10.in-addr.arpa PTR db.default.${S}`);
    store().upsert('Service', service('default', 'db', { ports: [port('pg', 5432)] }));
    expect(await answer(srv, `db.default.${S}`)).toBe(`NOERROR db.default.${S} A 10.244.1.1`);
  });

  test('SRV ports change (Service ports, and endpoint ports of a headless Service)', async () => {
    await warm(srv, `_http._tcp.web.default.${S}`, 'SRV', `NOERROR _http._tcp.web.default.${S} SRV 0 100 80 web.default.${S}`);
    store().upsert('Service', web('10.96.12.34', [port('http', 8080)]));
    expect(await answer(srv, `_http._tcp.web.default.${S}`, 'SRV')).toBe(`NOERROR _http._tcp.web.default.${S} SRV 0 100 8080 web.default.${S}`);
    store().upsert('Service', web('10.96.12.34', [port('www', 8080)]));
    expect(await answer(srv, `_http._tcp.web.default.${S}`, 'SRV')).toBe('NXDOMAIN ');

    await warm(srv, `_pg._tcp.db.default.${S}`, 'SRV', `NOERROR _pg._tcp.db.default.${S} SRV 0 100 5432 db-0.db.default.${S}`);
    store().upsert('EndpointSet', db(undefined, [port('pg', 5433)]));
    expect(await answer(srv, `_pg._tcp.db.default.${S}`, 'SRV')).toBe(`NOERROR _pg._tcp.db.default.${S} SRV 0 100 5433 db-0.db.default.${S}`);
  });

  test('apex NS and ns.dns follow the kube-dns Service', async () => {
    const { packet } = await ask(srv.port, 'cluster.local', 'NS');
    expect(rrs(packet, 'additionals')).toEqual([`kube-dns.kube-system.${S} A 10.96.0.10`]);
    await warm(srv, 'ns.dns.cluster.local', 'A', 'NOERROR ns.dns.cluster.local A 10.96.0.10');
    store().upsert('Service', service('kube-system', 'kube-dns', { clusterIPs: ['10.96.0.11'], ports: [port('dns', 53, 'udp')] }));
    expect(rrs((await ask(srv.port, 'cluster.local', 'NS')).packet, 'additionals')).toEqual([`kube-dns.kube-system.${S} A 10.96.0.11`]);
    expect(await answer(srv, 'ns.dns.cluster.local')).toBe('NOERROR ns.dns.cluster.local A 10.96.0.11');
  });

  test('the SOA serial of a memoised negative answer moves with a change anywhere', async () => {
    const serialOf = async (name: string) => ((section((await ask(srv.port, name, 'A')).packet, 'authorities')[0] as { data: dnsPacket.SoaData }).data.serial as number);
    store().serial -= 10; // as if the last change was 10 s ago
    const before = await serialOf(`nope.default.${S}`);
    expect(memoised(srv, `nope.default.${S}`, 'A')).toBe(true);
    store().upsert('Service', service('shop', 'other', { clusterIPs: ['10.96.0.77'] }));
    const after = await serialOf(`nope.default.${S}`);
    expect(after).toBe(before + 10);
    expect(after).toBe(store().serial);
  });

  test('a config reload: the new chain follows changes, the old one let go of the view', async () => {
    await warm(srv, `web.default.${S}`, 'A', `NOERROR web.default.${S} A 10.96.12.34`);
    const old = srv.running.resolver;
    srv.running.reconfigure({ ...srv.running.opts, ttl: 60 });
    await warm(srv, `web.default.${S}`, 'A', `NOERROR web.default.${S} A 10.96.12.34`);
    store().upsert('Service', web('10.96.12.36'));
    expect(await answer(srv, `web.default.${S}`)).toBe(`NOERROR web.default.${S} A 10.96.12.36`);
    expect(section((await ask(srv.port, `web.default.${S}`, 'A')).packet, 'answers')[0].ttl).toBe(60);
    expect(old.localAnswers.size).toBe(0);
  });
});

describe('pods verified', () => {
  let srv: Srv;
  beforeAll(async () => {
    srv = await start({ pods: 'verified' });
  });
  afterAll(() => srv?.close());

  test('a pod IP appearing and going', async () => {
    await warm(srv, '10-244-2-2.default.pod.cluster.local', 'A', 'NOERROR 10-244-2-2.default.pod.cluster.local A 10.244.2.2');
    await warm(srv, '10-244-2-3.default.pod.cluster.local', 'A', 'NXDOMAIN ');
    srv.running.store.upsert('Pod', pod('default', 'web-1', '10.244.2.3'));
    expect(await answer(srv, '10-244-2-3.default.pod.cluster.local')).toBe('NOERROR 10-244-2-3.default.pod.cluster.local A 10.244.2.3');
    srv.running.store.remove('Pod', 'default/web-0');
    expect(await answer(srv, '10-244-2-2.default.pod.cluster.local')).toBe('NXDOMAIN ');
  });
});

describe('a change drops only the answers that read what it touched', () => {
  let srv: Srv;
  beforeAll(async () => {
    srv = await start();
  });
  afterAll(() => srv?.close());

  test('an EndpointSlice update of one Service', async () => {
    const store = srv.running.store;
    // Pin the serial to this second's future so the change below does not move it (a moving
    // serial is written into every answer carrying the SOA, and copies hear of those: next test).
    store.serial = Math.floor(Date.now() / 1000) + 3600;
    const names: [string, RT][] = [
      [`web.default.${S}`, 'A'],
      [`api.shop.${S}`, 'A'],
      [`nope.default.${S}`, 'A'],
      [`web.default.default.${S}`, 'A'], // a search-path miss
      [`_http._tcp.web.default.${S}`, 'SRV'],
      ['34.12.96.10.in-addr.arpa', 'PTR'],
      [`docs.default.${S}`, 'A'],
      [`db-0.db.default.${S}`, 'A'], // an endpoint of the changed Service whose row did not change
      ['1.1.244.10.in-addr.arpa', 'PTR'], // its PTR
      [`db.default.${S}`, 'A'],
      [`db.default.${S}`, 'SRV'],
      [`db-1.db.default.${S}`, 'A'], // NXDOMAIN while not ready: its row flips below
    ];
    for (const [n, t] of names) await answer(srv, n, t);
    for (const [n, t] of names) expect(`${n} ${t} ${memoised(srv, n, t)}`).toBe(`${n} ${t} true`);
    const dropped: string[] = [];
    srv.running.resolver.localAnswers.onDrop((d) => dropped.push(...(d === 'all' ? ['all'] : d)));
    store.upsert('EndpointSet', db([ep('10.244.1.1', { hostname: 'db-0' }), ep('10.244.1.2', { hostname: 'db-1' })]));
    const stillThere = names.filter(([n, t]) => memoised(srv, n, t)).map(([n, t]) => `${n} ${t}`);
    expect(stillThere).toEqual(names.slice(0, 9).map(([n, t]) => `${n} ${t}`));
    expect(dropped.sort()).toEqual(names.slice(9).map(([n, t]) => cacheKey(n, TYPE[t as keyof typeof TYPE])).sort());
    expect(await answer(srv, `db-1.db.default.${S}`)).toBe(`NOERROR db-1.db.default.${S} A 10.244.1.2`);
    // And what was dropped comes back right.
    expect(await answer(srv, `db.default.${S}`)).toBe(`NOERROR db.default.${S} A 10.244.1.1,db.default.${S} A 10.244.1.2`);
  });

  test('a moving serial keeps the answers carrying the SOA, with the new serial written in', async () => {
    const store = srv.running.store;
    const memo = srv.running.resolver.localAnswers;
    store.serial -= 7200; // the last change was two hours ago: the next one moves the serial
    const negative = `nope.shop.${S}`;
    await answer(srv, negative);
    const before = memo.size;
    const entry = () => memo.get(cacheKey(negative, TYPE.A), (memo as unknown as { epoch: number }).epoch);
    const built = entry();
    expect(built).toBeDefined();
    store.upsert('Service', service('default', 'unrelated', { clusterIPs: ['10.96.0.88'] }));
    expect(entry()).toBe(built); // the same entry, not a new one
    expect(memo.size).toBe(before);
    const soa = section((await ask(srv.port, negative, 'A')).packet, 'authorities')[0] as { data: dnsPacket.SoaData };
    expect(soa.data.serial).toBe(store.serial);
  });
});
