// SPEC §2 Services through the real server: ClusterIP (single, dual-stack, IPv6-only, legacy
// clusterIP), headless (ready endpoints, dedup, NXDOMAIN when none, other family NODATA),
// readiness and publishNotReadyAddresses, slices merged with Endpoints, endpoint names, empty
// services and --ignore-empty-service, ExternalName.
import * as dnsPacket from 'dns-packet';
import { FakeUpstream } from '../support/fake-upstream';
import { startTestServer, type TestServer } from '../support/server';
import { ask, expectNegative, expectPositive, fixture, negative, NODATA, NXDOMAIN, positive, rcode, rrs, section } from '../support/dns-e2e';

const CLUSTER = fixture('cluster.yaml');
const Z = 'default.svc.cluster.local';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer(CLUSTER);
});
afterAll(() => srv?.close());

describe('ClusterIP services', () => {
  test.each([
    [`web.${Z}`, 'A', [`web.${Z} A 10.96.12.34`]],
    [`dual.${Z}`, 'A', [`dual.${Z} A 10.96.0.20`]],
    [`dual.${Z}`, 'AAAA', [`dual.${Z} AAAA fd00:10:96::20`]],
    [`v6only.${Z}`, 'AAAA', [`v6only.${Z} AAAA fd00:10:96::30`]],
    // spec.clusterIPs absent: spec.clusterIP is used.
    [`legacy.${Z}`, 'A', [`legacy.${Z} A 10.96.0.40`]],
    ['kube-dns.kube-system.svc.cluster.local', 'A', ['kube-dns.kube-system.svc.cluster.local A 10.96.0.10']],
  ] as const)('%s %s', async (name, type, want) => {
    expect(await positive(srv.port, name, type)).toEqual(want);
  });

  test.each([
    [`web.${Z}`, 'AAAA'],
    [`legacy.${Z}`, 'AAAA'],
    [`v6only.${Z}`, 'A'],
  ] as const)('the family the Service lacks is NODATA with the SOA: %s %s', async (name, type) => {
    await negative(srv.port, name, type, NODATA);
  });

  test('the answer is the ClusterIP whatever the endpoints (not-ready ones included)', async () => {
    // web has 3 endpoints, one not ready; the name still answers one A.
    expect(await positive(srv.port, `web.${Z}`, 'A')).toHaveLength(1);
  });

  test('a ClusterIP Service without endpoints still answers its ClusterIP by default', async () => {
    expect(await positive(srv.port, `empty.${Z}`, 'A')).toEqual([`empty.${Z} A 10.96.0.50`]);
  });

  test('endpoint names exist below a ClusterIP Service too (dashed IP of a ready address)', async () => {
    expect(await positive(srv.port, `10-244-1-7.web.${Z}`, 'A')).toEqual([`10-244-1-7.web.${Z} A 10.244.1.7`]);
    expect(await positive(srv.port, `10-244-2-8.web.${Z}`, 'A')).toEqual([`10-244-2-8.web.${Z} A 10.244.2.8`]);
    // Not ready, not published.
    await negative(srv.port, `10-244-3-9.web.${Z}`, 'A', NXDOMAIN);
    await negative(srv.port, `10-244-1-7.web.${Z}`, 'AAAA', NODATA);
  });
});

describe('headless services', () => {
  test('A: one per ready address, deduplicated across the slices and the mirrored Endpoints', async () => {
    expect(await positive(srv.port, `db.${Z}`, 'A')).toEqual([`db.${Z} A 10.244.1.10`, `db.${Z} A 10.244.2.11`]);
  });

  test('AAAA: the ready IPv6 addresses', async () => {
    expect(await positive(srv.port, `db.${Z}`, 'AAAA')).toEqual([`db.${Z} AAAA fd00:244::a`]);
  });

  test('only the other family: NODATA', async () => {
    await negative(srv.port, `shared.${Z}`, 'AAAA', NODATA);
  });

  test('no ready endpoints at all: NXDOMAIN (every type)', async () => {
    await negative(srv.port, `notready.${Z}`, 'A', NXDOMAIN);
    await negative(srv.port, `notready.${Z}`, 'AAAA', NXDOMAIN);
    await negative(srv.port, `emptyhl.${Z}`, 'A', NXDOMAIN);
    await negative(srv.port, `emptyhl.${Z}`, 'SRV', NXDOMAIN);
    await negative(srv.port, `10-244-8-1.notready.${Z}`, 'A', NXDOMAIN);
  });

  test('publishNotReadyAddresses: not-ready addresses from slices and Endpoints count', async () => {
    expect(await positive(srv.port, `pub.${Z}`, 'A')).toEqual([`pub.${Z} A 10.244.7.1`, `pub.${Z} A 10.244.7.2`]);
    expect(await positive(srv.port, `10-244-7-2.pub.${Z}`, 'A')).toEqual([`10-244-7-2.pub.${Z} A 10.244.7.2`]);
  });

  test('several slices merged, the same address listed twice answered once, Endpoints-only address added', async () => {
    const got = await positive(srv.port, `split.${Z}`, 'A');
    expect(got).toEqual([1, 2, 3, 4, 5, 6].map((i) => `split.${Z} A 10.244.5.${i}`));
  });

  test('a portless headless Service answers A (and per-endpoint names)', async () => {
    expect(await positive(srv.port, `portless.${Z}`, 'A')).toEqual([`portless.${Z} A 10.244.9.1`, `portless.${Z} A 10.244.9.2`]);
    expect(await positive(srv.port, `p-1.portless.${Z}`, 'A')).toEqual([`p-1.portless.${Z} A 10.244.9.2`]);
  });
});

describe('endpoint names (default options)', () => {
  test.each([
    // hostname
    [`db-0.db.${Z}`, 'A', [`db-0.db.${Z} A 10.244.1.10`]],
    [`db-0.db.${Z}`, 'AAAA', [`db-0.db.${Z} AAAA fd00:244::a`]],
    [`db-1.db.${Z}`, 'A', [`db-1.db.${Z} A 10.244.2.11`]],
    [`anon-host.anon.${Z}`, 'A', [`anon-host.anon.${Z} A 10.244.4.9`]],
    // dashed IPv4 (a pod name is not used without --endpoint-pod-names)
    [`10-244-4-5.anon.${Z}`, 'A', [`10-244-4-5.anon.${Z} A 10.244.4.5`]],
    [`10-244-4-6.anon.${Z}`, 'A', [`10-244-4-6.anon.${Z} A 10.244.4.6`]],
    [`10-244-4-7.anon.${Z}`, 'A', [`10-244-4-7.anon.${Z} A 10.244.4.7`]],
    // dashed IPv6: ':' -> '-', a trailing '-' gets a '0'
    [`5678-abcd--1.anon.${Z}`, 'AAAA', [`5678-abcd--1.anon.${Z} AAAA 5678:abcd::1`]],
    [`2001-db8--0.anon.${Z}`, 'AAAA', [`2001-db8--0.anon.${Z} AAAA 2001:db8::`]],
    // shared hostname: every address carrying it
    [`same.shared.${Z}`, 'A', [`same.shared.${Z} A 10.244.6.1`, `same.shared.${Z} A 10.244.6.2`]],
  ] as const)('%s %s', async (name, type, want) => {
    expect(await positive(srv.port, name, type)).toEqual(want);
  });

  test.each([
    [`anon-7f9c.anon.${Z}`, 'A', NXDOMAIN], // pod names need --endpoint-pod-names
    [`10-244-4-9.anon.${Z}`, 'A', NXDOMAIN], // it has a hostname; the dashed IP is not its name
    [`db-2.db.${Z}`, 'A', NXDOMAIN], // not ready
    [`db-9.db.${Z}`, 'A', NXDOMAIN],
    [`5678-abcd--1.anon.${Z}`, 'A', NODATA],
    [`2001-db8--.anon.${Z}`, 'AAAA', NXDOMAIN],
  ] as const)('%s %s -> %s', async (name, type, code) => {
    await negative(srv.port, name, type, code);
  });
});

describe('--endpoint-pod-names', () => {
  let pn: TestServer;
  beforeAll(async () => {
    pn = await startTestServer(CLUSTER, { endpointPodNames: true });
  });
  afterAll(() => pn?.close());

  test.each([
    [`anon-7f9c.anon.${Z}`, [`anon-7f9c.anon.${Z} A 10.244.4.5`]],
    // The 70-character pod name is no label: the dashed IP stays.
    [`10-244-4-6.anon.${Z}`, [`10-244-4-6.anon.${Z} A 10.244.4.6`]],
    // No targetRef: dashed IP.
    [`10-244-4-7.anon.${Z}`, [`10-244-4-7.anon.${Z} A 10.244.4.7`]],
    // The hostname still wins.
    [`anon-host.anon.${Z}`, [`anon-host.anon.${Z} A 10.244.4.9`]],
    [`db-0.db.${Z}`, [`db-0.db.${Z} A 10.244.1.10`]],
    // A ClusterIP Service's endpoint with a pod targetRef.
    [`web-5d9f-abcde.web.${Z}`, [`web-5d9f-abcde.web.${Z} A 10.244.1.7`]],
  ] as const)('%s A', async (name, want) => {
    expect(await positive(pn.port, name, 'A')).toEqual(want);
  });

  test('the dashed IP of a pod-named endpoint is no longer its name', async () => {
    await negative(pn.port, `10-244-4-5.anon.${Z}`, 'A', NXDOMAIN);
    await negative(pn.port, `anon-xyz.anon.${Z}`, 'A', NXDOMAIN);
  });

  test('SRV targets use the pod name', async () => {
    const got = await positive(pn.port, `_http._tcp.anon.${Z}`, 'SRV');
    expect(got).toContain(`_http._tcp.anon.${Z} SRV 0 16 80 anon-7f9c.anon.${Z}`);
  });
});

describe('--ignore-empty-service', () => {
  let ie: TestServer;
  beforeAll(async () => {
    ie = await startTestServer(CLUSTER, { ignoreEmptyService: true });
  });
  afterAll(() => ie?.close());

  test('a ClusterIP Service without ready endpoints is NXDOMAIN', async () => {
    await negative(ie.port, `empty.${Z}`, 'A', NXDOMAIN);
    await negative(ie.port, `empty.${Z}`, 'AAAA', NXDOMAIN);
  });

  test('the name does not exist for SRV on the bare name either', async () => {
    await negative(ie.port, `empty.${Z}`, 'SRV', NXDOMAIN);
  });

  test('nor for its _port._proto SRV name', async () => {
    await negative(ie.port, `_http._tcp.empty.${Z}`, 'SRV', NXDOMAIN);
  });

  test('Services with ready endpoints are unaffected', async () => {
    expect(await positive(ie.port, `web.${Z}`, 'A')).toEqual([`web.${Z} A 10.96.12.34`]);
  });
});

describe('ExternalName', () => {
  test('CNAME query: the CNAME to spec.externalName (trailing dot dropped)', async () => {
    expect(await positive(srv.port, `ext.${Z}`, 'CNAME')).toEqual([`ext.${Z} CNAME api.example.com`]);
  });

  test('pointing inside the zone: the target is answered in-zone, CNAME first', async () => {
    for (const tcp of [false, true]) {
      const { packet } = await ask(srv.port, `alias.${Z}`, 'A', { tcp });
      expectPositive(packet);
      const ans = section(packet, 'answers');
      expect(ans.map((r) => `${r.name} ${r.type} ${(r as { data: string }).data}`)).toEqual([
        `alias.${Z} CNAME web.${Z}`,
        `web.${Z} A 10.96.12.34`,
      ]);
    }
  });

  test('pointing inside the zone, a family the target lacks: CNAME, then NODATA', async () => {
    const { packet } = await ask(srv.port, `alias.${Z}`, 'AAAA');
    expect(packet.flag_aa).toBe(true);
    expect(rrs(packet)).toEqual([`alias.${Z} CNAME web.${Z}`]);
  });

  test('pointing at an in-zone name that does not exist: CNAME, NXDOMAIN, the zone SOA', async () => {
    const { packet } = await ask(srv.port, `dangling.${Z}`, 'A');
    expect(rcode(packet)).toBe('NXDOMAIN'); // RFC 6604 §2: the rcode of the last name in the chain
    expect(packet.flag_aa).toBe(true);
    expect(rrs(packet)).toEqual([`dangling.${Z} CNAME gone.${Z}`]);
    expect(section(packet, 'authorities').map((r) => `${r.name} ${r.type}`)).toEqual(['cluster.local SOA']);
  });

  test('two ExternalNames pointing at each other: an answer comes, without duplicate records (RFC 2181 §5)', async () => {
    const { packet } = await ask(srv.port, `loop-a.${Z}`, 'A', { tcp: true });
    const lines = section(packet, 'answers').map((r) => `${r.name} ${r.type} ${(r as { data: string }).data}`);
    expect(lines.slice(0, 2)).toEqual([`loop-a.${Z} CNAME loop-b.${Z}`, `loop-b.${Z} CNAME loop-a.${Z}`]);
    expect(new Set(lines).size).toBe(lines.length);
  });

  test('an IP literal as externalName yields no record (NODATA)', async () => {
    await negative(srv.port, `iplit.${Z}`, 'A', NODATA);
    await negative(srv.port, `iplit.${Z}`, 'CNAME', NODATA);
  });

  test.each([`x.ext.${Z}`, `_http._tcp.ext.${Z}`, `a.b.ext.${Z}`])('names below an ExternalName Service: %s NXDOMAIN', async (name) => {
    await negative(srv.port, name, 'A', NXDOMAIN);
  });
});

describe('ExternalName pointing outside the zone (chased through the upstream)', () => {
  let up: FakeUpstream;
  let fw: TestServer;
  beforeAll(async () => {
    up = await FakeUpstream.start({
      answerIp: '192.0.2.44',
      // Types the fake's default mode does not answer: a CAA and an HTTPS (65) record.
      onQuery: (_raw, q) => {
        const question = q.questions?.[0];
        if (!question || (question.type !== 'CAA' && question.type !== ('UNKNOWN_65' as dnsPacket.RecordType))) return undefined;
        const data = question.type === 'CAA' ? { flags: 0, tag: 'issue', value: 'ca.example' } : Buffer.from([0, 1, 0]);
        return dnsPacket.encode({
          type: 'response',
          id: q.id,
          flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
          questions: [question],
          answers: [{ name: question.name, type: question.type, ttl: 60, data } as dnsPacket.Answer],
        });
      },
    });
    fw = await startTestServer(CLUSTER, { upstream: [up.hostPort] });
  });
  afterAll(async () => {
    await fw?.close();
    await up?.close();
  });

  test('A: CNAME first, then the target records from the upstream', async () => {
    const { packet } = await ask(fw.port, `ext.${Z}`, 'A');
    expect(packet.flag_qr).toBe(true);
    const ans = section(packet, 'answers');
    expect(ans.map((r) => `${r.name} ${r.type} ${(r as { data: string }).data}`)).toEqual([
      `ext.${Z} CNAME api.example.com`,
      'api.example.com A 192.0.2.44',
    ]);
    expect(up.received.some((r) => r.name === 'api.example.com' && r.type === 'A')).toBe(true);
  });

  test('a type the server has no name for (CAA): asked upstream as CAA, answered CNAME then CAA', async () => {
    const { packet } = await ask(fw.port, `ext.${Z}`, 'CAA');
    expect(up.received.filter((r) => r.name === 'api.example.com').map((r) => r.type)).toContain('CAA');
    expect(rcode(packet)).toBe('NOERROR');
    expect(section(packet, 'answers').map((r) => `${r.name} ${r.type}`)).toEqual([`ext.${Z} CNAME`, 'api.example.com CAA']);
    expect((section(packet, 'answers')[1] as { data: unknown }).data).toMatchObject({ tag: 'issue', value: 'ca.example' });
  });

  test('HTTPS (type 65, asked by browsers for every name) is chased with its own type', async () => {
    const { packet } = await ask(fw.port, `ext.${Z}`, 'UNKNOWN_65' as dnsPacket.RecordType);
    expect(up.received.filter((r) => r.name === 'api.example.com').map((r) => r.type)).toContain('UNKNOWN_65');
    expect(section(packet, 'answers').map((r) => `${r.name} ${r.type}`)).toEqual([`ext.${Z} CNAME`, 'api.example.com UNKNOWN_65']);
  });

  test('the cluster zone itself never goes upstream', async () => {
    const before = up.received.length;
    await positive(fw.port, `web.${Z}`, 'A');
    await negative(fw.port, `nosuch.${Z}`, 'A', NXDOMAIN);
    expect(up.received.slice(before).filter((r) => r.name.endsWith('cluster.local'))).toEqual([]);
  });
});

test('expectNegative is strict: a positive answer fails it', async () => {
  const { packet } = await ask(srv.port, `web.${Z}`, 'A');
  expect(() => expectNegative(packet, NODATA)).toThrow();
});
