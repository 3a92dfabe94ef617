// Memory benchmark of the whole server at scale (issue 13): `clusterdns serve --workers 1` as a
// child process, measured from outside through /proc/PID/status, on one generated cluster
// (bench/gen-cluster.mjs; default 10,000 Services / 150,000 endpoints) served two ways:
//   snapshot: from a JSON List file. First answer time, RSS at the first answer and after
//             --idle s; then the file is rewritten with one Service changed: peak RSS (VmHWM,
//             reset just before) until the change is answered, and RSS --idle s later.
//   api:      from the fake API server (test/support/fake-apiserver.ts, in its own process so
//             its copy of the objects is not counted) holding the same objects. First answer,
//             idle RSS; then every watch gets 410 Gone (a forced re-list of every kind): peak
//             RSS until every kind re-listed, and RSS --idle s later.
// The issue's targets are printed beside each figure. Not a test and not run by `npm test`:
//   npm run bench:memory [-- --mode snapshot|api|both --idle 20 --services 10000 --endpoints 150000 --ops on|off --node-flags "..."]
// (--node-flags: default manifests/node-flags, the flags the image runs clusterdns with; "" for none)
import { spawn, fork, execFileSync, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as packet from 'dns-packet';

interface Args {
  mode: 'snapshot' | 'api' | 'both';
  idle: number;
  services: number;
  endpoints: number;
  dir: string;
  root: string;
  /** Serve /health, /ready and /metrics (scraped once, as Prometheus would), as every deployment does. */
  ops: boolean;
  /** node options for the server: those the image runs it with (manifests/node-flags). */
  nodeFlags: string[];
}

function parseArgs(argv: string[]): Args {
  const root = path.resolve(__dirname, '..', '..');
  const a: Args = { mode: 'both', idle: 20, services: 10_000, endpoints: 150_000, dir: path.join(os.tmpdir(), 'clusterdns-memory'), root, ops: true, nodeFlags: fs.readFileSync(path.join(root, 'manifests/node-flags'), 'utf8').split(/\s+/).filter(Boolean) };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[++i];
    if (k === '--mode' && (v === 'snapshot' || v === 'api' || v === 'both')) a.mode = v;
    else if (k === '--idle') a.idle = Number(v);
    else if (k === '--services') a.services = Number(v);
    else if (k === '--endpoints') a.endpoints = Number(v);
    else if (k === '--dir') a.dir = v;
    else if (k === '--ops' && (v === 'on' || v === 'off')) a.ops = v === 'on';
    else if (k === '--node-flags') a.nodeFlags = v.split(/\s+/).filter(Boolean);
    else if (k === '--api-child') i--;
    else throw new Error(`unknown option ${k} ${v ?? ''}`);
  }
  return a;
}

const mb = (kb: number) => (kb / 1024).toFixed(1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function status(pid: number): { rss: number; hwm: number } {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? NaN);
  return { rss: field('VmRSS'), hwm: field('VmHWM') };
}

/** Resets VmHWM to the current RSS (proc(5), clear_refs "5"). */
function resetPeak(pid: number): void {
  fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

/**
 * Resolves with the ms since t0 at which `name` first answers `ip`: one socket asks again every
 * 20 ms and takes the first answer that has it. (One query at a time with a 500 ms timeout
 * measured in steps of 550 ms while nothing listened yet: every start read 1.11, 1.67 or 2.22 s.)
 */
function waitAnswer(port: number, name: string, ip: string, limitMs: number, t0 = performance.now()): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    const query = packet.encode({ type: 'query', id: 7, flags: packet.RECURSION_DESIRED, questions: [{ type: 'A', name }] });
    const ask = () => s.send(query, port, '127.0.0.1', () => undefined);
    let done = false;
    const finish = (err: Error | null, ms = 0) => {
      if (done) return; // a second answer read in the same batch
      done = true;
      clearInterval(tick);
      s.close();
      if (err) reject(err);
      else resolve(ms);
    };
    const tick = setInterval(() => {
      if (performance.now() - t0 < limitMs) ask();
      else finish(new Error(`${name} did not answer ${ip} within ${limitMs} ms`));
    }, 20);
    s.on('message', (m) => {
      const at = performance.now() - t0;
      try {
        const p = packet.decode(m);
        if ((p.answers ?? []).some((r) => r.type === 'A' && String((r as { data: unknown }).data) === ip)) finish(null, at);
      } catch {
        // not an answer to read: keep asking
      }
    });
    // An unconnected UDP socket sees no ICMP errors; a send error (no route) is retried as well.
    s.on('error', () => undefined);
    ask();
  });
}

async function freePort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const p = s.address().port;
  s.close();
  return p;
}

interface Server {
  child: ChildProcess;
  port: number;
  t0: number;
  lines: string[];
  /** /metrics port, 0 when not served. */
  metricsPort: number;
}

/** Free loopback TCP ports (bound, noted, released), for /health, /ready and /metrics. */
async function freeTcpPorts(n: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: n }, () => new Promise<net.Server>((r) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => r(srv));
  })));
  const ports = servers.map((srv) => (srv.address() as net.AddressInfo).port);
  await Promise.all(servers.map((srv) => new Promise((r) => srv.close(r))));
  return ports;
}

async function startServer(a: Args, port: number, sourceArgs: string[]): Promise<Server> {
  const opsPorts = a.ops ? await freeTcpPorts(3) : [];
  const t0 = performance.now();
  // With --ops on (the default): /health, /ready and /metrics on loopback, as a Deployment runs
  // it (prometheus :9153 is in every distribution's Corefile), so their modules count.
  const ops = a.ops ? ['--health', `127.0.0.1:${opsPorts[0]}`, '--ready', `127.0.0.1:${opsPorts[1]}`, '--metrics', `127.0.0.1:${opsPorts[2]}`] : ['--health', 'off', '--ready', 'off', '--metrics', 'off'];
  const child = spawn(
    process.execPath,
    [...a.nodeFlags, path.join(a.root, 'dist/cli.js'), 'serve', ...sourceArgs, '--listen', `127.0.0.1:${port}`, '--workers', '1', ...ops, '--upstream', '127.0.0.1:9'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: string[] = [];
  const take = (b: Buffer) => {
    for (const l of b.toString().split('\n')) if (l) lines.push(l);
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  return { child, port, t0, lines, metricsPort: a.ops ? opsPorts[2] : 0 };
}

/** One scrape of /metrics (what Prometheus does every 15-30 s); the body's size, or -1. */
function scrape(s: Server): Promise<number> {
  if (s.metricsPort === 0) return Promise.resolve(0);
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: s.metricsPort, path: '/metrics', timeout: 5000 }, (res) => {
      let n = 0;
      res.on('data', (b: Buffer) => (n += b.length));
      res.on('end', () => resolve(res.statusCode === 200 ? n : -1));
    });
    req.on('error', () => resolve(-1));
    req.on('timeout', () => req.destroy());
  });
}

function stop(s: Server): Promise<void> {
  return new Promise((r) => {
    if (s.child.exitCode !== null) return r();
    s.child.once('exit', () => r());
    s.child.kill('SIGTERM');
    setTimeout(() => s.child.kill('SIGKILL'), 5000).unref();
  });
}

type Row = [string, string, string];

async function idlePhase(a: Args, s: Server, known: { name: string; ip: string }, startLimitMs: number, rows: Row[], label: string, target: number) {
  const first = await waitAnswer(s.port, known.name, known.ip, 120_000, s.t0);
  const atFirst = status(s.child.pid!);
  if (s.metricsPort && (await scrape(s)) <= 0) throw new Error(`${label}: /metrics did not answer`);
  await sleep(a.idle * 1000);
  const idle = status(s.child.pid!);
  rows.push([`${label}: first answer`, `${first.toFixed(0)} ms`, `<= ${startLimitMs} ms`]);
  rows.push([`${label}: RSS at first answer / peak so far`, `${mb(atFirst.rss)} / ${mb(atFirst.hwm)} MB`, '']);
  rows.push([`${label}: RSS after ${a.idle} s idle`, `${mb(idle.rss)} MB`, `<= ${target} MB (aim 107)`]);
  return idle.rss;
}

async function afterChange(a: Args, s: Server, idleKb: number, rows: Row[], label: string, what: string, start: () => Promise<void> | void, done: () => Promise<void>) {
  resetPeak(s.child.pid!);
  const t = performance.now();
  await start();
  await done();
  const ms = performance.now() - t;
  await sleep(500);
  const peak = status(s.child.pid!).hwm;
  await sleep(a.idle * 1000);
  const later = status(s.child.pid!).rss;
  rows.push([`${label}: ${what} peak RSS (VmHWM)`, `${mb(peak)} MB = ${(peak / idleKb).toFixed(2)}x idle (${ms.toFixed(0)} ms)`, '<= 1.25x']);
  rows.push([`${label}: RSS ${a.idle} s after`, `${mb(later)} MB = ${((later / idleKb - 1) * 100).toFixed(1)}% from idle`, 'within 10%']);
}

function generate(a: Args): { file: string; name: string; ip: string } {
  const out = path.join(a.dir, `c${a.services}-${a.endpoints}`);
  const summary = path.join(out, 'summary.json');
  if (!fs.existsSync(summary)) {
    const per = Math.max(1, Math.round(a.endpoints / a.services));
    const headless = Math.round(a.services / 10);
    execFileSync(process.execPath, [path.join(a.root, 'bench/gen-cluster.mjs'), '--out', out, '--snapshot-only', '--format', 'json', '--namespaces', '100', '--services', String(a.services - headless), '--headless', String(headless), '--endpoints', String(per), '--service-endpoints', String(per), '--externals', '0', '--dual-stack-every', '0'], { stdio: 'inherit' });
  }
  const s = JSON.parse(fs.readFileSync(summary, 'utf8')) as { snapshot: string; knownName: string; knownIP: string };
  return { file: s.snapshot, name: s.knownName, ip: s.knownIP };
}

async function snapshotMode(a: Args, rows: Row[]): Promise<void> {
  const g = generate(a);
  const file = path.join(a.dir, 'serving', 'snapshot.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.copyFileSync(g.file, file);
  rows.push(['snapshot', `${(fs.statSync(file).size / 1048576).toFixed(1)} MB JSON List`, '']);
  const s = await startServer(a, await freePort(), ['--snapshot', file]);
  try {
    const idle = await idlePhase(a, s, g, 3000, rows, 'snapshot', 128);
    const changed = '10.111.222.233';
    await afterChange(a, s, idle, rows, 'snapshot', 'reload with one Service changed:',
      () => {
        const text = fs.readFileSync(g.file, 'utf8').split(`"${g.ip}"`).join(`"${changed}"`);
        fs.writeFileSync(file + '.tmp', text);
        fs.renameSync(file + '.tmp', file);
      },
      async () => void (await waitAnswer(s.port, g.name, changed, 60_000)),
    );
  } finally {
    await stop(s);
    if (s.child.exitCode !== 0 && s.child.exitCode !== null) console.log(s.lines.slice(-10).join('\n'));
  }
}

async function apiMode(a: Args, rows: Row[]): Promise<void> {
  const g = generate(a);
  const api = fork(__filename, ['--api-child', g.file], { stdio: 'inherit' });
  try {
    const ready = await new Promise<{ url: string; token: string }>((r) => api.once('message', (m) => r(m as { url: string; token: string })));
    const kubeconfig = path.join(a.dir, 'kubeconfig.yaml');
    fs.writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters: [{name: fake, cluster: {server: "${ready.url}"}}]\nusers: [{name: fake, user: {token: "${ready.token}"}}]\ncontexts: [{name: fake, context: {cluster: fake, user: fake}}]\ncurrent-context: fake\n`);
    const s = await startServer(a, await freePort(), ['--kubeconfig', kubeconfig]);
    try {
      const idle = await idlePhase(a, s, g, 2000, rows, 'api', 128);
      const relisted = () => s.lines.filter((l) => l.includes('re-listed')).length;
      await afterChange(a, s, idle, rows, 'api', 're-list of every kind (410 Gone):',
        () => void api.send({ op: 'expire' }),
        async () => {
          const until = performance.now() + 120_000;
          while (relisted() < 4 && performance.now() < until) await sleep(20);
          if (relisted() < 4) throw new Error(`only ${relisted()} kinds re-listed:\n${s.lines.slice(-5).join('\n')}`);
        },
      );
    } finally {
      await stop(s);
    }
  } finally {
    api.kill();
  }
}

/** The fake API server process: every object of the generated snapshot, under its resource. */
async function apiChild(file: string): Promise<void> {
  const { FakeApiServer } = await import('../test/support/fake-apiserver');
  const fake = await FakeApiServer.start({ maxHistory: 1_000_000 });
  const resource: Record<string, 'namespaces' | 'services' | 'endpointslices' | 'endpoints' | 'pods'> = {
    Namespace: 'namespaces', Service: 'services', EndpointSlice: 'endpointslices', Endpoints: 'endpoints', Pod: 'pods',
  };
  const list = JSON.parse(fs.readFileSync(file, 'utf8')) as { items: { kind: string }[] };
  for (const o of list.items) if (resource[o.kind]) fake.create(resource[o.kind], o as never);
  list.items = [];
  const opts = fake.kubeConfigOptions() as { users: { token: string }[] };
  process.send!({ url: fake.url, token: opts.users[0].token });
  process.on('message', (m: { op: string }) => {
    if (m.op === 'expire') fake.expireHistory('event');
  });
  process.on('disconnect', () => process.exit(0));
}

async function main(): Promise<void> {
  const i = process.argv.indexOf('--api-child');
  if (i >= 0) return apiChild(process.argv[i + 1]);
  const a = parseArgs(process.argv.slice(2));
  console.log(`machine: ${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}, node ${process.version}; ${a.services} services, ${a.endpoints} endpoints, --workers 1, node ${a.nodeFlags.join(' ') || '(no flags)'}, ${a.ops ? '/health /ready /metrics served (scraped once)' : 'no /health /ready /metrics (--ops off)'}`);
  const rows: Row[] = [];
  const print = () => {
    const w = Math.max(...rows.map((r) => r[0].length));
    const w2 = Math.max(...rows.map((r) => r[1].length));
    for (const [k, v, t] of rows) console.log(`${k.padEnd(w)}  ${v.padEnd(w2)}  ${t ? `target ${t}` : ''}`);
  };
  try {
    if (a.mode !== 'api') await snapshotMode(a, rows);
    if (a.mode !== 'snapshot') await apiMode(a, rows);
  } finally {
    print();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
