// SPEC §4 forwarding through the real server: names outside the served zones go to the
// upstreams over real UDP/TCP (zone upstreams on 127.0.0.1), and what comes back reaches the
// client under its own ID and spelling (SPEC §1), whatever the rcode; truncated upstream
// replies are fetched again over TCP (RFC 7766) and cut again for each client's UDP size
// (SPEC §3); forged replies are ignored (RFC 5452 §9).
import dgram from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import { dig, encodeQuery, startTestServer, tcpRaw, udpRaw, type TestServer } from '../support/server';
import { ask, headerOf, rcode, rrs, section } from '../support/dns-e2e';
import { allListening, A, ttls, RCODE_NXDOMAIN, RCODE_SERVFAIL, replyTo, soa, startZoneUpstream, timed, WORKERS, type Asked, type ZoneUpstream, WEB_CLUSTER } from '../support/forward-e2e';

const TIMEOUT_MS = 600;
const CLUSTER = WEB_CLUSTER;

// 100 records: over 1,232 bytes even compressed (16 bytes each), so UDP clients get TC.
const BIG = 100;
const bigAnswers = (name: string) => Array.from({ length: BIG }, (_, i) => A(name, `10.1.0.${i + 1}`));

/** Forgeries of the reply to `q`: wrong ID, wrong question, no QR bit; all carry 6.6.6.6. */
function forgeries(q: Asked): Buffer[] {
  const p = q.packet;
  const wrongId = replyTo({ ...p, id: (p.id ?? 0) ^ 0x5a5a }, { answers: [A(q.name, '6.6.6.6')] });
  const wrongQuestion = replyTo({ ...p, questions: [{ name: `evil-${q.name}`, type: 'A', class: 'IN' }] }, { answers: [A(`evil-${q.name}`, '6.6.6.6')] });
  const notAResponse = dnsPacket.encode({ type: 'query', id: p.id, flags: 0, questions: p.questions, answers: [A(q.name, '6.6.6.6')] });
  return [wrongId, wrongQuestion, notAResponse];
}

/** A forged reply with the right ID and question, sent from another port of the same host. */
async function offPathForgery(q: Asked, port: number): Promise<void> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.send(replyTo(q.packet, { answers: [A(q.name, '6.6.6.6')] }), port, '127.0.0.1', () => r()));
  s.close();
}

let upA: ZoneUpstream;
let upB: ZoneUpstream;
let srv: TestServer;

beforeAll(async () => {
  upA = await startZoneUpstream({
    'www.example.org A': (q) => ({ answers: [A(q.name, '192.0.2.10')] }),
    'www.example.org AAAA': (q) => ({ answers: [{ name: q.name, type: 'AAAA', ttl: 60, data: '2001:db8::10' }] }),
    'www.example.org MX': (q) => ({ answers: [{ name: q.name, type: 'MX', ttl: 60, data: { preference: 10, exchange: 'mail.example.org' } }] }),
    'www.example.org TXT': (q) => ({ answers: [{ name: q.name, type: 'TXT', ttl: 60, data: ['v=spf1 -all', 'second string'] }] }),
    'gone.example.org A': { rcode: RCODE_NXDOMAIN, authorities: [soa('example.org', 60, 30)] },
    'www.example.org NS': { authorities: [soa('example.org', 60, 30)] },
    'broken.example.org A': { rcode: RCODE_SERVFAIL },
    'slow.example.org A': { delayMs: 250, answers: [A('slow.example.org', '192.0.2.25')] },
    'big.example.org A': (q) => ({ truncateUdp: true, answers: bigAnswers(q.name) }),
    'spoofed.example.org A': async (q) => {
      if (q.proto === 'tcp') return { answers: [A(q.name, '192.0.2.77')] };
      await offPathForgery(q, upA.fake.received.find((r) => r.raw.equals(q.raw))!.port);
      return [...forgeries(q), replyTo(q.packet, { answers: [A(q.name, '192.0.2.77')] })];
    },
    'forged-only.example.org A': (q) => forgeries(q),
    'shout.example.org A': { upperQuestion: true, answers: [A('shout.example.org', '192.0.2.30')] },
    // RFC 2181 §8: a TTL with the most significant bit set is to be treated as zero.
    'topbit.example.org A': (q) => ({ answers: [A(q.name, '192.0.2.50', 0x80000001)] }),
    'opt.example.org A': {
      answers: [A('opt.example.org', '192.0.2.40')],
      additionals: [A('glue.example.org', '192.0.2.41'), { type: 'OPT', name: '.', udpPayloadSize: 4096, flags: 0 } as dnsPacket.Answer],
    },
  });
  upB = await startZoneUpstream({}, (q) => ({ answers: q.type === 'A' ? [A(q.name, '192.0.2.222')] : [] }));
  srv = await startTestServer(CLUSTER, {
    upstream: [upA.fake.hostPort, upB.fake.hostPort],
    upstreamPolicy: 'sequential',
    upstreamTimeoutMs: TIMEOUT_MS,
    // Records in the upstream's order: this suite checks where an answer is cut (the rotation
    // of `loadbalance`, on by default and applied to forwarded answers as in CoreDNS, has its
    // own tests in test/plugins/loadbalance*).
    loadbalance: false,
  });
  await allListening(upA);
});
afterAll(async () => {
  await srv?.close();
  await upA?.fake.close();
  await upB?.fake.close();
});

describe('external names are forwarded', () => {
  const rows: [dnsPacket.RecordType, string][] = [
    ['A', 'www.example.org A 192.0.2.10'],
    ['AAAA', 'www.example.org AAAA 2001:db8::10'],
    ['MX', 'www.example.org MX {"preference":10,"exchange":"mail.example.org"}'],
    ['TXT', 'www.example.org TXT "v=spf1 -all" "second string"'],
  ];
  test.each(rows)('%s: the upstream answer comes back with the client ID and spelling, over UDP and TCP', async (type, expected) => {
    for (const tcp of [false, true]) {
      const spelled = tcp ? 'wWw.EXAMPLE.org' : 'WwW.ExAmPlE.OrG';
      const { packet, raw } = await ask(srv.port, spelled, type, { id: 0x1234, tcp });
      expect(headerOf(raw).id).toBe(0x1234);
      // SPEC §1: the question comes back exactly as the client wrote it.
      expect(packet.questions).toEqual([{ name: spelled, type, class: 'IN' }]);
      expect(rcode(packet)).toBe('NOERROR');
      expect(packet.flag_qr).toBe(true);
      expect(packet.flag_ra).toBe(true);
      expect(packet.flag_rd).toBe(true);
      // Not ours: the upstream did not claim authority, neither do we.
      expect(packet.flag_aa).toBe(false);
      // Names in rdata compare case-insensitively (RFC 4343): forwarded answers are compressed
      // (issue 10), so the exchange may point into the question and carry the client's spelling.
      const got = rrs(packet).map((s) => s.replace(/"exchange":"([^"]*)"/, (_m, n: string) => `"exchange":"${n.toLowerCase()}"`));
      expect(got).toEqual([expected]);
    }
    // The upstream was asked under the client's spelling (0x20 survives), never under the client's ID.
    const sent = upA.fake.received.filter((r) => r.name.toLowerCase() === 'www.example.org' && r.type === type);
    expect(sent.length).toBeGreaterThanOrEqual(1);
    expect(sent.length).toBeLessThanOrEqual(2 * WORKERS); // the second spelling may come from the cache
    expect(sent[0].name).toBe('WwW.ExAmPlE.OrG');
    expect(sent.some((r) => r.id !== 0x1234)).toBe(true);
    expect(upB.asked('www.example.org', type)).toBe(0);
  });

  test('dig sees the forwarded MX and TXT records', async () => {
    expect((await dig(srv.port, ['+short', 'www.example.org', 'MX'])).trim()).toBe('10 mail.example.org.');
    expect((await dig(srv.port, ['+short', 'www.example.org', 'TXT'])).trim()).toBe('"v=spf1 -all" "second string"');
  });

  test('NXDOMAIN and NODATA from the upstream reach the client with its SOA', async () => {
    const nx = (await ask(srv.port, 'Gone.Example.org', 'A')).packet;
    expect(rcode(nx)).toBe('NXDOMAIN');
    expect(nx.questions?.[0].name).toBe('Gone.Example.org');
    expect(section(nx, 'answers')).toEqual([]);
    expect(rrs(nx, 'authorities').map((r) => r.split(' ').slice(0, 2).join(' '))).toEqual(['example.org SOA']);
    const nodata = (await ask(srv.port, 'www.example.org', 'NS', { tcp: true })).packet;
    expect(rcode(nodata)).toBe('NOERROR');
    expect(section(nodata, 'answers')).toEqual([]);
    expect(section(nodata, 'authorities').map((r) => r.type)).toEqual(['SOA']);
    // An answer is an answer: the second upstream is not asked.
    expect(upB.asked('gone.example.org')).toBe(0);
    expect(upB.asked('www.example.org', 'NS')).toBe(0);
  });

  test('SERVFAIL from the upstream is passed through, not retried elsewhere, not cached', async () => {
    for (let i = 0; i < 2; i++) {
      const { packet } = await ask(srv.port, 'broken.example.org', 'A', { tcp: true });
      expect(rcode(packet)).toBe('SERVFAIL');
      expect(packet.questions?.[0].name).toBe('broken.example.org');
    }
    expect(upA.asked('broken.example.org', 'A')).toBe(2);
    expect(upB.asked('broken.example.org')).toBe(0);
  });

  test('a slow upstream (250 ms, timeout 600 ms) is waited for', async () => {
    const t = await timed(() => ask(srv.port, 'slow.example.org', 'A'));
    expect(rrs(t.value.packet)).toEqual(['slow.example.org A 192.0.2.25']);
    expect(t.ms).toBeGreaterThanOrEqual(240);
    expect(t.ms).toBeLessThan(TIMEOUT_MS);
    expect(upB.asked('slow.example.org')).toBe(0);
  });

  test('an upstream that spells the question in upper case: the client still gets its own spelling', async () => {
    const { packet } = await ask(srv.port, 'Shout.example.ORG', 'A');
    expect(packet.questions).toEqual([{ name: 'Shout.example.ORG', type: 'A', class: 'IN' }]);
    expect(rrs(packet)).toEqual(['shout.example.org A 192.0.2.30']);
  });

  test('an upstream TTL with the top bit set reaches the client as 0 and is not cached (RFC 2181 §8)', async () => {
    for (let i = 0; i < 2; i++) {
      const { packet } = await ask(srv.port, 'topbit.example.org', 'A', { tcp: true });
      expect(rrs(packet)).toEqual(['topbit.example.org A 192.0.2.50']);
      expect(ttls(packet)).toEqual([0]);
    }
    expect(upA.asked('topbit.example.org', 'A')).toBe(2);
  });

  test("the upstream's OPT is not passed on: an EDNS client gets exactly our OPT, a plain client none", async () => {
    const withEdns = (await ask(srv.port, 'opt.example.org', 'A', { edns: 1232 })).packet;
    const opts = (withEdns.additionals ?? []).filter((r) => r.type === 'OPT') as dnsPacket.OptAnswer[];
    expect(opts).toHaveLength(1);
    expect(opts[0].udpPayloadSize).toBe(1232);
    expect(rrs(withEdns)).toEqual(['opt.example.org A 192.0.2.40']);
    expect(rrs(withEdns, 'additionals')).toEqual(['glue.example.org A 192.0.2.41']);
    const plain = (await ask(srv.port, 'opt.example.org', 'A')).packet;
    expect((plain.additionals ?? []).filter((r) => r.type === 'OPT')).toEqual([]);
    expect(rrs(plain)).toEqual(['opt.example.org A 192.0.2.40']);
  });
});

describe('a truncated upstream reply', () => {
  const NAME = 'big.example.org';
  /** Header + question: 12 + wire name + 4. */
  const Q_END = 12 + NAME.length + 2 + 4;
  let full: Buffer;
  let recLen: number;

  beforeAll(async () => {
    full = (await tcpRaw(srv.port, [encodeQuery({ name: NAME, type: 'A' })]))[0];
    // dns-packet does not compress: every record of the upstream's answer has the same size.
    recLen = (full.length - Q_END) / BIG;
  });

  test('is fetched again over TCP: a TCP client gets every record', () => {
    expect(full).toBeDefined();
    const h = headerOf(full);
    expect(h.tc).toBe(false);
    expect(h.an).toBe(BIG);
    expect(rrs(dnsPacket.decode(full))).toEqual(bigAnswers(NAME).map((a) => `${NAME} A ${(a as { data: string }).data}`).sort());
    expect(Number.isInteger(recLen)).toBe(true);
    expect(upA.asked(NAME, 'A', 'udp')).toBeGreaterThanOrEqual(1);
    expect(upA.asked(NAME, 'A', 'tcp')).toBeGreaterThanOrEqual(1);
  });

  test.each([
    ['a client without EDNS (512 bytes)', undefined, 512],
    ['an EDNS client of 1232 bytes', 1232, 1232],
    ['an EDNS client of 4096 bytes (our limit is 1232)', 4096, 1232],
  ])('is cut again at the last whole record for %s, with TC', async (_what, edns, limit) => {
    const raw = await udpRaw(srv.port, encodeQuery({ name: NAME, type: 'A' }, { edns }));
    expect(raw).not.toBeNull();
    const opt = edns ? 11 : 0;
    const fits = Math.floor((limit - Q_END - opt) / recLen);
    const h = headerOf(raw!);
    expect(raw!.length).toBeLessThanOrEqual(limit);
    expect(h.tc).toBe(true);
    expect(h.an).toBe(fits);
    expect(raw!.length).toBe(Q_END + fits * recLen + opt);
    const p = dnsPacket.decode(raw!);
    // The records kept are the first ones of the full answer, whole.
    expect(section(p, 'answers').map((r) => (r as { data: string }).data)).toEqual(
      section(dnsPacket.decode(full), 'answers').slice(0, fits).map((r) => (r as { data: string }).data),
    );
  });

  test('the upstream was asked once over UDP and once over TCP per server process, whatever the clients did', () => {
    const udp = upA.asked(NAME, 'A', 'udp');
    expect(udp).toBeGreaterThanOrEqual(1);
    expect(udp).toBeLessThanOrEqual(WORKERS);
    expect(upA.asked(NAME, 'A', 'tcp')).toBe(udp);
  });

  test('dig, told TC over UDP, retries over TCP and gets all the records', async () => {
    const out = await dig(srv.port, [NAME, 'A']);
    expect(out).toContain('Truncated, retrying in TCP mode');
    expect(out).toContain(`ANSWER: ${BIG},`);
  });
});

describe('forged replies', () => {
  test('a wrong ID, a wrong question, a reply without QR and one from another port are ignored; the real reply is used', async () => {
    for (let i = 0; i < 3; i++) {
      const name = `spoofed.example.org`;
      const t = await timed(() => ask(srv.port, name, 'A'));
      expect(rrs(t.value.packet)).toEqual(['spoofed.example.org A 192.0.2.77']);
      // Taken as soon as it came, not after a timeout.
      expect(t.ms).toBeLessThan(TIMEOUT_MS);
    }
    expect(upB.asked('spoofed.example.org')).toBe(0);
  });

  test('forgeries alone never answer: the attempt times out and the next upstream answers', async () => {
    const t = await timed(() => ask(srv.port, 'forged-only.example.org', 'A'));
    expect(rrs(t.value.packet)).toEqual(['forged-only.example.org A 192.0.2.222']);
    expect(t.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    expect(upA.asked('forged-only.example.org', 'A')).toBeGreaterThanOrEqual(1);
    expect(upB.asked('forged-only.example.org', 'A')).toBeGreaterThanOrEqual(1);
  });
});

describe('the cluster zone is never forwarded', () => {
  test('names under cluster.local, found or not, are answered here', async () => {
    const before = upA.fake.received.length + upB.fake.received.length;
    expect(rrs((await ask(srv.port, 'web.default.svc.cluster.local', 'A')).packet)).toEqual(['web.default.svc.cluster.local A 10.96.12.34']);
    for (const [name, type] of [
      ['nope.default.svc.cluster.local', 'A'],
      ['web.default.svc.cluster.local', 'MX'],
      ['whatever.cluster.local', 'A'],
      ['cluster.local', 'TXT'],
      ['nope.nowhere.svc.cluster.local', 'AAAA'],
    ] as const) {
      const { packet } = await ask(srv.port, name, type);
      expect(packet.flag_aa).toBe(true);
      expect(section(packet, 'authorities').map((r) => `${r.name} ${r.type}`)).toEqual(['cluster.local SOA']);
    }
    expect(upA.fake.received.length + upB.fake.received.length).toBe(before);
  });
});
