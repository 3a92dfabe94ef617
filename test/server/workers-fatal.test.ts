// Issue 10 item 1: a fatal error with --workers N ends the whole process with its message and a
// non-zero exit, exactly as with one process (before: each worker process logged it and exited,
// and the primary forked another, forever). Through the real CLI with --workers 2, plus a UDP
// thread dying after start-up, in process.
import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULTS, type Options } from '../../src/config/options';
import { mergeOptions } from '../../src/config/file';
import { startServing } from '../../src/ops/serve';
import { silentLogger } from '../../src/ops/log';
import { freePort, snapshotDir } from '../support/server';

const YAML = `
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec: { clusterIP: 10.96.0.50, ports: [{ name: http, port: 80 }] }
`;

/** Runs the CLI until it exits (at most `ms`): its exit code (null: still running, killed) and output. */
function runCli(args: string[], ms: number): Promise<{ code: number | null; out: string }> {
  const dir = snapshotDir(YAML);
  const child = spawn(process.execPath, [path.resolve(__dirname, '../../dist/cli.js'), 'serve', '--snapshot', path.join(dir, 'snapshot.yaml'),
    '--health', 'off', '--ready', 'off', '--metrics', 'off', '--lame-duck', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
    }, ms);
    child.once('exit', (code) => {
      clearTimeout(t);
      fs.rmSync(dir, { recursive: true, force: true });
      resolve({ code, out });
    });
  });
}

test('serve --upstream <its own address> --workers 2: CDNS_UPSTREAM_LOOP, exit 1, no restarts', async () => {
  const port = await freePort();
  const { code, out } = await runCli(['--listen', `127.0.0.1:${port}`, '--upstream', `127.0.0.1:${port}`, '--workers', '2', '--upstream-timeout', '300'], 10_000);
  expect(out).toContain('CDNS_UPSTREAM_LOOP');
  expect(code).toBe(1);
  expect(out).not.toContain('starting another');
});

test('--workers 2 on a port another socket holds: the bind error, exit 1', async () => {
  const port = await freePort();
  const holder = dgram.createSocket('udp4');
  await new Promise<void>((r) => holder.bind({ port, address: '127.0.0.1', exclusive: true }, () => r()));
  try {
    const { code, out } = await runCli(['--listen', `127.0.0.1:${port}`, '--upstream', '127.0.0.1:9', '--workers', '2'], 10_000);
    expect(out).toContain(`clusterdns: EADDRINUSE: bind EADDRINUSE 127.0.0.1:${port}`);
    expect(code).toBe(1);
  } finally {
    holder.close();
  }
});

test('a UDP thread that dies after start-up is fatal for the process, with its reason', async () => {
  const dir = snapshotDir(YAML);
  const opts: Options = mergeOptions(DEFAULTS, {
    listen: [{ host: '127.0.0.1', port: 0 }],
    snapshot: path.join(dir, 'snapshot.yaml'),
    health: null,
    ready: null,
    metrics: null,
    upstream: [],
    workers: 2,
  });
  const fatal: string[] = [];
  const s = await startServing(opts, silentLogger, { onFatal: (m) => fatal.push(m) });
  try {
    expect(s.threads?.workers.length).toBe(1);
    await s.threads!.workers[0].terminate();
    const until = Date.now() + 2000;
    while (fatal.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(fatal).toEqual(['a UDP thread exited with code 1']);
  } finally {
    await s.shutdown();
    await s.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
