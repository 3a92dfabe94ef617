// Issues 6 and 13 on a fixed port, as in a pod: with --workers 2 the main thread and one UDP
// thread each bind their own SO_REUSEPORT socket through the native addon (the kernel spreads
// datagrams), the process says "serving" only once the thread listens, /ready agrees, and
// /metrics counts the queries both answered.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { freePort, queryUdp, snapshotDir } from '../support/server';
import { nativeUdpAvailable, nativeUdpUnavailableReason } from '../../src/server/fast-udp';

/** UDP sockets bound to 127.0.0.1:port, from the kernel's table. */
function udpSocketsOn(port: number): number {
  const hex = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return fs.readFileSync('/proc/net/udp', 'utf8').split('\n').filter((l) => l.trim().split(/\s+/)[1] === hex).length;
}

function getBody(port: number, p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: p }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

const get = async (port: number, p: string) => (await getBody(port, p)).status;

/** Sum of every sample of a counter family in a Prometheus exposition. */
function total(body: string, name: string): number {
  let n = 0;
  for (const line of body.split('\n')) if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) n += Number(line.slice(line.lastIndexOf(' ') + 1));
  return n;
}

const YAML = `
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec: { clusterIP: 10.96.0.30, ports: [{ name: http, port: 80 }] }
`;

let child: ChildProcess;
let dir: string;
let dnsPort: number;
let readyPort: number;
let metricsPort: number;

beforeAll(async () => {
  // This is the path pods run: the addon must be there (CI builds it with npm ci).
  if (!nativeUdpAvailable()) throw new Error(`native UDP addon not available: ${nativeUdpUnavailableReason()}`);
  dir = snapshotDir(YAML);
  dnsPort = await freePort();
  readyPort = await freePort();
  metricsPort = await freePort();
  child = spawn(process.execPath, [path.resolve(__dirname, '../../dist/cli.js'), 'serve', '--snapshot', path.join(dir, 'snapshot.yaml'),
    '--listen', `127.0.0.1:${dnsPort}`, '--workers', '2', '--health', 'off', '--metrics', `127.0.0.1:${metricsPort}`, '--ready', `127.0.0.1:${readyPort}`,
    '--upstream', '127.0.0.1:9', '--lame-duck', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no start-up line:\n${out}`)), 15000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('"msg":"clusterdns serving"')) {
        clearTimeout(t);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)));
  });
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test('"serving" means every worker listens: /ready is 200 at once, and each worker has its own UDP socket', async () => {
  expect(await get(readyPort, '/ready')).toBe(200);
  // Two SO_REUSEPORT sockets; workers sharing one dgram handle would show a single entry.
  expect(udpSocketsOn(dnsPort)).toBe(2);
});

test('queries spread by the kernel over both sockets are all answered', async () => {
  const answers = await Promise.all(Array.from({ length: 200 }, () => queryUdp(dnsPort, { name: 'web.default.svc.cluster.local', type: 'A' })));
  expect(new Set(answers.map((a) => (a.answers?.[0] as { data?: string } | undefined)?.data))).toEqual(new Set(['10.96.0.30']));
});

test('/metrics on the primary sums the workers: the request counter moves by exactly the queries sent', async () => {
  const first = (await getBody(metricsPort, '/metrics')).body;
  const before = total(first, 'coredns_dns_requests_total');
  const answeredBefore = total(first, 'coredns_dns_responses_total');
  // Many client sockets: the kernel hashes them over both workers' sockets, so a count from
  // one worker alone would fall short.
  await Promise.all(Array.from({ length: 60 }, () => queryUdp(dnsPort, { name: 'web.default.svc.cluster.local', type: 'A' })));
  const after = await getBody(metricsPort, '/metrics');
  expect(after.status).toBe(200);
  expect(total(after.body, 'coredns_dns_requests_total') - before).toBe(60);
  expect(total(after.body, 'coredns_dns_responses_total') - answeredBefore).toBe(60);
});
