// SPEC §4 cache, through the real server: forwarded answers are served from the cache with
// their remaining TTL (RFC 1035 §7.4); negative answers are cached for min(SOA TTL, SOA
// minimum) and not at all without an SOA (RFC 2308 §5); cluster answers die the moment the
// view changes (SPEC §6 "stale answers after changes"), forwarded ones do not.
//
// The scenarios that wait for TTLs run side by side from beforeAll (scenarios()), each on its
// own names; every test awaits its scenario and asserts on what it recorded.
import * as dnsPacket from 'dns-packet';
import { ask, rcode, rrs, section, snapshotFile, waitFor, writeAtomic } from '../support/dns-e2e';
import { startTestServer, type TestServer } from '../support/server';
import { allListening, A, askEach, RCODE_NXDOMAIN, scenarios, sleep, soa, startZoneUpstream, ttls, WORKERS, type ZoneUpstream } from '../support/forward-e2e';

const Z = 'default.svc.cluster.local';
const cluster = (webIP: string, extTarget: string, extra = '') => `
apiVersion: v1
kind: Namespace
metadata: { name: default }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec: { clusterIP: ${webIP}, ports: [{ name: http, port: 80, protocol: TCP }] }
---
apiVersion: v1
kind: Service
metadata: { name: ext, namespace: default }
spec: { type: ExternalName, externalName: ${extTarget} }
${extra}`;
const LATE = `---
apiVersion: v1
kind: Service
metadata: { name: late, namespace: default }
spec: { clusterIP: 10.96.0.55, ports: [{ name: http, port: 80, protocol: TCP }] }
---
apiVersion: v1
kind: Service
metadata: { name: late2, namespace: default }
spec: { clusterIP: 10.96.0.56, ports: [{ name: http, port: 80, protocol: TCP }] }
`;

/** `name A` answered with TTL `ttl` and the address 192.0.2.<n> for the n-th time it is asked. */
const tagged = (ttl: number) => (q: { name: string; nth: number }) => ({ answers: [A(q.name, `192.0.2.${q.nth}`, ttl)] });
const negative = (rcode: number, soaTtl: number | null, minimum = 0) => ({ rcode, authorities: soaTtl === null ? [] : [soa('example.org', soaTtl, minimum)] });

let up: ZoneUpstream;
let srv: TestServer;
let run: ReturnType<typeof start>;

function start() {
  const port = srv.port;
  return scenarios({
    /** 5 x askEach and 10 UDP queries in mixed spellings for one name. */
    async fromCache() {
      const spellings = ['many.example.org', 'MANY.example.org', 'Many.Example.Org', 'mAnY.eXaMpLe.OrG'];
      const replies: { spelled: string; packet: dnsPacket.DecodedPacket }[] = [];
      for (let i = 0; i < 5; i++) for (const r of await askEach(port, spellings[i % 4], 'A')) replies.push({ spelled: spellings[i % 4], packet: r.packet });
      for (let i = 0; i < 10; i++) replies.push({ spelled: spellings[i % 4], packet: (await ask(port, spellings[i % 4], 'A')).packet });
      return { replies, asked: up.asked('many.example.org', 'A') };
    },
    /** TTL 5, asked again 1.5 s later. */
    async ttl() {
      const primeStart = Date.now();
      const first = await askEach(port, 'ttl5.example.org', 'A');
      const primeEnd = Date.now();
      await sleep(1500);
      const sent = Date.now();
      const later = [...(await askEach(port, 'ttl5.example.org', 'A')), await ask(port, 'ttl5.example.org', 'A')];
      const received = Date.now();
      return { first, later, primeStart, primeEnd, sent, received, asked: up.asked('ttl5.example.org', 'A') };
    },
    /** Negative answers of several kinds; the upstream counts at 0.5, 1.4 and 2.3 s. */
    async negative() {
      const names: [string, dnsPacket.RecordType][] = [
        ['nx-min2.example.org', 'A'],
        ['nodata-min2.example.org', 'AAAA'],
        ['nx-soattl1.example.org', 'A'],
      ];
      const askAll = async () => {
        const out: Record<string, dnsPacket.DecodedPacket> = {};
        for (const [n, t] of names) out[n] = (await askEach(port, n, t))[0].packet;
        return out;
      };
      const counts = () => Object.fromEntries(names.map(([n]) => [n, up.asked(n)]));
      const first = await askAll();
      const t0 = Date.now();
      const at: Record<string, number>[] = [counts()];
      for (const ms of [500, 1400, 2300]) {
        await sleep(t0 + ms - Date.now());
        await askAll();
        at.push(counts());
      }
      return { first, at };
    },
    /** Negative answers without an SOA, asked three times. */
    async noSoa() {
      const replies: dnsPacket.DecodedPacket[] = [];
      for (let i = 0; i < 3; i++) {
        replies.push((await askEach(port, 'nx-nosoa.example.org', 'A'))[0].packet);
        replies.push((await askEach(port, 'nodata-nosoa.example.org', 'A'))[0].packet);
      }
      return { replies, nx: up.asked('nx-nosoa.example.org'), nodata: up.asked('nodata-nosoa.example.org') };
    },
  });
}

beforeAll(async () => {
  up = await startZoneUpstream({
    'many.example.org A': (q) => ({ answers: [A(q.name, '192.0.2.7', 60)] }),
    'ttl5.example.org A': tagged(5),
    'keep.example.org A': (q) => ({ answers: [A(q.name, '192.0.2.8', 60)] }),
    'www.example.org A': (q) => ({ answers: [A(q.name, '192.0.2.10', 60)] }),
    'other.example.org A': (q) => ({ answers: [A(q.name, '192.0.2.20', 60)] }),
    'nx-min2.example.org A': negative(RCODE_NXDOMAIN, 300, 2),
    'nodata-min2.example.org AAAA': negative(0, 300, 2),
    'nx-soattl1.example.org A': negative(RCODE_NXDOMAIN, 1, 300),
    'nx-nosoa.example.org A': negative(RCODE_NXDOMAIN, null),
    // The node resolver's answer for a reverse name no Service had yet (SPEC §2: a PTR miss
    // under the default catch-all goes upstream).
    '55.0.96.10.in-addr.arpa PTR': { rcode: RCODE_NXDOMAIN, authorities: [soa('10.in-addr.arpa', 3600, 600)] },
    'nodata-nosoa.example.org A': negative(0, null),
  });
  srv = await startTestServer(cluster('10.96.12.34', 'www.example.org'), { upstream: [up.fake.hostPort], upstreamTimeoutMs: 1000 });
  await allListening(up);
  run = start();
});
afterAll(async () => {
  await srv?.close();
  await up?.fake.close();
});

test('answers are served from the cache: one upstream query per server process for many client queries, any spelling, UDP or TCP', async () => {
  const { replies, asked } = await run.fromCache;
  expect(replies).toHaveLength(5 * WORKERS + 10);
  for (const { spelled, packet } of replies) {
    expect(packet.questions?.[0].name).toBe(spelled);
    expect(rrs(packet)).toEqual(['many.example.org A 192.0.2.7']);
  }
  expect(asked).toBe(WORKERS);
});

test('a cached answer carries its remaining TTL: 5 s, asked 1.5 s later, is served with TTL 4 (whole seconds elapsed)', async () => {
  const r = await run.ttl;
  expect(r.asked).toBe(WORKERS);
  for (const f of r.first) expect(ttls(f.packet)).toEqual([5]);
  // The seconds elapsed since the answer was stored lie between these bounds.
  const minSpent = Math.floor((r.sent - r.primeEnd) / 1000);
  const maxSpent = Math.floor((r.received - r.primeStart) / 1000);
  expect(minSpent).toBeGreaterThanOrEqual(1);
  for (const l of r.later) {
    // Still the answer the upstream gave first (one of the first WORKERS it sent), not a new one.
    expect(rrs(l.packet)).toHaveLength(1);
    expect(Number(rrs(l.packet)[0].split('.').pop())).toBeLessThanOrEqual(WORKERS);
    const [ttl] = ttls(l.packet);
    expect(ttl).toBeLessThanOrEqual(5 - minSpent);
    expect(ttl).toBeGreaterThanOrEqual(5 - maxSpent);
  }
});

test('negative answers are cached for min(SOA TTL, SOA minimum), then asked again', async () => {
  const { first, at } = await run.negative;
  expect(rcode(first['nx-min2.example.org'])).toBe('NXDOMAIN');
  expect(section(first['nx-min2.example.org'], 'authorities').map((r) => r.type)).toEqual(['SOA']);
  expect(rcode(first['nodata-min2.example.org'])).toBe('NOERROR');
  expect(section(first['nodata-min2.example.org'], 'answers')).toEqual([]);
  const W = WORKERS;
  // Right after priming, and 0.5 s later: all from the cache.
  expect(at[0]).toEqual({ 'nx-min2.example.org': W, 'nodata-min2.example.org': W, 'nx-soattl1.example.org': W });
  expect(at[1]).toEqual({ 'nx-min2.example.org': W, 'nodata-min2.example.org': W, 'nx-soattl1.example.org': W });
  // 1.4 s: the SOA's own TTL of 1 s has run out, the minimum of 2 s has not.
  expect(at[2]).toEqual({ 'nx-min2.example.org': W, 'nodata-min2.example.org': W, 'nx-soattl1.example.org': 2 * W });
  // 2.3 s: the minimum of 2 s has run out too; the 1 s entry stored again at 1.4 s has not.
  expect(at[3]).toEqual({ 'nx-min2.example.org': 2 * W, 'nodata-min2.example.org': 2 * W, 'nx-soattl1.example.org': 2 * W });
});

test('negative answers without an SOA are not cached (RFC 2308 §5)', async () => {
  const { replies, nx, nodata } = await run.noSoa;
  expect(replies.map((p) => rcode(p))).toEqual(['NXDOMAIN', 'NOERROR', 'NXDOMAIN', 'NOERROR', 'NXDOMAIN', 'NOERROR']);
  expect(nx).toBe(3 * WORKERS);
  expect(nodata).toBe(3 * WORKERS);
});

test('cluster answers (and ExternalName answers built from them) change the moment the view does, not after their TTL; forwarded answers stay cached', async () => {
  const web = async () => rrs((await ask(srv.port, `web.${Z}`, 'A')).packet).join(',');
  const extA = async () => rrs((await ask(srv.port, `ext.${Z}`, 'A', { tcp: true })).packet).join(',');
  for (let i = 0; i < 2; i++) {
    await askEach(srv.port, `web.${Z}`, 'A');
    await askEach(srv.port, `ext.${Z}`, 'A');
    await askEach(srv.port, 'keep.example.org', 'A');
  }
  expect(await web()).toBe(`web.${Z} A 10.96.12.34`);
  expect(await extA()).toBe(`ext.${Z} CNAME www.example.org,www.example.org A 192.0.2.10`);
  const keepAsked = up.asked('keep.example.org', 'A');
  expect(keepAsked).toBe(WORKERS);
  const changed = Date.now();
  writeAtomic(snapshotFile(srv), cluster('10.96.12.99', 'other.example.org'));
  await waitFor(web, (a) => a === `web.${Z} A 10.96.12.99`, 1500);
  await waitFor(extA, (a) => a === `ext.${Z} CNAME other.example.org,other.example.org A 192.0.2.20`, 1500);
  // The record TTL is 30 s: only invalidation explains an answer within about a second.
  expect(Date.now() - changed).toBeLessThan(1500);
  for (const r of await askEach(srv.port, 'keep.example.org', 'A')) expect(rrs(r.packet)).toEqual(['keep.example.org A 192.0.2.8']);
  expect(up.asked('keep.example.org', 'A')).toBe(keepAsked);
});

test('a reverse name answered upstream before a Service took the address: the Service\'s PTR as soon as the view changes', async () => {
  const ptr = async (name = '55.0.96.10.in-addr.arpa') => {
    const { packet } = await ask(srv.port, name, 'PTR');
    return `${rcode(packet)} ${rrs(packet).join(',')}`;
  };
  for (let i = 0; i < 2; i++) await askEach(srv.port, '55.0.96.10.in-addr.arpa', 'PTR');
  expect(await ptr()).toBe('NXDOMAIN ');
  expect(up.asked('55.0.96.10.in-addr.arpa', 'PTR')).toBe(WORKERS); // the negative answer is cached (SOA minimum 600)
  writeAtomic(snapshotFile(srv), cluster('10.96.12.99', 'other.example.org', LATE));
  // The new view is served: a reverse name nobody asked before answers at once...
  await waitFor(() => ptr('56.0.96.10.in-addr.arpa'), (a) => a === 'NOERROR 56.0.96.10.in-addr.arpa PTR late2.default.svc.cluster.local', 1500);
  // ...and so must this one (SPEC §2 PTR: a ClusterIP maps to its Service): the upstream's
  // negative answer, cached for 600 s, must not hide the cluster's own answer.
  await waitFor(() => ptr(), (a) => a === 'NOERROR 55.0.96.10.in-addr.arpa PTR late.default.svc.cluster.local', 1500);
});
