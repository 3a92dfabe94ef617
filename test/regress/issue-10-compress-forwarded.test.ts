// Issue 10 item 2: an upstream that answers 40 A records for one name without name compression
// (about 1,240 bytes) must reach a UDP client with EDNS 4096 whole: compressed, the same answer
// is about 700 bytes, so it fits, and TC would only make the client retry over TCP. The
// answer is cached compressed too (the second query is a cache hit with the same 40 records).
import { ask, rcode, section } from '../support/dns-e2e';
import { startTestServer, type TestServer } from '../support/server';
import * as dnsPacket from 'dns-packet';
import { A, allListening, replyTo, startZoneUpstream, WEB_CLUSTER, type ZoneUpstream } from '../support/forward-e2e';

const NAME = 'many.example.org';
const COUNT = 40;

let up: ZoneUpstream;
let srv: TestServer;

beforeAll(async () => {
  up = await startZoneUpstream({
    [`${NAME} A`]: (q) => ({ answers: Array.from({ length: COUNT }, (_, i) => A(q.name, `10.2.0.${i + 1}`, 300)) }),
  });
  srv = await startTestServer(WEB_CLUSTER, { upstream: [up.fake.hostPort] });
  await allListening(up);
});
afterAll(async () => {
  await srv?.close();
  await up?.fake.close();
});

test('the upstream really sends the 40 records uncompressed (over 1,232 bytes)', async () => {
  await ask(srv.port, NAME, 'A', { edns: 4096, tcp: true });
  const raw = up.fake.received.find((r) => r.name === NAME);
  expect(raw).toBeDefined();
  // dns-packet does not compress: 40 x (18-byte owner + 14) + header and question.
  const sent = replyTo(dnsPacket.decode(raw!.raw), { answers: Array.from({ length: COUNT }, (_, i) => A(NAME, `10.2.0.${i + 1}`)) });
  expect(sent.length).toBeGreaterThan(1232);
});

test.each([['first (forwarded)'], ['second (from the cache)']])('UDP with EDNS 4096 gets all 40 A records, no TC: %s', async () => {
  const r = await ask(srv.port, NAME, 'A', { edns: 4096 });
  expect(rcode(r.packet)).toBe('NOERROR');
  expect(r.packet.flag_tc).toBe(false);
  expect(section(r.packet, 'answers')).toHaveLength(COUNT);
  expect(new Set(section(r.packet, 'answers').map((a) => a.data)).size).toBe(COUNT);
  expect(r.raw.length).toBeLessThan(800);
});

test('a plain 512-byte UDP client still gets a truncated answer cut at a record boundary', async () => {
  const r = await ask(srv.port, NAME, 'A');
  expect(r.packet.flag_tc).toBe(true);
  expect(r.raw.length).toBeLessThanOrEqual(512);
  expect(section(r.packet, 'answers').length).toBeGreaterThan(20);
});
