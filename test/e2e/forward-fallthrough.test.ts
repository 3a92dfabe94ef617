// Where the chain falls through to the forwarder and where it must not (SPEC §2 PTR and
// ExternalName, §4): a PTR miss under the default catch-all reverse zones goes upstream, one
// inside a configured reverse zone does not; an ExternalName whose target is outside the zone
// is answered CNAME first, then the target's records found through the cache and upstreams;
// names of the cluster zone and of static zones are never forwarded, found or not.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ask, rcode, rrs, section } from '../support/dns-e2e';
import { startTestServer, type TestServer } from '../support/server';
import { allListening, A, askEach, RCODE_NXDOMAIN, soa, startZoneUpstream, timed, WORKERS, type ZoneUpstream, WEB_CLUSTER } from '../support/forward-e2e';

const T = 300;
const Z = 'default.svc.cluster.local';
const ext = (name: string, target: string) => `---
apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: default }
spec: { type: ExternalName, externalName: ${target} }
`;
const CLUSTER = `${WEB_CLUSTER}${ext('ext', 'www.example.org')}${ext('ext-alias', 'alias.example.org')}${ext('ext-nx', 'gone.example.org')}${ext('ext-silent', 'silent.example.org')}${ext('ext-in', `web.${Z}`)}${ext('ext-api', 'api.example.org')}`;

const ZONE = `$ORIGIN example.com.
$TTL 300
@    IN SOA ns1.example.com. hostmaster.example.com. 1 7200 1800 86400 60
     IN NS  ns1
ns1  IN A   192.0.2.53
www  IN A   192.0.2.80
`;

let up: ZoneUpstream;
let srv: TestServer;
let zoneDir: string;

beforeAll(async () => {
  up = await startZoneUpstream(
    {
      'www.example.org A': (q) => ({ answers: [A(q.name, '192.0.2.10', 120)] }),
      'www.example.org AAAA': (q) => ({ answers: [{ name: q.name, type: 'AAAA', ttl: 120, data: '2001:db8::10' }] }),
      'api.example.org A': (q) => ({ answers: [A(q.name, '192.0.2.11')] }),
      'alias.example.org A': (q) => ({ answers: [{ name: q.name, type: 'CNAME', ttl: 60, data: 'real.example.org' }, A('real.example.org', '192.0.2.12')] }),
      'gone.example.org A': { rcode: RCODE_NXDOMAIN, authorities: [soa('example.org', 60, 30)] },
      'silent.example.org A': () => null,
      '9.9.9.9.in-addr.arpa PTR': (q) => ({ answers: [{ name: q.name, type: 'PTR', ttl: 60, data: 'dns9.example.net' }] }),
      'www.example.net A': (q) => ({ answers: [A(q.name, '192.0.2.99')] }),
    },
    (q) => ({ answers: q.type === 'A' ? [A(q.name, '192.0.2.250')] : [] }),
  );
  zoneDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clusterdns-fallthrough-'));
  fs.writeFileSync(path.join(zoneDir, 'example.com.zone'), ZONE);
  srv = await startTestServer(CLUSTER, {
    upstream: [up.fake.hostPort],
    upstreamTimeoutMs: T,
    zoneFiles: [path.join(zoneDir, 'example.com.zone')],
  });
  await allListening(up);
});
afterAll(async () => {
  await srv?.close();
  await up?.fake.close();
  if (zoneDir) fs.rmSync(zoneDir, { recursive: true, force: true });
});

describe('PTR under the default catch-all reverse zones', () => {
  test('a miss goes upstream and its answer comes back, not authoritative', async () => {
    const { packet } = await ask(srv.port, '9.9.9.9.IN-ADDR.arpa', 'PTR');
    expect(packet.questions?.[0].name).toBe('9.9.9.9.IN-ADDR.arpa');
    expect(rrs(packet)).toEqual(['9.9.9.9.in-addr.arpa PTR dns9.example.net']);
    expect(packet.flag_aa).toBe(false);
    expect(up.asked('9.9.9.9.in-addr.arpa', 'PTR')).toBeGreaterThanOrEqual(1);
  });

  test('a ClusterIP is answered here, authoritatively, and never forwarded', async () => {
    const { packet } = await ask(srv.port, '34.12.96.10.in-addr.arpa', 'PTR');
    expect(rrs(packet)).toEqual([`34.12.96.10.in-addr.arpa PTR web.${Z}`]);
    expect(packet.flag_aa).toBe(true);
    expect(up.asked('34.12.96.10.in-addr.arpa')).toBe(0);
  });
});

describe('PTR with configured reverse zones (10.96.0.0/16)', () => {
  let up2: ZoneUpstream;
  let srv2: TestServer;
  beforeAll(async () => {
    up2 = await startZoneUpstream({}, (q) => ({ answers: q.type === 'PTR' ? [{ name: q.name, type: 'PTR', ttl: 60, data: 'outside.example.net' }] : [] }));
    srv2 = await startTestServer(CLUSTER, { upstream: [up2.fake.hostPort], upstreamTimeoutMs: T, reverseZones: ['96.10.in-addr.arpa'] });
    await allListening(up2);
  });
  afterAll(async () => {
    await srv2?.close();
    await up2?.fake.close();
  });

  test('a miss inside is NXDOMAIN with that zone\'s SOA and is not forwarded; a miss outside is', async () => {
    const inside = (await ask(srv2.port, '77.0.96.10.in-addr.arpa', 'PTR')).packet;
    expect(rcode(inside)).toBe('NXDOMAIN');
    expect(inside.flag_aa).toBe(true);
    expect(section(inside, 'authorities').map((r) => `${r.name} ${r.type}`)).toEqual(['96.10.in-addr.arpa SOA']);
    expect(up2.asked('77.0.96.10.in-addr.arpa')).toBe(0);
    const outside = (await ask(srv2.port, '1.2.244.10.in-addr.arpa', 'PTR')).packet;
    expect(rrs(outside)).toEqual(['1.2.244.10.in-addr.arpa PTR outside.example.net']);
    expect(up2.asked('1.2.244.10.in-addr.arpa', 'PTR')).toBeGreaterThanOrEqual(1);
  });
});

describe('ExternalName to a name outside the zone', () => {
  test.each([
    ['A', 'www.example.org A 192.0.2.10'],
    ['AAAA', 'www.example.org AAAA 2001:db8::10'],
  ] as const)('%s: CNAME first, then the upstream records of the target, over UDP and TCP', async (type, target) => {
    for (const tcp of [false, true]) {
      const spelled = tcp ? `EXT.default.svc.cluster.local` : `Ext.Default.svc.cluster.local`;
      const { packet } = await ask(srv.port, spelled, type, { tcp });
      expect(rcode(packet)).toBe('NOERROR');
      expect(packet.questions?.[0].name).toBe(spelled);
      const answers = section(packet, 'answers');
      expect(answers.map((r) => r.type)).toEqual(['CNAME', type]);
      expect(answers[0].name).toBe(spelled);
      expect(rrs(packet)).toEqual([`ext.${Z} CNAME www.example.org`, target].sort());
    }
    expect(up.asked('www.example.org', type)).toBeGreaterThanOrEqual(1);
    expect(up.asked('www.example.org', type)).toBeLessThanOrEqual(WORKERS);
    expect(up.asked(`ext.${Z}`)).toBe(0);
  });

  test('a target that is itself an alias upstream: every record of the chain, in order', async () => {
    const { packet } = await ask(srv.port, `ext-alias.${Z}`, 'A');
    expect(section(packet, 'answers').map((r) => `${r.name} ${r.type}`)).toEqual([`ext-alias.${Z} CNAME`, 'alias.example.org CNAME', 'real.example.org A']);
  });

  test('the combined answer is cached: asked again, the upstream is not', async () => {
    await askEach(srv.port, `ext.${Z}`, 'A');
    const before = up.asked('www.example.org', 'A');
    for (let i = 0; i < 3; i++) await askEach(srv.port, `ext.${Z}`, 'A');
    expect(up.asked('www.example.org', 'A')).toBe(before);
  });

  test('the target is looked up through the cache: a target a client already asked for is not asked upstream again', async () => {
    // SPEC §2: "outside, through the same resolution path as any other name (cache, upstream)".
    await askEach(srv.port, 'api.example.org', 'A');
    expect(up.asked('api.example.org', 'A')).toBe(WORKERS);
    const replies = await askEach(srv.port, `ext-api.${Z}`, 'A');
    for (const r of replies) expect(rrs(r.packet)).toEqual(['api.example.org A 192.0.2.11', `ext-api.${Z} CNAME api.example.org`]);
    expect(up.asked('api.example.org', 'A')).toBe(WORKERS);
  });

  test('a target the upstream says does not exist: NXDOMAIN with the CNAME and the upstream\'s SOA', async () => {
    const { packet } = await ask(srv.port, `ext-nx.${Z}`, 'A');
    expect(rcode(packet)).toBe('NXDOMAIN');
    expect(rrs(packet)).toEqual([`ext-nx.${Z} CNAME gone.example.org`]);
    expect(section(packet, 'authorities').map((r) => `${r.name} ${r.type}`)).toEqual(['example.org SOA']);
  });

  test('a target whose upstream is silent: SERVFAIL within the timeout bound', async () => {
    const t = await timed(() => ask(srv.port, `ext-silent.${Z}`, 'A'));
    expect(rcode(t.value.packet)).toBe('SERVFAIL');
    expect(t.ms).toBeLessThan(T + 300);
  });

  test('an ExternalName to a name inside the zone is answered here, nothing forwarded', async () => {
    const before = up.fake.received.length;
    const { packet } = await ask(srv.port, `ext-in.${Z}`, 'A');
    expect(rrs(packet)).toEqual([`ext-in.${Z} CNAME web.${Z}`, `web.${Z} A 10.96.12.34`]);
    expect(up.fake.received.length).toBe(before);
  });
});

describe('served zones are never forwarded', () => {
  test.each([
    ['www.example.com', 'A', 'NOERROR'],
    ['missing.example.com', 'A', 'NXDOMAIN'],
    ['deep.missing.example.com', 'AAAA', 'NXDOMAIN'],
    ['example.com', 'MX', 'NOERROR'],
    [`nope.${Z}`, 'A', 'NXDOMAIN'],
    [`web.${Z}`, 'TXT', 'NOERROR'],
    ['anything.cluster.local', 'A', 'NXDOMAIN'],
  ] as const)('%s %s: %s from here', async (name, type, code) => {
    const before = up.fake.received.length;
    const { packet } = await ask(srv.port, name, type);
    expect(rcode(packet)).toBe(code);
    expect(packet.flag_aa).toBe(true);
    expect(up.fake.received.length).toBe(before);
  });

  test('a name next to a static zone (example.net) is forwarded', async () => {
    expect(rrs((await ask(srv.port, 'www.example.net', 'A')).packet)).toEqual(['www.example.net A 192.0.2.99']);
    expect(up.asked('www.example.net', 'A')).toBe(1);
  });
});
