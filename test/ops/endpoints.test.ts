// /health, /ready and /metrics status codes at start-up and through the lame duck (SPEC §5),
// against the real server in-process on 127.0.0.1 ephemeral ports. Start-up with the
// Kubernetes API as source (not synced, then synced) runs the real CLI: cli.test.ts.
import fs from 'node:fs';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';
import { startServing, type Serving } from '../../src/ops/serve';
import { silentLogger } from '../../src/ops/log';
import { udpRaw } from '../support/server';
import { freePort, get, query, sleep, tempDir, testOptions } from './helpers';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function serve(layer: Parameters<typeof testOptions>[1] = {}, dir = tempDir()): Promise<Serving> {
  const s = await startServing(testOptions(dir, layer), silentLogger, { processMetrics: false });
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => s.shutdown());
  return s;
}

async function answerOf(port: number, name: string): Promise<string | null> {
  const reply = await udpRaw(port, query(name, 'A', 4242), 1000);
  if (reply === null) return null;
  const p = dnsPacket.decode(reply);
  return (p as { rcode?: string }).rcode ?? 'NOERROR';
}

test('snapshot source: synced at once, /health and /ready 200, /metrics served, other paths 404', async () => {
  const s = await serve();
  expect(s.opsPorts.health).toBeGreaterThan(0);
  expect(await get(s.opsPorts.health, '/health')).toMatchObject({ status: 200, body: 'OK' });
  expect(await get(s.opsPorts.ready, '/ready')).toMatchObject({ status: 200, body: 'OK' });
  const m = await get(s.opsPorts.metrics, '/metrics');
  expect(m.status).toBe(200);
  expect(m.type).toMatch(/^text\/plain; version=0\.0\.4/);
  expect(m.body).toContain('coredns_build_info{');
  expect((await get(s.opsPorts.health, '/ready')).status).toBe(404); // each path on its own port
  expect((await get(s.opsPorts.ready, '/nope')).status).toBe(404);
  expect(await answerOf(s.running.ports[0], 'web.default.svc.cluster.local')).toBe('NOERROR');
});

test('health and ready on one address share one server', async () => {
  const port = await freePort();
  const s = await serve({ health: { host: '127.0.0.1', port }, ready: { host: '127.0.0.1', port }, metrics: null });
  expect(s.ops).toHaveLength(1);
  expect((await get(port, '/health')).status).toBe(200);
  expect((await get(port, '/ready')).status).toBe(200);
  expect((await get(port, '/metrics')).status).toBe(404);
});

test('an ops address in use fails the start with CDNS_OPS_LISTEN and releases what it bound', async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise((r) => blocker.close(r)));
  const taken = (blocker.address() as net.AddressInfo).port;
  const healthPort = await freePort();
  const dir = tempDir();
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const opts = testOptions(dir, { health: { host: '127.0.0.1', port: healthPort }, metrics: { host: '127.0.0.1', port: taken } });
  await expect(startServing(opts, silentLogger, { processMetrics: false })).rejects.toMatchObject({ code: 'CDNS_OPS_LISTEN', message: expect.stringContaining(`127.0.0.1:${taken} for /metrics`) });
  // /health was bound first and must have been closed again.
  await expect(get(healthPort, '/health')).rejects.toThrow(/ECONNREFUSED/);
});

test('lame duck: /ready 503 and /health 200 while DNS still answers, then everything closes', async () => {
  const s = await serve({ lameDuckMs: 600 });
  const dnsPort = s.running.ports[0];
  const t0 = Date.now();
  const done = s.shutdown();
  expect(s.lameDuck()).toBe(true);
  expect(await get(s.opsPorts.ready, '/ready')).toMatchObject({ status: 503, body: 'shutting down' });
  expect(await get(s.opsPorts.health, '/health')).toMatchObject({ status: 200 });
  // DNS keeps answering for the whole lame duck.
  let answered = 0;
  while (Date.now() - t0 < 450) {
    expect(await answerOf(dnsPort, 'web.default.svc.cluster.local')).toBe('NOERROR');
    answered++;
    await sleep(50);
  }
  expect(answered).toBeGreaterThan(3);
  await done;
  expect(Date.now() - t0).toBeGreaterThanOrEqual(600);
  expect(await answerOf(dnsPort, 'web.default.svc.cluster.local')).toBeNull();
  await expect(get(s.opsPorts.health, '/health')).rejects.toThrow(/ECONNREFUSED/);
});

test('a second shutdown() ends the lame duck early', async () => {
  const s = await serve({ lameDuckMs: 10_000 });
  const t0 = Date.now();
  void s.shutdown();
  await sleep(100);
  await s.shutdown();
  expect(Date.now() - t0).toBeLessThan(3000);
});
