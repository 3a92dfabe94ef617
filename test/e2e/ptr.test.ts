// SPEC §2 PTR through the real server: ClusterIPs (IPv4, IPv6), endpoint addresses (one name
// per Service selecting the address, deduplicated), misses under the default catch-all (go on
// to the upstreams) and inside a configured reverse zone (NXDOMAIN with that zone's SOA).
import { FakeUpstream } from '../support/fake-upstream';
import { startTestServer, type TestServer } from '../support/server';
import { ask, expectPositive, fixture, negative, NODATA, NXDOMAIN, positive, rcode, section } from '../support/dns-e2e';

const CLUSTER = fixture('cluster.yaml');
const Z = 'default.svc.cluster.local';

/** `10.96.12.34` -> `34.12.96.10.in-addr.arpa` */
const ptr4 = (ip: string) => ip.split('.').reverse().join('.') + '.in-addr.arpa';
/** IPv6 written out in full (32 hex digits, colons optional) -> its 32-nibble ip6.arpa name. */
const ptr6 = (full: string) => {
  const hex = full.replace(/:/g, '');
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new Error(`not a full IPv6 address: ${full}`);
  return hex.split('').reverse().join('.') + '.ip6.arpa';
};

describe('default: catch-all in-addr.arpa / ip6.arpa, no upstream', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer(CLUSTER);
  });
  afterAll(() => srv?.close());

  test.each([
    // A ClusterIP maps to exactly one Service name.
    ['10.96.12.34', [`web.${Z}`]],
    ['10.96.0.10', ['kube-dns.kube-system.svc.cluster.local']],
    ['10.96.0.20', [`dual.${Z}`]],
    ['10.96.0.40', [`legacy.${Z}`]],
    ['10.96.0.90', ['vault.secret.svc.cluster.local']],
    // An endpoint address: one name per Service selecting it (web and web-canary; web-canary
    // lists it in a slice and in its Endpoints: once).
    ['10.244.1.7', [`10-244-1-7.web-canary.${Z}`, `10-244-1-7.web.${Z}`]],
    // Hostname endpoint, listed in a slice and the mirrored Endpoints: once.
    ['10.244.1.10', [`db-0.db.${Z}`]],
    ['10.244.6.1', [`same.shared.${Z}`]],
    ['10.244.4.9', [`anon-host.anon.${Z}`]],
    ['10.244.5.3', [`10-244-5-3.split.${Z}`]],
    // Not ready, but the Service publishes not-ready addresses.
    ['10.244.7.2', [`10-244-7-2.pub.${Z}`]],
  ])('PTR %s', async (ip, targets) => {
    const name = ptr4(ip);
    expect(await positive(srv.port, name, 'PTR')).toEqual(targets.map((t) => `${name} PTR ${t}`).sort());
  });

  test.each([
    ['fd00:0010:0096:0000:0000:0000:0000:0020', [`dual.${Z}`]],
    ['fd00:0010:0096:0000:0000:0000:0000:0030', [`v6only.${Z}`]],
    ['fd00:0244:0000:0000:0000:0000:0000:000a', [`db-0.db.${Z}`]],
    ['5678:abcd:0000:0000:0000:0000:0000:0001', [`5678-abcd--1.anon.${Z}`]],
    ['2001:0db8:0000:0000:0000:0000:0000:0000', [`2001-db8--0.anon.${Z}`]],
  ])('PTR %s (ip6.arpa)', async (ip, targets) => {
    const name = ptr6(ip);
    expect(await positive(srv.port, name, 'PTR')).toEqual(targets.map((t) => `${name} PTR ${t}`));
  });

  test('mixed-case reverse name echoes the query spelling', async () => {
    const spelled = '34.12.96.10.IN-ADDR.Arpa';
    const { packet } = await ask(srv.port, spelled, 'PTR');
    expectPositive(packet);
    expect(packet.questions?.[0].name).toBe(spelled);
    expect(packet.answers?.map((r) => r.name)).toEqual([spelled]);
  });

  test.each([
    ['10.244.3.9', 'an endpoint that is not ready'],
    ['10.244.3.12', 'a not-ready hostname endpoint'],
    ['192.0.2.1', 'an address the cluster does not know'],
    ['10.96.0.99', 'an unused address in the service range'],
  ])('PTR miss %s (%s) goes on to the upstreams; with upstream: [] that is REFUSED', async (ip) => {
    // No upstream means no forwarder in the chain: a name no served zone answers is refused
    // (RFC 1035 §4.1.1, REFUSED for policy), never NXDOMAIN for a zone we do not own.
    const { packet } = await ask(srv.port, ptr4(ip), 'PTR');
    expect(rcode(packet)).toBe('REFUSED');
    expect(packet.flag_aa).toBe(false);
    expect(section(packet, 'answers')).toEqual([]);
  });

  test('an IPv6 PTR miss goes on as well', async () => {
    const { packet } = await ask(srv.port, ptr6('fd00:0010:0096:0000:0000:0000:0000:0099'), 'PTR');
    expect(rcode(packet)).toBe('REFUSED');
  });

  test('another type on a PTR name is NODATA with the SOA of the reverse zone holding it', async () => {
    // RFC 2308 §3: the SOA in a negative answer is the one of the zone the name is in.
    await negative(srv.port, ptr4('10.96.12.34'), 'A', NODATA, 'in-addr.arpa');
  });

  test('another type on an ip6.arpa PTR name is NODATA with the ip6.arpa SOA', async () => {
    await negative(srv.port, ptr6('fd00:0010:0096:0000:0000:0000:0000:0020'), 'AAAA', NODATA, 'ip6.arpa');
  });
});

describe('the catch-all forwards misses to the upstream', () => {
  let up: FakeUpstream;
  let srv: TestServer;
  beforeAll(async () => {
    up = await FakeUpstream.start();
    srv = await startTestServer(CLUSTER, { upstream: [up.hostPort] });
  });
  afterAll(async () => {
    await srv?.close();
    await up?.close();
  });

  test('a miss reaches the upstream and its answer comes back (not authoritative)', async () => {
    const name = ptr4('192.0.2.77');
    const { packet } = await ask(srv.port, name, 'PTR');
    expect(rcode(packet)).toBe('NOERROR');
    expect(packet.flag_aa).toBe(false);
    expect(up.received.map((r) => `${r.name} ${r.type}`)).toContain(`${name} PTR`);
  });

  test('a hit never goes upstream', async () => {
    const name = ptr4('10.96.12.34');
    expect(await positive(srv.port, name, 'PTR')).toEqual([`${name} PTR web.${Z}`]);
    expect(up.received.filter((r) => r.name === name)).toEqual([]);
  });
});

describe('configured reverse zones: 96.10.in-addr.arpa and 0.0.d.f.ip6.arpa', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer(CLUSTER, { reverseZones: ['96.10.in-addr.arpa', '0.0.d.f.ip6.arpa'] });
  });
  afterAll(() => srv?.close());

  test('a hit inside the zone is answered', async () => {
    expect(await positive(srv.port, ptr4('10.96.12.34'), 'PTR')).toEqual([`${ptr4('10.96.12.34')} PTR web.${Z}`]);
    const v6 = ptr6('fd00:0010:0096:0000:0000:0000:0000:0020');
    expect(await positive(srv.port, v6, 'PTR')).toEqual([`${v6} PTR dual.${Z}`]);
  });

  test('a miss inside the zone is NXDOMAIN with that zone SOA', async () => {
    const soa = await (async () => {
      const p = await negative(srv.port, ptr4('10.96.0.99'), 'PTR', NXDOMAIN, '96.10.in-addr.arpa');
      return (section(p, 'authorities')[0] as { data: { mname: string; rname: string; minimum: number } }).data;
    })();
    expect(soa).toMatchObject({ mname: 'ns.dns.96.10.in-addr.arpa', rname: 'hostmaster.96.10.in-addr.arpa', minimum: 30 });
    await negative(srv.port, ptr6('fd00:0010:0096:0000:0000:0000:0000:0099'), 'PTR', NXDOMAIN, '0.0.d.f.ip6.arpa');
    // Names in the zone that are no address at all.
    await negative(srv.port, `x.${ptr4('10.96.12.34')}`, 'PTR', NXDOMAIN, '96.10.in-addr.arpa');
  });

  test('the zone apex has its SOA', async () => {
    const { packet } = await ask(srv.port, '96.10.in-addr.arpa', 'SOA');
    expectPositive(packet);
    expect(section(packet, 'answers').map((r) => `${r.name} ${r.type}`)).toEqual(['96.10.in-addr.arpa SOA']);
  });

  test('another type on a PTR name in the zone: NODATA with the zone SOA', async () => {
    await negative(srv.port, ptr4('10.96.12.34'), 'A', NODATA, '96.10.in-addr.arpa');
  });

  test('outside the configured zones nothing is answered here (REFUSED without upstream)', async () => {
    // 10.100.0.5 is a ClusterIP, 10.244.1.7 an endpoint, but neither is in a served zone.
    for (const ip of ['10.100.0.5', '10.244.1.7']) {
      const { packet } = await ask(srv.port, ptr4(ip), 'PTR');
      expect(rcode(packet)).toBe('REFUSED');
    }
  });
});

describe('namespace allow-list with a reverse zone', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer(CLUSTER, { namespaces: ['default'], reverseZones: ['96.10.in-addr.arpa'] });
  });
  afterAll(() => srv?.close());

  test('the ClusterIP of a hidden namespace is no PTR: NXDOMAIN in the zone', async () => {
    await negative(srv.port, ptr4('10.96.0.90'), 'PTR', NXDOMAIN, '96.10.in-addr.arpa');
  });

  test('an allowed one still is', async () => {
    expect(await positive(srv.port, ptr4('10.96.12.34'), 'PTR')).toEqual([`${ptr4('10.96.12.34')} PTR web.${Z}`]);
  });
});
