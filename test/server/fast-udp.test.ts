// Issue 6: the batched UDP listener (native/udp.c + src/server/fast-udp.ts) keeps UdpListener's
// contract over real sockets: every reply reaches the client that asked, under its ID; an async
// answer is built from the query as it arrived, however many datagrams pass through the arena
// meanwhile; SO_REUSEPORT spreads one port over two listeners; close() frees the port; datagrams
// larger than a slot are dropped; garbage and handler faults never take the process down.
import dgram from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import { FastUdpListener, nativeUdpAvailable, nativeUdpUnavailableReason } from '../../src/server/fast-udp';
import { PROTO_UDP, type QueryHandler } from '../../src/server/handler';
import { FakeUpstream } from '../support/fake-upstream';
import { encodeQuery, startTestServer, udpRaw, type TestServer } from '../support/server';

// CI runs `npm ci`, which builds the addon: a missing build is a failure here, never a skip.
if (!nativeUdpAvailable()) {
  throw new Error(`fast-udp tests need the native addon: ${nativeUdpUnavailableReason()}. Build it with \`npm ci\` or \`npm run install\` (node-gyp rebuild; needs python3, make, a C compiler).`);
}

type Handle = (msg: Buffer, proto: number, family: number) => Buffer | Promise<Buffer> | null;
const fakeHandler = (fn: Handle) => ({ handle: (m: Buffer, p: number, f: number) => fn(m, p, f) }) as unknown as QueryHandler;

/** The reply of the echo handler: the query with QR set. */
const echo = (msg: Buffer): Buffer => {
  const out = Buffer.from(msg);
  if (out.length > 2) out[2] |= 0x80;
  return out;
};

/** A fake query: a 12-byte header with `id`, then `body`. */
const packet = (id: number, body: Buffer | string = 'q'): Buffer => {
  const b = Buffer.concat([Buffer.alloc(12), Buffer.from(body)]);
  b.writeUInt16BE(id, 0);
  return b;
};

const listeners: FastUdpListener[] = [];
const sockets: dgram.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await Promise.all(listeners.splice(0).map((l) => l.close()));
});

async function start(host: string, fn: Handle, opts: { port?: number; reusePort?: boolean; errors?: Error[] } = {}): Promise<[FastUdpListener, number]> {
  const l = new FastUdpListener({ host, port: opts.port ?? 0 }, fakeHandler(fn), (e) => opts.errors?.push(e), opts.reusePort ?? false);
  listeners.push(l);
  return [l, await l.listen()];
}

function client(host: string): dgram.Socket {
  const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  sockets.push(s);
  return s;
}

/**
 * Sends `total` packets from `nSockets` client sockets, at most `window` in flight per socket,
 * and resolves with every reply by ID, noting which socket it reached. Rejects after 5 s.
 */
function burst(port: number, host: string, total: number, nSockets: number, make: (id: number) => Buffer, window = 32): Promise<Map<number, { sock: number; reply: Buffer }>> {
  const got = new Map<number, { sock: number; reply: Buffer }>();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`burst: ${got.size}/${total} replies after 5 s`)), 5000);
    for (let s = 0; s < nSockets; s++) {
      const ids: number[] = [];
      for (let id = s; id < total; id += nSockets) ids.push(id);
      const sock = client(host);
      const next = () => {
        const id = ids.shift();
        if (id !== undefined) sock.send(make(id), port, host);
      };
      sock.on('message', (m) => {
        const id = m.readUInt16BE(0);
        if (got.has(id)) return reject(new Error(`duplicate reply ${id}`));
        got.set(id, { sock: s, reply: m });
        if (got.size === total) {
          clearTimeout(t);
          resolve(got);
        }
        next();
      });
      for (let i = 0; i < window; i++) next();
    }
  });
}

test('the addon is loaded', () => {
  expect(nativeUdpAvailable()).toBe(true);
  expect(nativeUdpUnavailableReason()).toBeNull();
});

describe.each([['127.0.0.1', 0], ['::1', 1]])('on %s', (host, family) => {
  test('1,000 queries from 4 clients: each reply reaches its client under its ID', async () => {
    const seen = new Set<number>();
    const [l, port] = await start(host as string, (m, proto, fam) => {
      if (proto !== PROTO_UDP || fam !== family) throw new Error(`proto ${proto} family ${fam}`);
      seen.add(m.readUInt16BE(0));
      return echo(m);
    });
    expect(port).toBeGreaterThan(0);
    // The body names the sending socket (id % 4) and is long enough to span cache lines.
    const body = (id: number) => `client-${id % 4}-` + 'x'.repeat(id % 200);
    const got = await burst(port, host as string, 1000, 4, (id) => packet(id, body(id)));
    expect(seen.size).toBe(1000);
    for (let id = 0; id < 1000; id++) {
      const r = got.get(id)!;
      expect(r.sock).toBe(id % 4);
      expect(r.reply.equals(echo(packet(id, body(id))))).toBe(true);
    }
    const c = l.counters();
    expect(c.received).toBe(1000);
    expect(c.sent).toBe(1000);
    expect(c.sendDropped + c.sendErrors + c.recvErrors + c.truncated).toBe(0);
    // Batching happened: fewer calls into JS than datagrams.
    expect(c.rounds).toBeLessThan(1000);
  });
});

test('an async answer is built from the query as it arrived while hundreds of datagrams pass through the arena', async () => {
  const [, port] = await start('127.0.0.1', (m) => {
    // The handler keeps `msg` and answers from it 20 ms later, as the forwarder does.
    if (m.subarray(12, 17).toString() === 'ASYNC') return new Promise((r) => setTimeout(() => r(echo(m)), 20));
    return echo(m);
  });
  const asyncClient = client('127.0.0.1');
  const asyncReplies = new Map<number, Buffer>();
  asyncClient.on('message', (m) => asyncReplies.set(m.readUInt16BE(0), m));
  // One at a time, so each sits in arena slot 0, the slot every later batch writes first.
  const queries = Array.from({ length: 5 }, (_, i) => packet(60000 + i, 'ASYNC' + String.fromCharCode(65 + i).repeat(300)));
  for (const q of queries) {
    asyncClient.send(q, port, '127.0.0.1');
    await new Promise((r) => setTimeout(r, 1));
  }
  // Same length, different bytes: a view on the arena would be overwritten by these.
  const others = await burst(port, '127.0.0.1', 600, 3, (id) => packet(id, 'SYNC!' + 'z'.repeat(300)));
  expect(others.size).toBe(600);
  const deadline = Date.now() + 2000;
  while (asyncReplies.size < queries.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  expect(asyncReplies.size).toBe(queries.length);
  for (const q of queries) expect(asyncReplies.get(q.readUInt16BE(0))!.equals(echo(q))).toBe(true);
});

test('two listeners on one port with SO_REUSEPORT both receive traffic; without it the port is refused', async () => {
  const hits = [0, 0];
  const [, port] = await start('127.0.0.1', (m) => (hits[0]++, echo(m)), { reusePort: true });
  const [, port2] = await start('127.0.0.1', (m) => (hits[1]++, echo(m)), { port, reusePort: true });
  expect(port2).toBe(port);
  // The kernel picks a socket per client address: 16 clients land on both (all on one: 2^-15).
  const got = await burst(port, '127.0.0.1', 320, 16, (id) => packet(id), 4);
  expect(got.size).toBe(320);
  expect(hits[0]).toBeGreaterThan(0);
  expect(hits[1]).toBeGreaterThan(0);
  expect(hits[0] + hits[1]).toBe(320);
  // Outside the group (the default in a single process) the port is in use, as with dgram.
  await expect(start('127.0.0.1', echo, { port })).rejects.toMatchObject({ code: 'EADDRINUSE', syscall: 'bind' });
  const d = client('127.0.0.1');
  await new Promise<void>((r) => d.bind(0, '127.0.0.1', () => r()));
  await expect(start('127.0.0.1', echo, { port: d.address().port, reusePort: true })).rejects.toMatchObject({ code: 'EADDRINUSE' });
});

test('close() releases the port at once: a new listener binds it and answers', async () => {
  const [l, port] = await start('127.0.0.1', (m) => echo(m));
  expect(await udpRaw(port, packet(1))).not.toBeNull();
  await l.close();
  await l.close(); // idempotent
  const [, again] = await start('127.0.0.1', (m) => packet(2, 'second'), { port });
  expect(again).toBe(port);
  const r = await udpRaw(port, packet(1));
  expect(r?.subarray(12).toString()).toBe('second');
});

test('close() from inside the handler stops the batch there and frees the port', async () => {
  let l: FastUdpListener;
  const handled: string[] = [];
  [l] = await start('127.0.0.1', (m) => {
    const kind = m.subarray(12).toString();
    handled.push(kind);
    if (kind === 'close') void l.close();
    return echo(m);
  });
  const port = await new Promise<number>((r) => r((l as unknown as { handle: { port: number } }).handle.port));
  const c = client('127.0.0.1');
  const replies: string[] = [];
  c.on('message', (m) => replies.push(m.subarray(12).toString()));
  ['a', 'close', 'b'].forEach((k, i) => c.send(packet(i, k), port, '127.0.0.1'));
  await new Promise((r) => setTimeout(r, 100));
  // Nothing after the close is handled; the batch holding the close sends nothing ('a' may
  // have had a batch of its own).
  expect(handled).toEqual(['a', 'close']);
  expect(replies.filter((r) => r !== 'a')).toEqual([]);
  const [, again] = await start('127.0.0.1', echo, { port });
  expect(again).toBe(port);
  expect(() => l.listen()).not.toThrow(); // a closed listener may listen again, on a new port
  expect(() => l.listen()).toThrow(/called twice/);
});

test('a datagram larger than a slot (4096) is dropped and counted; one of exactly 4096 is answered', async () => {
  const lengths: number[] = [];
  const [l, port] = await start('127.0.0.1', (m) => (lengths.push(m.length), packet(m.readUInt16BE(0), `len ${m.length}`)));
  expect(await udpRaw(port, packet(1, Buffer.alloc(5000 - 12, 1)), 300)).toBeNull();
  expect((await udpRaw(port, packet(2, Buffer.alloc(4096 - 12, 2))))?.subarray(12).toString()).toBe('len 4096');
  expect(lengths).toEqual([4096]);
  expect(l.counters().truncated).toBe(1);
});

test('handler faults: a throw is reported and the batch goes on; null sends nothing; a reply over 4096 bytes is sent whole; a rejected promise is reported', async () => {
  const errors: Error[] = [];
  const [, port] = await start('127.0.0.1', (m) => {
    const kind = m.subarray(12).toString();
    if (kind === 'throw') throw new Error('boom');
    if (kind === 'null') return null;
    if (kind === 'big') return Buffer.concat([m.subarray(0, 12), Buffer.alloc(5000, 7)]);
    if (kind === 'reject') return Promise.reject(new Error('async boom'));
    return echo(m);
  }, { errors });
  const c = client('127.0.0.1');
  const replies: Buffer[] = [];
  c.on('message', (m) => replies.push(m));
  // One burst, so all of these share a batch.
  ['throw', 'ok', 'null', 'big', 'reject', 'ok'].forEach((k, i) => c.send(packet(i, k), port, '127.0.0.1'));
  const deadline = Date.now() + 2000;
  while ((replies.length < 3 || errors.length < 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 50));
  expect(replies.map((r) => r.readUInt16BE(0)).sort()).toEqual([1, 3, 5]);
  expect(replies.find((r) => r.readUInt16BE(0) === 3)!.length).toBe(5012);
  expect(errors.map((e) => e.message).sort()).toEqual(['async boom', 'boom']);
});

test('a host that is not an IP address is refused like a failed bind', async () => {
  await expect(start('localhost', echo)).rejects.toMatchObject({ code: 'EINVAL', syscall: 'bind', message: 'bind EINVAL localhost:0' });
});

describe('with the real query handler', () => {
  let srv: TestServer;
  let up: FakeUpstream;
  beforeAll(async () => {
    up = await FakeUpstream.start({ mode: 'delay', delayMs: 20, answerIp: '192.0.2.55' });
    srv = await startTestServer(
      `apiVersion: v1
kind: Namespace
metadata: { name: default }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec: { clusterIP: 10.96.0.20, ports: [{ name: http, port: 80 }] }
`,
      { upstream: [up.hostPort] },
    );
  });
  afterAll(async () => {
    await srv?.close();
    await up?.close();
  });

  test('cluster names are answered, forwarded names come back under the client ID and spelling, garbage changes nothing', async () => {
    const errors: Error[] = [];
    const l = new FastUdpListener({ host: '127.0.0.1', port: 0 }, srv.running.handler, (e) => errors.push(e));
    listeners.push(l);
    const port = await l.listen();
    const a = (p: dnsPacket.Packet) => (p.answers ?? []).map((x) => (x as { data: unknown }).data);

    // Forwarded (20 ms upstream), each name once so the cache cannot answer; spelled in mixed
    // case, which the reply must echo from the query bytes.
    const fwd = Array.from({ length: 8 }, (_, i) => ({ id: 50000 + i, name: `Host${i}.ExAmPlE.oRg` }));
    const fwdClient = client('127.0.0.1');
    const fwdReplies = new Map<number, dnsPacket.Packet>();
    fwdClient.on('message', (m) => fwdReplies.set(m.readUInt16BE(0), dnsPacket.decode(m)));
    for (const f of fwd) fwdClient.send(encodeQuery({ name: f.name, type: 'A' }, { id: f.id }), port, '127.0.0.1');

    // Meanwhile: 500 cluster-name queries and 1,000 garbage datagrams through the same arena.
    const got = await burst(port, '127.0.0.1', 500, 4, (id) => encodeQuery({ name: 'web.default.svc.cluster.local', type: 'A' }, { id }));
    for (const { reply } of got.values()) expect(a(dnsPacket.decode(reply))).toEqual(['10.96.0.20']);
    const junk = client('127.0.0.1');
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let i = 0; i < 1000; i++) {
      const b = Buffer.alloc(Math.floor(rnd() * 600));
      for (let j = 0; j < b.length; j++) b[j] = rnd() * 256;
      if (i % 3 === 0 && b.length >= 12) b[2] &= 0x7f; // looks like a query: reaches the reader
      junk.send(b, port, '127.0.0.1');
    }

    const deadline = Date.now() + 3000;
    while (fwdReplies.size < fwd.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const f of fwd) {
      const r = fwdReplies.get(f.id);
      expect(r?.questions?.[0].name).toBe(f.name);
      expect(a(r!)).toEqual(['192.0.2.55']);
    }
    // Still answering after the garbage. The 1,000 junk datagrams may still fill the socket's
    // receive buffer on a loaded machine, where the kernel drops what does not fit: a client
    // asks again, as stub resolvers do (at most 5 tries, 1 s each).
    let after: Buffer | null = null;
    for (let i = 0; i < 5 && after === null; i++) after = await udpRaw(port, encodeQuery({ name: 'web.default.svc.cluster.local', type: 'A' }, { id: 4242 }));
    expect(after && a(dnsPacket.decode(after))).toEqual(['10.96.0.20']);
    expect(errors).toEqual([]);
  });
});
