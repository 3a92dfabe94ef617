// SPEC §3 transport rules through the real server: EDNS0 (OPT echoed with our size, the
// client's size honoured, minimum 512), truncation at a record boundary with TC over UDP, the
// full answer over TCP, pipelined TCP queries, and name compression (RFC 1035 §4.1.4).
import net from 'node:net';
import * as dnsPacket from 'dns-packet';
import { encodeQuery, startTestServer, tcpRaw, udpRaw, type TestServer } from '../support/server';
import { ask, expectPositive, headerOf, rcode, rrs, section } from '../support/dns-e2e';

const Z = 'default.svc.cluster.local';
const BIG = 200;
const HUGE = 4200;

/** A cluster with a 200-endpoint and a 12-endpoint headless Service, written as JSON documents. */
function cluster(): string {
  const docs: unknown[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.96.12.34', ports: [{ name: 'http', port: 80 }] } },
  ];
  const headless = (name: string, n: number, third: number) => {
    docs.push({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { clusterIP: 'None', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } });
    // Split at 100 endpoints per slice, as the EndpointSlice controller does.
    for (let s = 0; s * 100 < n; s++) {
      const endpoints = [];
      for (let i = s * 100; i < Math.min(n, (s + 1) * 100); i++) endpoints.push({ addresses: [`10.245.${third + (i >> 8)}.${(i & 255) + 0}`] });
      docs.push({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: `${name}-${s}`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
        addressType: 'IPv4',
        ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
        endpoints,
      });
    }
  };
  headless('big', BIG, 0);
  headless('dozen', 12, 10);
  headless('six', 6, 20);
  // More than a 65535-byte message can carry: 4200 x 16 bytes.
  headless('huge', HUGE, 32);
  return docs.map((d) => JSON.stringify(d)).join('\n---\n');
}

const bigAddresses = new Set(Array.from({ length: BIG }, (_, i) => `10.245.${i >> 8}.${i & 255}`));
const BIG_NAME = `big.${Z}`;
/** Header + question of a query for BIG_NAME: 12 + 31 (wire name) + 4. */
const Q_END = 12 + (BIG_NAME.length + 2) + 4;
/** An A record whose owner is a pointer to the question: 2 + type, class, TTL, rdlength + 4. */
const A_COMPRESSED = 2 + 10 + 4;
const OPT_LEN = 11;

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer(cluster());
});
afterAll(() => srv?.close());

/** Decodes a reply and checks that every byte was consumed: a cut mid-record would not. */
function decodeWhole(raw: Buffer): dnsPacket.DecodedPacket {
  const p = dnsPacket.decode(raw);
  expect((dnsPacket.decode as unknown as { bytes: number }).bytes).toBe(raw.length);
  const h = headerOf(raw);
  expect(section(p, 'answers')).toHaveLength(h.an);
  return p;
}

function checkBigAnswers(p: dnsPacket.DecodedPacket): void {
  const ans = section(p, 'answers');
  for (const r of ans) {
    expect(r.name).toBe(BIG_NAME);
    expect(r.type).toBe('A');
    expect(bigAddresses.has((r as { data: string }).data)).toBe(true);
  }
  expect(new Set(ans.map((r) => (r as { data: string }).data)).size).toBe(ans.length);
}

describe('UDP truncation (SPEC §3)', () => {
  test('no EDNS: at most 512 bytes, cut at a record boundary, TC set, decodes cleanly', async () => {
    const raw = await udpRaw(srv.port, encodeQuery({ name: BIG_NAME, type: 'A' }, { id: 7 }));
    expect(raw).not.toBeNull();
    expect(raw!.length).toBeLessThanOrEqual(512);
    const p = decodeWhole(raw!);
    expect(p.flag_tc).toBe(true);
    expect(p.flag_aa).toBe(true);
    expect(p.id).toBe(7);
    expect(rcode(p)).toBe('NOERROR');
    // As many whole records as fit: (512 - 47) / 16 = 29.
    expect(section(p, 'answers')).toHaveLength(Math.floor((512 - Q_END) / A_COMPRESSED));
    checkBigAnswers(p);
    expect((p.additionals ?? []).filter((r) => r.type === 'OPT')).toEqual([]);
  });

  test.each([
    [1232, 1232],
    [700, 700],
    // Below 512 counts as 512 (RFC 6891 §6.2.5).
    [100, 512],
    [511, 512],
    [512, 512],
  ])('EDNS size %i: reply fits %i bytes, uses the room, TC set, OPT present', async (advertised, limit) => {
    const raw = await udpRaw(srv.port, encodeQuery({ name: BIG_NAME, type: 'A' }, { edns: advertised }));
    expect(raw).not.toBeNull();
    expect(raw!.length).toBeLessThanOrEqual(limit);
    expect(raw!.length).toBeGreaterThan(limit - A_COMPRESSED);
    const p = decodeWhole(raw!);
    expect(p.flag_tc).toBe(true);
    expect(section(p, 'answers')).toHaveLength(Math.floor((limit - Q_END - OPT_LEN) / A_COMPRESSED));
    checkBigAnswers(p);
    const o = (p.additionals ?? []).filter((r) => r.type === 'OPT') as dnsPacket.OptAnswer[];
    expect(o).toHaveLength(1);
  });

  test('EDNS 4096: the reply never exceeds what the client advertised', async () => {
    const raw = await udpRaw(srv.port, encodeQuery({ name: BIG_NAME, type: 'A' }, { edns: 4096 }));
    expect(raw).not.toBeNull();
    expect(raw!.length).toBeLessThanOrEqual(4096);
    const p = decodeWhole(raw!);
    checkBigAnswers(p);
    // Truncated or not, it is at least as large as our own advertised 1232 allows.
    if (p.flag_tc) expect(raw!.length).toBeGreaterThan(1232 - A_COMPRESSED);
    else expect(section(p, 'answers')).toHaveLength(BIG);
  });

  test('a 12-endpoint headless answer fits in 512 bytes without EDNS (compression)', async () => {
    const { packet, raw } = await ask(srv.port, `dozen.${Z}`, 'A');
    expectPositive(packet);
    expect(raw.length).toBeLessThanOrEqual(512);
    expect(section(packet, 'answers')).toHaveLength(12);
  });

  test('only additional records cut: no TC (RFC 2181 §9), every answer present', async () => {
    // Six SRV records (~61 bytes each, targets uncompressed) fit in 512; their six glue records
    // do not all fit after them.
    const name = `_http._tcp.six.${Z}`;
    const full = await ask(srv.port, name, 'SRV', { tcp: true });
    expect(section(full.packet, 'answers')).toHaveLength(6);
    expect(section(full.packet, 'additionals')).toHaveLength(6);
    expect(full.raw.length).toBeGreaterThan(512);
    const { packet, raw } = await ask(srv.port, name, 'SRV');
    expect(raw.length).toBeLessThanOrEqual(512);
    decodeWhole(raw);
    expect(packet.flag_tc).toBe(false);
    expect(rrs(packet)).toEqual(rrs(full.packet));
    const glue = section(packet, 'additionals');
    expect(glue.length).toBeGreaterThan(0);
    expect(glue.length).toBeLessThan(6);
  });
});

describe('TCP carries the full answer (SPEC §3)', () => {
  test('all 200 records, TC clear, compressed: every owner is a 2-byte pointer', async () => {
    const { packet, raw } = await ask(srv.port, BIG_NAME, 'A', { tcp: true });
    expectPositive(packet);
    expect(section(packet, 'answers')).toHaveLength(BIG);
    checkBigAnswers(packet);
    expect(raw.length).toBe(Q_END + BIG * A_COMPRESSED);
    // Uncompressed, each record would repeat the 31-byte owner name.
    const uncompressed = Q_END + BIG * (BIG_NAME.length + 2 + 10 + 4);
    expect(raw.length).toBeLessThan(uncompressed / 2);
  });

  test('the UDP-truncated answer retried over TCP matches the full set', async () => {
    const udp = await ask(srv.port, BIG_NAME, 'A');
    expect(udp.packet.flag_tc).toBe(true);
    const tcp = await ask(srv.port, BIG_NAME, 'A', { tcp: true });
    expect(new Set(rrs(tcp.packet))).toEqual(new Set([...bigAddresses].map((ip) => `${BIG_NAME} A ${ip}`)));
    for (const r of rrs(udp.packet)) expect(rrs(tcp.packet)).toContain(r);
  });

  test('an answer larger than a TCP message (65535 bytes) is cut there with TC, never overflows the frame', async () => {
    const { packet, raw } = await ask(srv.port, `huge.${Z}`, 'A', { tcp: true });
    expect(raw.length).toBeLessThanOrEqual(65535);
    expect(raw.length).toBeGreaterThan(65535 - A_COMPRESSED);
    decodeWhole(raw);
    expect(packet.flag_tc).toBe(true);
    expect(section(packet, 'answers').length).toBe(Math.floor((65535 - (12 + `huge.${Z}`.length + 2 + 4)) / A_COMPRESSED));
    // The connection and the server are fine afterwards.
    expect(rrs((await ask(srv.port, `web.${Z}`, 'A', { tcp: true })).packet)).toEqual([`web.${Z} A 10.96.12.34`]);
  });

  test('SRV with 200 targets: weight floor(100/200) raised to 1; every target has glue', async () => {
    const { packet } = await ask(srv.port, `_http._tcp.${BIG_NAME}`, 'SRV', { tcp: true });
    expectPositive(packet);
    const ans = section(packet, 'answers') as dnsPacket.SrvAnswer[];
    expect(ans).toHaveLength(BIG);
    for (const r of ans) expect(r.data).toMatchObject({ priority: 0, weight: 1, port: 80 });
    expect(section(packet, 'additionals')).toHaveLength(BIG);
  });

  test('several queries pipelined on one connection are all answered (RFC 7766 §6.2.1.1)', async () => {
    const names = [BIG_NAME, `web.${Z}`, `dozen.${Z}`, `nosuch.${Z}`, `web.${Z}`, `_http._tcp.dozen.${Z}`];
    const types: dnsPacket.RecordType[] = ['A', 'A', 'A', 'A', 'AAAA', 'SRV'];
    const frames = names.map((name, i) => encodeQuery({ name, type: types[i] }, { id: 1000 + i }));
    const replies = await tcpRaw(srv.port, frames, frames.length, 3000);
    expect(replies).toHaveLength(frames.length);
    const byId = new Map(replies.map((r) => [r.readUInt16BE(0), dnsPacket.decode(r)]));
    expect([...byId.keys()].sort()).toEqual(frames.map((_, i) => 1000 + i));
    expect(section(byId.get(1000)!, 'answers')).toHaveLength(BIG);
    expect(rrs(byId.get(1001)!)).toEqual([`web.${Z} A 10.96.12.34`]);
    expect(section(byId.get(1002)!, 'answers')).toHaveLength(12);
    expect(rcode(byId.get(1003)!)).toBe('NXDOMAIN');
    expect(rcode(byId.get(1004)!)).toBe('NOERROR');
    expect(section(byId.get(1004)!, 'answers')).toEqual([]);
    expect(section(byId.get(1005)!, 'answers')).toHaveLength(12);
  });

  test('frames written in one chunk and split byte by byte are both read', async () => {
    const q1 = encodeQuery({ name: `web.${Z}`, type: 'A' }, { id: 1 });
    const q2 = encodeQuery({ name: `dozen.${Z}`, type: 'A' }, { id: 2 });
    const wire = Buffer.concat([len16(q1), q1, len16(q2), q2]);
    const replies = await new Promise<Buffer[]>((resolve, reject) => {
      const out: Buffer[] = [];
      let acc = Buffer.alloc(0);
      const sock = net.connect(srv.port, '127.0.0.1');
      const t = setTimeout(() => { sock.destroy(); reject(new Error(`only ${out.length} replies`)); }, 3000);
      sock.on('connect', async () => {
        // The first 20 bytes one at a time, the rest at once.
        for (let i = 0; i < 20; i++) {
          sock.write(wire.subarray(i, i + 1));
          await new Promise((r) => setImmediate(r));
        }
        sock.write(wire.subarray(20));
      });
      sock.on('data', (d) => {
        acc = Buffer.concat([acc, d]);
        while (acc.length >= 2 && acc.length >= 2 + acc.readUInt16BE(0)) {
          out.push(acc.subarray(2, 2 + acc.readUInt16BE(0)));
          acc = acc.subarray(2 + acc.readUInt16BE(0));
        }
        if (out.length === 2) { clearTimeout(t); sock.destroy(); resolve(out); }
      });
      sock.on('error', reject);
    });
    expect(replies.map((r) => r.readUInt16BE(0)).sort()).toEqual([1, 2]);
  });
});

describe('EDNS0 (RFC 6891)', () => {
  test('OPT echoed with our size 1232, version 0, on positive and negative answers, UDP and TCP', async () => {
    for (const [name, tcp] of [[`web.${Z}`, false], [`nosuch.${Z}`, false], [`web.${Z}`, true]] as const) {
      const q = encodeQuery({ name, type: 'A' }, { edns: 4000 });
      const raw = tcp ? (await tcpRaw(srv.port, [q]))[0] : await udpRaw(srv.port, q);
      expect(raw).toBeTruthy();
      const p = dnsPacket.decode(raw!);
      const o = (p.additionals ?? []).filter((r) => r.type === 'OPT') as dnsPacket.OptAnswer[];
      expect(o).toHaveLength(1);
      expect(o[0].udpPayloadSize).toBe(1232);
      expect(o[0].ednsVersion).toBe(0);
      expect(o[0].extendedRcode).toBe(0);
      expect(o[0].name).toBe('.');
    }
  });

  test('no OPT in the query: none in the reply', async () => {
    const { packet } = await ask(srv.port, `web.${Z}`, 'A');
    expect(packet.additionals ?? []).toEqual([]);
  });
});

function len16(b: Buffer): Buffer {
  const l = Buffer.alloc(2);
  l.writeUInt16BE(b.length);
  return l;
}
