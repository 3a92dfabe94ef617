// SPEC §1 (names) and §3 (response shape) through the real server over UDP: the apex, the
// fixed names, empty non-terminals, namespaces, label counts, other types, 0x20 case echo.
import * as dnsPacket from 'dns-packet';
import { startTestServer, type TestServer } from '../support/server';
import { ask, expectNegative, expectPositive, fixture, negative, NODATA, NXDOMAIN, positive, rrs, section } from '../support/dns-e2e';

const CLUSTER = fixture('cluster.yaml');

let srv: TestServer;
let loadedAt: number;
beforeAll(async () => {
  loadedAt = Math.floor(Date.now() / 1000);
  srv = await startTestServer(CLUSTER);
});
afterAll(() => srv?.close());

describe('apex (SPEC §3)', () => {
  test('SOA: fields, TTL min(ttl, 300), serial = unix seconds of the last change', async () => {
    const { packet } = await ask(srv.port, 'cluster.local', 'SOA');
    expectPositive(packet);
    const ans = section(packet, 'answers');
    expect(ans).toHaveLength(1);
    const soa = ans[0] as dnsPacket.StringAnswer & { data: dnsPacket.SoaData };
    expect(soa.name).toBe('cluster.local');
    expect(soa.type).toBe('SOA');
    expect(soa.ttl).toBe(30);
    expect(soa.data).toMatchObject({
      mname: 'ns.dns.cluster.local',
      rname: 'hostmaster.cluster.local',
      refresh: 7200,
      retry: 1800,
      expire: 86400,
      minimum: 30,
    });
    // The view changed when the snapshot was loaded, just before the server answered.
    const now = Math.floor(Date.now() / 1000);
    expect(soa.data.serial).toBeGreaterThanOrEqual(loadedAt - 1);
    expect(soa.data.serial).toBeLessThanOrEqual(now + 1);
  });

  test('NS: the kube-dns Service, with its ClusterIP as glue in the additional section', async () => {
    const { packet } = await ask(srv.port, 'cluster.local', 'NS');
    expectPositive(packet);
    expect(rrs(packet)).toEqual(['cluster.local NS kube-dns.kube-system.svc.cluster.local']);
    expect(rrs(packet, 'additionals')).toEqual(['kube-dns.kube-system.svc.cluster.local A 10.96.0.10']);
    expect(section(packet, 'answers')[0].ttl).toBe(30);
  });

  test.each([['A'], ['AAAA'], ['TXT'], ['SRV'], ['MX']] as const)('apex %s is NODATA', async (type) => {
    await negative(srv.port, 'cluster.local', type, NODATA);
  });
});

describe('fixed names (SPEC §1)', () => {
  test('dns-version TXT "1.1.0" with TTL 28800', async () => {
    const { packet } = await ask(srv.port, 'dns-version.cluster.local', 'TXT');
    expectPositive(packet);
    expect(rrs(packet)).toEqual(['dns-version.cluster.local TXT "1.1.0"']);
    expect(section(packet, 'answers')[0].ttl).toBe(28800);
  });

  test('dns-version A is NODATA; below it NXDOMAIN', async () => {
    await negative(srv.port, 'dns-version.cluster.local', 'A', NODATA);
    await negative(srv.port, 'x.dns-version.cluster.local', 'TXT', NXDOMAIN);
  });

  test('ns.dns A is the kube-dns ClusterIP; AAAA (no IPv6 ClusterIP) is NODATA', async () => {
    expect(await positive(srv.port, 'ns.dns.cluster.local', 'A')).toEqual(['ns.dns.cluster.local A 10.96.0.10']);
    await negative(srv.port, 'ns.dns.cluster.local', 'AAAA', NODATA);
  });

  test.each([
    ['svc.cluster.local', 'A', NODATA],
    ['svc.cluster.local', 'SRV', NODATA],
    ['pod.cluster.local', 'A', NODATA],
    ['pod.cluster.local', 'AAAA', NODATA],
    // <ns>.svc.<zone>: NODATA when the namespace exists (with Services, or only as an object).
    ['default.svc.cluster.local', 'A', NODATA],
    ['kube-system.svc.cluster.local', 'SRV', NODATA],
    ['quiet.svc.cluster.local', 'A', NODATA],
    ['nosuch.svc.cluster.local', 'A', NXDOMAIN],
    ['default.pod.cluster.local', 'A', NODATA],
    ['nosuch.pod.cluster.local', 'A', NXDOMAIN],
    // Names in a namespace that does not exist, or that has no such Service.
    ['web.nosuch.svc.cluster.local', 'A', NXDOMAIN],
    ['anything.quiet.svc.cluster.local', 'A', NXDOMAIN],
    ['nosuch.default.svc.cluster.local', 'A', NXDOMAIN],
    ['nosuch.default.svc.cluster.local', 'MX', NXDOMAIN],
    ['10-244-1-7.nosuch.pod.cluster.local', 'A', NXDOMAIN],
    // An unknown first label below the zone.
    ['foo.cluster.local', 'A', NXDOMAIN],
    ['web.default.foo.cluster.local', 'A', NXDOMAIN],
    ['www.cluster.local', 'AAAA', NXDOMAIN],
    // Too many labels.
    ['a.b.web.default.svc.cluster.local', 'A', NXDOMAIN],
    ['x.db-0.db.default.svc.cluster.local', 'A', NXDOMAIN],
    ['a._http._tcp.web.default.svc.cluster.local', 'SRV', NXDOMAIN],
    ['x.10-244-1-7.default.pod.cluster.local', 'A', NXDOMAIN],
    ['x.ns.dns.cluster.local', 'A', NXDOMAIN],
  ] as const)('%s %s -> %s', async (name, type, code) => {
    await negative(srv.port, name, type, code);
  });

  test.each([
    // Any other query type on an existing name is NODATA (SPEC §2, last row).
    ['web.default.svc.cluster.local', 'MX'],
    ['web.default.svc.cluster.local', 'TXT'],
    ['web.default.svc.cluster.local', 'NS'],
    ['web.default.svc.cluster.local', 'PTR'],
    ['web.default.svc.cluster.local', 'SOA'],
    ['web.default.svc.cluster.local', 'ANY'],
    ['db.default.svc.cluster.local', 'TXT'],
    ['db-0.db.default.svc.cluster.local', 'MX'],
    ['db-0.db.default.svc.cluster.local', 'SRV'],
    ['10-244-1-7.default.pod.cluster.local', 'TXT'],
    ['_http._tcp.web.default.svc.cluster.local', 'A'],
  ] as const)('%s %s (existing name, other type) -> NODATA', async (name, type) => {
    await negative(srv.port, name, type as dnsPacket.RecordType, NODATA);
  });
});

describe('response shape (SPEC §3)', () => {
  test('mixed-case query: question and answer owner echo its spelling (0x20)', async () => {
    // Asked once in lower case first, so the mixed-case one may come from a reused answer.
    await positive(srv.port, 'web.default.svc.cluster.local', 'A');
    const spelled = 'WeB.DeFaulT.SvC.CLUSTER.local';
    const { packet } = await ask(srv.port, spelled, 'A');
    expectPositive(packet);
    expect(packet.questions?.[0].name).toBe(spelled);
    expect(section(packet, 'answers').map((r) => `${r.name} ${(r as { data: string }).data}`)).toEqual([`${spelled} 10.96.12.34`]);
  });

  test('mixed-case negative answer echoes the question; the SOA names the zone', async () => {
    const spelled = 'NoSuch.Default.SVC.Cluster.Local';
    const { packet } = await ask(srv.port, spelled, 'A');
    expect(packet.questions?.[0].name).toBe(spelled);
    expectNegative(packet, NXDOMAIN);
  });

  test('the reply carries the query ID, RD copied, QR and AA set, opcode QUERY', async () => {
    for (const id of [0, 1, 0xbeef, 0xffff]) {
      const { packet } = await ask(srv.port, 'web.default.svc.cluster.local', 'A', { id });
      expect(packet.id).toBe(id);
      expect(packet.flag_qr).toBe(true);
      expect(packet.flag_aa).toBe(true);
      expect(packet.flag_rd).toBe(true);
      expect((packet as { opcode?: string }).opcode).toBe('QUERY');
      expect(packet.questions).toEqual([{ name: 'web.default.svc.cluster.local', type: 'A', class: 'IN' }]);
    }
  });

  test('the same answers over TCP', async () => {
    const { packet } = await ask(srv.port, 'web.default.svc.cluster.local', 'A', { tcp: true });
    expectPositive(packet);
    expect(rrs(packet)).toEqual(['web.default.svc.cluster.local A 10.96.12.34']);
    const neg = await ask(srv.port, 'nosuch.default.svc.cluster.local', 'A', { tcp: true });
    expectNegative(neg.packet, NXDOMAIN);
  });

  test('negative answers: one SOA, its TTL min(ttl, 300), its minimum the record TTL', async () => {
    const p = await negative(srv.port, 'nosuch.default.svc.cluster.local', 'A', NXDOMAIN);
    const soa = section(p, 'authorities')[0] as dnsPacket.StringAnswer & { data: dnsPacket.SoaData };
    expect(soa.ttl).toBe(30);
    expect(soa.data.minimum).toBe(30);
    expect(soa.data.mname).toBe('ns.dns.cluster.local');
  });
});

describe('namespace allow-list (SPEC §2, Namespaces)', () => {
  let hidden: TestServer;
  beforeAll(async () => {
    hidden = await startTestServer(CLUSTER, { namespaces: ['default'] });
  });
  afterAll(() => hidden?.close());

  test('allowed namespace answers', async () => {
    expect(await positive(hidden.port, 'web.default.svc.cluster.local', 'A')).toEqual(['web.default.svc.cluster.local A 10.96.12.34']);
    await negative(hidden.port, 'default.svc.cluster.local', 'A', NODATA);
  });

  test.each([
    ['kube-system.svc.cluster.local', 'A'],
    ['secret.svc.cluster.local', 'A'],
    ['vault.secret.svc.cluster.local', 'A'],
    ['vault.secret.svc.cluster.local', 'SRV'],
    ['vault-0.vault.secret.svc.cluster.local', 'A'],
    ['_https._tcp.vault.secret.svc.cluster.local', 'SRV'],
    ['kube-dns.kube-system.svc.cluster.local', 'A'],
    ['secret.pod.cluster.local', 'A'],
    ['10-244-10-1.secret.pod.cluster.local', 'A'],
  ] as const)('hidden: %s %s -> NXDOMAIN', async (name, type) => {
    await negative(hidden.port, name, type, NXDOMAIN);
  });
});

describe('TTL option (SPEC §3: one setting, 0-3600)', () => {
  let short: TestServer;
  let long: TestServer;
  beforeAll(async () => {
    short = await startTestServer(CLUSTER, { ttl: 7 });
    long = await startTestServer(CLUSTER, { ttl: 3600 });
  });
  afterAll(async () => {
    await short?.close();
    await long?.close();
  });

  test('ttl 7: records 7, SOA TTL 7 and minimum 7; dns-version keeps 28800', async () => {
    const a = await ask(short.port, 'web.default.svc.cluster.local', 'A');
    expect(section(a.packet, 'answers').map((r) => r.ttl)).toEqual([7]);
    const srv2 = await ask(short.port, '_http._tcp.db.default.svc.cluster.local', 'SRV');
    for (const r of [...section(srv2.packet, 'answers'), ...section(srv2.packet, 'additionals')]) expect(r.ttl).toBe(7);
    const neg = await negative(short.port, 'nosuch.default.svc.cluster.local', 'A', NXDOMAIN);
    const soa = section(neg, 'authorities')[0] as dnsPacket.StringAnswer & { data: dnsPacket.SoaData };
    expect([soa.ttl, soa.data.minimum]).toEqual([7, 7]);
    const txt = await ask(short.port, 'dns-version.cluster.local', 'TXT');
    expect(section(txt.packet, 'answers')[0].ttl).toBe(28800);
  });

  test('ttl 3600: records 3600, SOA record TTL capped at 300, minimum 3600', async () => {
    const a = await ask(long.port, 'db.default.svc.cluster.local', 'A');
    expect(section(a.packet, 'answers').map((r) => r.ttl)).toEqual([3600, 3600]);
    const soaQ = await ask(long.port, 'cluster.local', 'SOA');
    const soa = section(soaQ.packet, 'answers')[0] as dnsPacket.StringAnswer & { data: dnsPacket.SoaData };
    expect([soa.ttl, soa.data.minimum]).toEqual([300, 3600]);
    const neg = await negative(long.port, 'cluster.local', 'A', NODATA);
    expect(section(neg, 'authorities')[0].ttl).toBe(300);
  });
});

describe('apex NS without a kube-dns Service (SPEC §3: fallback ns.dns.<zone>)', () => {
  let bare: TestServer;
  beforeAll(async () => {
    bare = await startTestServer(`
apiVersion: v1
kind: Namespace
metadata: { name: default }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec: { clusterIP: 10.96.12.34, ports: [{ name: http, port: 80 }] }
`);
  });
  afterAll(() => bare?.close());

  test('NS is ns.dns.cluster.local, with the server\'s own address as glue (issue 10 item 3)', async () => {
    const { packet } = await ask(bare.port, 'cluster.local', 'NS');
    expectPositive(packet);
    expect(rrs(packet)).toEqual(['cluster.local NS ns.dns.cluster.local']);
    expect(rrs(packet, 'additionals')).toEqual(['ns.dns.cluster.local A 127.0.0.1']);
  });

  test('ns.dns.cluster.local answers that address; AAAA (no IPv6 listen address) is NODATA', async () => {
    expect(await positive(bare.port, 'ns.dns.cluster.local', 'A')).toEqual(['ns.dns.cluster.local A 127.0.0.1']);
    await negative(bare.port, 'ns.dns.cluster.local', 'AAAA', NODATA);
  });
});
