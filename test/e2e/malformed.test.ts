// Bad input through the real server (SPEC §3, STYLE rule 12): malformed queries get FORMERR
// where a header can be read and are dropped otherwise; unknown opcodes NOTIMP; class other
// than IN and zone transfers REFUSED; EDNS version > 0 BADVERS; broken TCP framing closes the
// connection. After every group the server must still answer a normal query over UDP and TCP.
import net from 'node:net';
import * as dnsPacket from 'dns-packet';
import { encodeQuery, startTestServer, tcpRaw, udpRaw, type TestServer } from '../support/server';
import { ask, header, headerOf, opt, prng, rrs, typeClass, u16, wireName } from '../support/dns-e2e';

const WEB = 'web.default.svc.cluster.local';
const CLUSTER = `
apiVersion: v1
kind: Namespace
metadata: { name: default }
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
  - { addresses: [10.244.1.10], hostname: db-0 }
  - { addresses: [10.244.1.11], hostname: db-1 }
`;

const RCODE = { NOERROR: 0, FORMERR: 1, NOTIMP: 4, REFUSED: 5 };
const T_A = 1;

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer(CLUSTER);
});
afterAll(() => srv?.close());

/** The server still answers a normal query correctly over UDP and TCP. */
async function stillServing(): Promise<void> {
  for (const tcp of [false, true]) {
    const { packet } = await ask(srv.port, WEB, 'A', { tcp });
    expect(rrs(packet)).toEqual([`${WEB} A 10.96.12.34`]);
  }
}

/** A well-formed question section for `name`. */
const question = (name = WEB, type = T_A, klass = 1) => Buffer.concat([wireName(name), typeClass(type, klass)]);

/** Send over UDP; the parsed reply header, or null when nothing came back. */
async function udpHeader(msg: Buffer, timeoutMs = 500) {
  const raw = await udpRaw(srv.port, msg, timeoutMs);
  return raw === null ? null : { ...headerOf(raw), raw };
}

describe('dropped without a reply', () => {
  test('shorter than a header (0-11 bytes)', async () => {
    const replies = await Promise.all(Array.from({ length: 12 }, (_, n) => udpRaw(srv.port, Buffer.alloc(n, 0x01), 250)));
    expect(replies).toEqual(new Array(12).fill(null));
    await stillServing();
  });

  test('a response (QR=1), even a well-formed one: answering it could loop two servers', async () => {
    const resp = Buffer.concat([header({ flags: 0x8180 }), question()]);
    expect(await udpRaw(srv.port, resp, 300)).toBeNull();
    const resp2 = dnsPacket.encode({ type: 'response', id: 9, flags: 0, questions: [{ name: WEB, type: 'A', class: 'IN' }] });
    expect(await udpRaw(srv.port, resp2, 300)).toBeNull();
    await stillServing();
  });
});

describe('FORMERR where the header is readable', () => {
  test.each([
    ['a label longer than 63 (0x40)', Buffer.concat([header({ id: 0x1111 }), Buffer.from([0x40]), Buffer.alloc(64, 0x61), Buffer.from([0]), typeClass(T_A)])],
    ['a label type 0x80 (reserved)', Buffer.concat([header({ id: 0x1111 }), Buffer.from([0x80, 0x61, 0]), typeClass(T_A)])],
    ['a compression pointer in the question', Buffer.concat([header({ id: 0x1111 }), Buffer.from([0xc0, 0x0c]), typeClass(T_A)])],
    ['a compression loop in the question (points at itself)', Buffer.concat([header({ id: 0x1111 }), Buffer.from([3, 0x61, 0x62, 0x63, 0xc0, 0x10]), typeClass(T_A)])],
    ['a name running past the end', Buffer.concat([header({ id: 0x1111 }), Buffer.from([3, 0x77, 0x65, 0x62, 7, 0x64])])],
    ['no qtype/qclass after the name', Buffer.concat([header({ id: 0x1111 }), wireName(WEB)])],
    ['qtype without qclass', Buffer.concat([header({ id: 0x1111 }), wireName(WEB), u16(1)])],
    ['qdcount 0 and no question', header({ id: 0x1111, qd: 0 })],
    ['qdcount 0 with a question present', Buffer.concat([header({ id: 0x1111, qd: 0 }), question()])],
    ['qdcount 2 with two questions', Buffer.concat([header({ id: 0x1111, qd: 2 }), question(), question('db.default.svc.cluster.local')])],
    ['qdcount 2 with one question', Buffer.concat([header({ id: 0x1111, qd: 2 }), question()])],
    ['ancount 3 and no records', Buffer.concat([header({ id: 0x1111, an: 3 }), question()])],
    ['nscount 1 and no record', Buffer.concat([header({ id: 0x1111, ns: 1 }), question()])],
    ['arcount 2 and one OPT', Buffer.concat([header({ id: 0x1111, ar: 2 }), question(), opt()])],
    ['an OPT whose rdlength runs past the end', Buffer.concat([header({ id: 0x1111, ar: 1 }), question(), opt().subarray(0, 9), u16(40)])],
    ['two OPT records (RFC 6891 §6.1.1)', Buffer.concat([header({ id: 0x1111, ar: 2 }), question(), opt(), opt()])],
    ['an OPT in the answer section', Buffer.concat([header({ id: 0x1111, an: 1 }), question(), opt()])],
    ['an OPT with a non-root owner', Buffer.concat([header({ id: 0x1111, ar: 1 }), question(), Buffer.concat([Buffer.from([1, 0x78]), opt()]).subarray(0, 13)])],
    ['a name of more than 255 bytes', Buffer.concat([header({ id: 0x1111 }), ...Array.from({ length: 5 }, () => Buffer.concat([Buffer.from([63]), Buffer.alloc(63, 0x61)])), Buffer.from([0]), typeClass(T_A)])],
  ])('%s', async (_what, msg) => {
    const r = await udpHeader(msg);
    expect(r).not.toBeNull();
    expect(r!).toMatchObject({ id: 0x1111, qr: true, rcode: RCODE.FORMERR, an: 0, ns: 0 });
    expect(r!.qd).toBeLessThanOrEqual(1);
    await stillServing();
  });

  test('a compression loop in a record after the question gets an answer or FORMERR, never a hang', async () => {
    // Answer-section record whose owner is a pointer to itself.
    const at = 12 + question().length;
    const rec = Buffer.concat([u16(0xc000 | at), u16(1), u16(1), Buffer.alloc(4), u16(4), Buffer.from([1, 2, 3, 4])]);
    const r = await udpHeader(Buffer.concat([header({ id: 0x2222, an: 1 }), question(), rec]));
    expect(r).not.toBeNull();
    expect(r!.qr).toBe(true);
    expect([RCODE.NOERROR, RCODE.FORMERR]).toContain(r!.rcode);
    await stillServing();
  });
});

describe('opcodes, classes, types', () => {
  test.each([1, 2, 3, 4, 5, 6, 15])('opcode %i -> NOTIMP, opcode echoed', async (opcode) => {
    const r = await udpHeader(Buffer.concat([header({ id: 0x3333, flags: (opcode << 11) | 0x0100 }), question()]));
    expect(r).toMatchObject({ id: 0x3333, qr: true, opcode, rcode: RCODE.NOTIMP });
    await stillServing();
  });

  test.each([
    ['CHAOS', 3, 'version.bind', 16],
    ['HESIOD', 4, WEB, T_A],
    ['NONE', 254, WEB, T_A],
    ['ANY', 255, WEB, T_A],
  ])('class %s -> REFUSED, question echoed', async (_n, klass, name, type) => {
    const r = await udpHeader(Buffer.concat([header({ id: 0x4444 }), question(name, type, klass)]));
    expect(r).toMatchObject({ id: 0x4444, qr: true, rcode: RCODE.REFUSED, an: 0 });
    expect(dnsPacket.decode(r!.raw).questions?.[0].name).toBe(name);
    await stillServing();
  });

  test.each([
    ['AXFR', 252],
    ['IXFR', 251],
  ])('%s -> REFUSED over UDP and TCP', async (_n, type) => {
    const msg = Buffer.concat([header({ id: 0x5555 }), question('cluster.local', type)]);
    expect(await udpHeader(msg)).toMatchObject({ qr: true, rcode: RCODE.REFUSED, an: 0 });
    const [tcp] = await tcpRaw(srv.port, [msg]);
    expect(tcp).toBeDefined();
    expect(headerOf(tcp)).toMatchObject({ id: 0x5555, qr: true, rcode: RCODE.REFUSED, an: 0 });
    await stillServing();
  });

  test('EDNS version 1 -> BADVERS (extended rcode 16: 0 in the header, 1 in our OPT) with our OPT at version 0', async () => {
    const r = await udpHeader(Buffer.concat([header({ id: 0x6666, ar: 1 }), question(), opt(1232, 1)]));
    expect(r).toMatchObject({ id: 0x6666, qr: true, rcode: 0, an: 0 });
    const p = dnsPacket.decode(r!.raw);
    const o = (p.additionals ?? []).filter((a) => a.type === 'OPT') as dnsPacket.OptAnswer[];
    expect(o).toHaveLength(1);
    expect(o[0].extendedRcode).toBe(1);
    expect(o[0].ednsVersion).toBe(0);
    expect(o[0].udpPayloadSize).toBe(1232);
    await stillServing();
  });
});

describe('TCP framing', () => {
  /** Writes raw bytes on one connection; resolves with what came back and whether it was closed. */
  function tcpExchange(bytes: Buffer, waitMs = 1500, stopOnReply = false): Promise<{ data: Buffer; closed: boolean }> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      const sock = net.connect(srv.port, '127.0.0.1');
      let closed = false;
      const done = () => {
        clearTimeout(t);
        sock.destroy();
        resolve({ data: Buffer.concat(chunks), closed });
      };
      const t = setTimeout(done, waitMs);
      sock.on('connect', () => sock.write(bytes));
      sock.on('data', (d) => {
        chunks.push(d);
        const all = Buffer.concat(chunks);
        if (stopOnReply && all.length >= 2 && all.length >= 2 + all.readUInt16BE(0)) done();
      });
      sock.on('close', () => { closed = true; done(); });
      sock.on('end', () => { closed = true; });
      sock.on('error', () => { closed = true; done(); });
    });
  }

  test('a frame shorter than a header: the connection is closed, nothing answered', async () => {
    for (const n of [0, 1, 5, 11]) {
      const r = await tcpExchange(Buffer.concat([u16(n), Buffer.alloc(n, 0x02)]));
      expect(r.closed).toBe(true);
      expect(r.data.length).toBe(0);
    }
    await stillServing();
  });

  test('a 65535-byte frame of garbage is handled (answered FORMERR or dropped), not fatal', async () => {
    const rnd = prng(65535);
    const garbage = Buffer.alloc(65535);
    for (let i = 0; i < garbage.length; i++) garbage[i] = Math.floor(rnd() * 256);
    garbage[2] &= 0x7f; // QR clear: a "query" the reader has to reject by its content
    const r = await tcpExchange(Buffer.concat([u16(65535), garbage]), 1500, true);
    // QR is clear, so the header is readable: FORMERR (or NOTIMP for a random opcode).
    expect(r.data.length).toBeGreaterThanOrEqual(14);
    expect(r.data.readUInt16BE(0)).toBe(r.data.length - 2);
    const h = headerOf(r.data.subarray(2));
    expect(h).toMatchObject({ id: garbage.readUInt16BE(0), qr: true });
    expect([RCODE.FORMERR, RCODE.NOTIMP]).toContain(h.rcode);
    await stillServing();
  });

  test('a frame announcing 65535 bytes and ending early, then the client closes', async () => {
    const r = await tcpExchange(Buffer.concat([u16(65535), Buffer.alloc(1000, 0x03)]), 300);
    expect(r.data.length).toBe(0);
    await stillServing();
  });

  test('a valid query after a short frame on the same connection is not answered (stream broken), the next connection is', async () => {
    const q = encodeQuery({ name: WEB, type: 'A' }, { id: 77 });
    const r = await tcpExchange(Buffer.concat([u16(3), Buffer.from([1, 2, 3]), u16(q.length), q]));
    expect(r.closed).toBe(true);
    await stillServing();
  });
});

describe('fuzz (seeded, bounded)', () => {
  const BASES = [
    encodeQuery({ name: WEB, type: 'A' }),
    encodeQuery({ name: 'db.default.svc.cluster.local', type: 'A' }, { edns: 1232 }),
    encodeQuery({ name: '_pg._tcp.db.default.svc.cluster.local', type: 'SRV' }),
    encodeQuery({ name: '34.12.96.10.in-addr.arpa', type: 'PTR' }, { edns: 512 }),
    encodeQuery({ name: '10-244-1-7.default.pod.cluster.local', type: 'A' }),
    encodeQuery({ name: 'nosuch.default.svc.cluster.local', type: 'AAAA' }),
    encodeQuery({ name: 'cluster.local', type: 'SOA' }),
  ];

  /**
   * Sends packets over one UDP socket in small batches; each packet's ID is its index, so replies
   * map back to what was sent. Checks every reply: QR set, a known ID, at most 1232 bytes, and
   * no reply to anything that is a response or shorter than a header.
   */
  async function blast(packets: Buffer[]): Promise<number> {
    const dgram = await import('node:dgram');
    const sock = dgram.createSocket('udp4');
    const replies = new Map<number, Buffer>();
    const bad: string[] = [];
    sock.on('message', (m) => {
      if (m.length < 12) { bad.push(`short reply ${m.length}`); return; }
      const id = m.readUInt16BE(0);
      if (replies.has(id)) bad.push(`two replies to ${id}`);
      replies.set(id, m);
    });
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    try {
      for (let i = 0; i < packets.length; i += 50) {
        for (const p of packets.slice(i, i + 50)) sock.send(p, srv.port, '127.0.0.1');
        await new Promise((r) => setTimeout(r, 3));
      }
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      sock.close();
    }
    for (const [id, m] of replies) {
      const sent = packets[id];
      if (!sent) { bad.push(`reply with unknown ID ${id}`); continue; }
      const h = headerOf(m);
      if (!h.qr) bad.push(`reply ${id} without QR`);
      if (m.length > 1232) bad.push(`reply ${id} is ${m.length} bytes`);
      if (sent.length < 12 || (sent[2] & 0x80) !== 0) bad.push(`reply ${id} to a packet that must be dropped`);
      if (h.rcode === RCODE.NOERROR && h.an + h.ns > 0) {
        try {
          dnsPacket.decode(m);
        } catch (e) {
          bad.push(`reply ${id} does not decode: ${(e as Error).message}`);
        }
      }
    }
    expect(bad.slice(0, 10)).toEqual([]);
    return replies.size;
  }

  test('2000 random packets', async () => {
    const rnd = prng(0xc0ffee);
    const packets: Buffer[] = [];
    for (let i = 0; i < 2000; i++) {
      const len = Math.floor(rnd() * 300);
      const b = Buffer.alloc(len);
      for (let j = 0; j < len; j++) b[j] = Math.floor(rnd() * 256);
      if (len >= 2) b.writeUInt16BE(i, 0);
      // Half of them look like one-question queries, so the reader goes past the header.
      if (len >= 12 && i % 2 === 0) {
        b[2] &= 0x07;
        b.writeUInt16BE(1, 4);
      }
      packets.push(b);
    }
    const answered = await blast(packets);
    expect(answered).toBeGreaterThan(400);
    await stillServing();
  });

  test('2000 mutated valid queries', async () => {
    const rnd = prng(0xdecade);
    const packets: Buffer[] = [];
    for (let i = 0; i < 2000; i++) {
      const base = BASES[i % BASES.length];
      let b = Buffer.from(base);
      const mode = Math.floor(rnd() * 4);
      const flips = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < flips; k++) {
        const at = 2 + Math.floor(rnd() * (b.length - 2));
        b[at] = mode === 0 ? b[at] ^ (1 << Math.floor(rnd() * 8)) : Math.floor(rnd() * 256);
      }
      if (mode === 2) b = b.subarray(0, 2 + Math.floor(rnd() * (b.length - 2)));
      if (mode === 3) b = Buffer.concat([b, Buffer.from(Array.from({ length: Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256)))]);
      b.writeUInt16BE(i, 0);
      packets.push(b);
    }
    const answered = await blast(packets);
    expect(answered).toBeGreaterThan(1000);
    await stillServing();
  });

  test('200 mutated queries over one TCP connection, then fresh connections work', async () => {
    const rnd = prng(0xbadf00d);
    const frames: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      const b = Buffer.from(BASES[i % BASES.length]);
      const at = 2 + Math.floor(rnd() * (b.length - 2));
      b[at] = Math.floor(rnd() * 256);
      b[2] &= 0x7f; // stay a query, so the stream is not closed at the first one
      b.writeUInt16BE(i, 0);
      frames.push(b);
    }
    const replies = await tcpRaw(srv.port, frames, frames.length, 3000);
    for (const r of replies) expect(headerOf(r).qr).toBe(true);
    expect(replies.length).toBeGreaterThan(150);
    await stillServing();
  });
});
