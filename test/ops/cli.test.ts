// The real CLI (`node dist/cli.js serve`) as kubelet and an operator see it: /health and
// /ready through a slow or impossible first sync with the Kubernetes API as source, and
// SIGTERM under load (lame duck: /ready 503 while DNS answers, every query sent before the
// listeners close is answered, exit 0).
//
// dist/ is built by jest's globalSetup (test/support/global-setup.ts) whenever src/ is newer;
// beforeAll checks that it is fresh and fails loudly otherwise.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import * as dnsPacket from 'dns-packet';
import { FakeApiServer } from '../support/fake-apiserver';
import { freePort, get, query, queryLoop, sleep, tempDir, waitFor, SNAPSHOT, type LogLine } from './helpers';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');

beforeAll(() => {
  const built = fs.existsSync(CLI) ? fs.statSync(CLI).mtimeMs : 0;
  for (const f of ['src/cli.ts', 'src/app.ts', 'src/ops/serve.ts', 'src/ops/reload.ts', 'src/ops/metrics.ts']) {
    if (fs.statSync(path.join(ROOT, f)).mtimeMs > built) throw new Error(`dist/ is older than ${f}: run \`npm run build\` (jest's globalSetup should have)`);
  }
});

interface Cli {
  proc: ChildProcess;
  lines: LogLine[];
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  line(pred: (l: LogLine) => boolean, ms: number, what: string): Promise<LogLine>;
}

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

function startCli(args: string[]): Cli {
  // One process: these tests read the single-process lifecycle's log lines.
  const proc = spawn(process.execPath, [CLI, 'serve', '--workers', '1', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: LogLine[] = [];
  const stderr: string[] = [];
  let buf = '';
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const text = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (text.trim()) lines.push(JSON.parse(text) as LogLine);
    }
  });
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => stderr.push(d));
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    proc.on('exit', (code, signal) => {
      done = true;
      r({ code, signal });
    }),
  );
  cleanups.push(async () => {
    if (!done) {
      proc.kill('SIGKILL');
      await exited;
    }
  });
  return {
    proc,
    lines,
    stderr,
    exited,
    hasExited: () => done,
    async line(pred, ms, what) {
      await waitFor(() => lines.some(pred) || done, ms, `${what}; stderr: ${stderr.join('')}`);
      const l = lines.find(pred);
      if (!l) throw new Error(`the server exited before ${what}; stderr: ${stderr.join('')}; log: ${JSON.stringify(lines)}`);
      return l;
    },
  };
}

const portOf = (hostPort: unknown) => Number(String(hostPort).split(':').pop());

function kubeconfig(dir: string, server: string): string {
  const file = path.join(dir, 'kubeconfig');
  fs.writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      // client-node sends a token over http only with skip-TLS-verify set.
      `clusters: [{ name: c, cluster: { server: "${server}", insecure-skip-tls-verify: true } }]`,
      'users: [{ name: u, user: { token: fake-token } }]',
      'contexts: [{ name: x, context: { cluster: c, user: u } }]',
      'current-context: x',
    ].join('\n'),
  );
  return file;
}

async function rcodeOver(port: number, name: string): Promise<string | null> {
  const { udpRaw } = await import('../support/server');
  const reply = await udpRaw(port, query(name, 'A', 7), 1000);
  return reply === null ? null : ((dnsPacket.decode(reply) as { rcode?: string }).rcode ?? 'NOERROR');
}

test('API server unreachable: /health 200 and /ready 503 during and after the start-up timeout; SIGTERM exits 0', async () => {
  const dir = tempDir();
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const [health, ready] = [await freePort(), await freePort()];
  const cli = startCli([
    '--kubeconfig', kubeconfig(dir, 'http://127.0.0.1:1'),
    '--startup-timeout', '1500',
    '--listen', '127.0.0.1:0',
    '--health', `127.0.0.1:${health}`,
    '--ready', `127.0.0.1:${ready}`,
    '--metrics', 'off',
    '--upstream', '127.0.0.1:9',
    '--lame-duck', '200',
  ]);
  // Still waiting for the first sync: the endpoints are up already.
  const until = Date.now() + 2000;
  let first = await get(health, '/health').catch(() => null);
  while (first === null && Date.now() < until && !cli.hasExited()) {
    await sleep(25);
    first = await get(health, '/health').catch(() => null);
  }
  expect(first).toMatchObject({ status: 200 });
  expect(await get(ready, '/ready')).toMatchObject({ status: 503, body: 'not synced' });
  expect(cli.lines.some((l) => l.msg === 'clusterdns serving')).toBe(false);
  // After the timeout it serves, unsynced: SERVFAIL instead of NXDOMAIN (SPEC §3), /ready still 503.
  const serving = await cli.line((l) => l.msg === 'clusterdns serving', 8000, 'the serving line');
  expect(cli.lines.some((l) => l.code === 'CDNS_SOURCES_STARTUP_TIMEOUT')).toBe(true);
  expect(await get(health, '/health')).toMatchObject({ status: 200 });
  expect(await get(ready, '/ready')).toMatchObject({ status: 503 });
  expect(await rcodeOver(portOf((serving.listen as string[])[0]), 'nothing.default.svc.cluster.local')).toBe('SERVFAIL');
  cli.proc.kill('SIGTERM');
  expect(await cli.exited).toEqual({ code: 0, signal: null });
});

test('through sync: /ready 503 while the first list is slow, 200 once it completes', async () => {
  const api = await FakeApiServer.start();
  cleanups.push(() => api.close());
  api.create('namespaces', { metadata: { name: 'default' } });
  api.create('services', { metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.5'], ports: [{ port: 80, protocol: 'TCP' }] } });
  api.delayList('services', 1500);
  const dir = tempDir();
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const [health, ready] = [await freePort(), await freePort()];
  const cli = startCli([
    '--kubeconfig', kubeconfig(dir, api.url),
    '--startup-timeout', '8000',
    '--listen', '127.0.0.1:0',
    '--health', `127.0.0.1:${health}`,
    '--ready', `127.0.0.1:${ready}`,
    '--metrics', 'off',
    '--upstream', '127.0.0.1:9',
    '--lame-duck', '100',
  ]);
  await waitFor(() => api.requests.some((r) => r.resource === 'services' && r.status === 0) || cli.hasExited(), 5000, 'the services list request').catch((e: Error) => {
    throw new Error(`${e.message}; log: ${JSON.stringify(cli.lines)} stderr: ${cli.stderr.join('')}`);
  });
  expect(await get(health, '/health')).toMatchObject({ status: 200 });
  expect(await get(ready, '/ready')).toMatchObject({ status: 503, body: 'not synced' });
  const serving = await cli.line((l) => l.msg === 'clusterdns serving', 8000, 'the serving line');
  expect(await get(ready, '/ready')).toMatchObject({ status: 200, body: 'OK' });
  expect(await rcodeOver(portOf((serving.listen as string[])[0]), 'web.default.svc.cluster.local')).toBe('NOERROR');
  cli.proc.kill('SIGINT');
  expect(await cli.exited).toEqual({ code: 0, signal: null });
});

/** Queries over one TCP connection, one every `everyMs`, until the server closes it or `stop()`. */
function tcpLoop(port: number, everyMs: number, stop: () => boolean): Promise<{ sentWall: number; answered: boolean }[]> {
  return new Promise((resolve) => {
    const sent: { sentWall: number; answered: boolean }[] = [];
    const sock = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let timer: NodeJS.Timeout | null = null;
    const finish = () => {
      if (timer) clearInterval(timer);
      timer = null;
      sock.destroy();
      resolve(sent);
    };
    sock.on('connect', () => {
      timer = setInterval(() => {
        if (stop() || sent.length >= 3000) return finish();
        const q = query('web.default.svc.cluster.local', 'A', sent.length + 1);
        const len = Buffer.alloc(2);
        len.writeUInt16BE(q.length);
        sent.push({ sentWall: Date.now(), answered: false });
        sock.write(Buffer.concat([len, q]));
      }, everyMs);
    });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const id = buf.readUInt16BE(2);
        if (sent[id - 1]) sent[id - 1].answered = true;
        buf = buf.subarray(2 + buf.readUInt16BE(0));
      }
    });
    sock.on('error', finish);
    sock.on('close', finish);
  });
}

test('SIGTERM under load: lame duck keeps answering with /ready 503, no query lost before close, exit 0', async () => {
  const dir = tempDir();
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'snapshot.yaml'), SNAPSHOT);
  const cli = startCli([
    '--snapshot', path.join(dir, 'snapshot.yaml'),
    '--listen', '127.0.0.1:0',
    '--health', '127.0.0.1:0',
    '--ready', '127.0.0.1:0',
    '--metrics', 'off',
    '--upstream', '127.0.0.1:9',
    '--lame-duck', '500',
  ]);
  const serving = await cli.line((l) => l.msg === 'clusterdns serving', 8000, 'the serving line');
  const dnsPort = portOf((serving.listen as string[])[0]);
  const [health, ready] = [Number(serving.health), Number(serving.ready)];
  expect(await get(ready, '/ready')).toMatchObject({ status: 200 });

  let termAt = 0;
  const probes: { status: number; path: string; at: number }[] = [];
  const udp = queryLoop({
    port: dnsPort,
    name: 'web.default.svc.cluster.local',
    count: 5000, // bounded: ~1 query/ms for at most ~6 s
    intervalMs: 1,
    waitMs: 500,
    until: () => cli.hasExited(),
    onEach: async (i) => {
      if (i === 200) {
        termAt = Date.now();
        cli.proc.kill('SIGTERM');
      }
      if (i > 200 && i % 60 === 0 && !cli.hasExited()) {
        for (const [p, port] of [['/ready', ready], ['/health', health]] as const) {
          const r = await get(port, p).catch(() => null);
          if (r) probes.push({ status: r.status, path: p, at: Date.now() });
        }
      }
    },
  });
  const tcp = tcpLoop(dnsPort, 5, () => cli.hasExited());
  const [sent, tcpSent, exit] = await Promise.all([udp, tcp, cli.exited]);
  expect(exit).toEqual({ code: 0, signal: null });

  const closing = cli.lines.find((l) => l.msg === 'lame duck over: closing the DNS listeners');
  expect(closing).toBeDefined();
  const closeAt = Date.parse(String(closing!.time));
  expect(closeAt - termAt).toBeGreaterThanOrEqual(450); // the lame duck lasted --lame-duck
  expect(cli.lines.some((l) => l.msg === 'stopped')).toBe(true);

  // Every UDP query sent before the listeners closed (20 ms margin for the log clock) was answered.
  const due = sent.filter((q) => q.sentWall < closeAt - 20);
  const lost = due.filter((q) => q.reply === null);
  expect({ due: due.length, lost: lost.map((q) => q.id) }).toEqual({ due: due.length, lost: [] });
  const duringLameDuck = due.filter((q) => q.sentWall > termAt + 50);
  expect(duringLameDuck.length).toBeGreaterThan(100);
  expect(duringLameDuck.every((q) => (q.reply as { rcode?: string }).rcode === 'NOERROR')).toBe(true);
  // TCP alike.
  const tcpDue = tcpSent.filter((q) => q.sentWall < closeAt - 20);
  expect(tcpDue.length).toBeGreaterThan(50);
  expect(tcpDue.filter((q) => !q.answered)).toEqual([]);
  // During the lame duck: /ready 503, /health 200.
  const lameProbes = probes.filter((p) => p.at > termAt + 50 && p.at < closeAt);
  expect(lameProbes.filter((p) => p.path === '/ready').length).toBeGreaterThan(0);
  expect(lameProbes.filter((p) => p.path === '/ready').every((p) => p.status === 503)).toBe(true);
  expect(lameProbes.filter((p) => p.path === '/health').every((p) => p.status === 200)).toBe(true);
  await sleep(0);
});
