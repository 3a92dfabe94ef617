// Churn benchmark helper (issue 11; the `churn` stage of bench/run.sh): a fake Kubernetes API
// server (test/support/fake-apiserver.ts, list + watch) serving the benchmark's generated
// cluster, which changes EndpointSlices of headless Services at a given rate on request and
// measures programming latency: change sent -> the DNS answer changed, by polling the changed
// name over TCP (its own connection, so the probe does not queue behind dnsperf's UDP load).
//
// Each change adds one extra ready endpoint to a headless Service's IPv4 slice, or removes the
// extra one it added before (a scale-up/scale-down): every name of the generated cluster keeps
// its answer apart from that one address, so the query mix and its check stay valid. Every
// change carries a fresh endpoints.kubernetes.io/last-change-trigger-time, so clusterdns's
// coredns_kubernetes_dns_programming_duration_seconds sees it too.
//
// Not a test and not run by `npm test`. bench/run.sh compiles it (tsc to .bench-build/) and runs:
//   node .bench-build/bench/churn.js api --snapshot DATA/snapshot.json --dir RUNDIR --control PORT
//     writes RUNDIR/kubeconfig, then serves on 127.0.0.1:PORT (loopback only):
//       POST /churn?rate=R&seconds=S&dns=P&zone=Z   start R changes/s for S s (probes on port P)
//       GET  /result                                wait for the end; one JSON line of figures
//       POST /stop                                  exit
//   node .bench-build/bench/churn.js ctl PORT METHOD PATH   (prints the reply body)
// Every loop is bounded: a churn lasts at most 600 s, a probe at most PROBE_TIMEOUT_MS.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as dnsPacket from 'dns-packet';
import { FakeApiServer, type KubeObject, type Resource } from '../test/support/fake-apiserver';

const RESOURCES: Record<string, Resource> = {
  Namespace: 'namespaces',
  Service: 'services',
  EndpointSlice: 'endpointslices',
  Endpoints: 'endpoints',
  Pod: 'pods',
};
const TRIGGER = 'endpoints.kubernetes.io/last-change-trigger-time';
/** One tracked change (probe) at most this often. */
const PROBE_EVERY_MS = 50;
const PROBE_TIMEOUT_MS = 3000;
const TICK_MS = 5;

interface Churnable {
  obj: KubeObject;
  name: string; // the headless Service's DNS name
  extra: string | null; // the address this bench added, if any
}

interface Result {
  rate: number;
  seconds: number;
  sent: number;
  achievedPerSecond: number;
  probes: number;
  timeouts: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

/** A kubeconfig for the fake server (plain http needs insecure-skip-tls-verify for client-node). */
function writeKubeconfig(fake: FakeApiServer, dir: string): string {
  const file = path.join(dir, 'kubeconfig');
  const text = `apiVersion: v1
kind: Config
clusters:
  - name: fake
    cluster: { server: ${fake.url}, insecure-skip-tls-verify: true }
users:
  - name: fake
    user: { token: ${fake.token} }
contexts:
  - name: fake
    context: { cluster: fake, user: fake }
current-context: fake
`;
  fs.writeFileSync(file, text, { mode: 0o600 });
  return file;
}

function arg(argv: string[], k: string): string {
  const i = argv.indexOf(k);
  if (i < 0 || i + 1 >= argv.length) throw new Error(`churn: missing ${k}`);
  return argv[i + 1];
}

function pct(sorted: number[], p: number): number | null {
  return sorted.length === 0 ? null : sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

/** A DNS client over one TCP connection: one query at a time (the probe needs no more). */
class TcpProbe {
  private sock: net.Socket | null = null;
  private buf = Buffer.alloc(0);
  private waiting: ((b: Buffer | null) => void) | null = null;
  private id = 1;

  constructor(private readonly port: number) {}

  private connect(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const s = net.connect(this.port, '127.0.0.1', () => resolve(s));
      s.setNoDelay(true);
      s.on('error', reject);
      s.on('data', (d) => {
        this.buf = Buffer.concat([this.buf, d]);
        while (this.buf.length >= 2 && this.buf.length >= 2 + this.buf.readUInt16BE(0)) {
          const msg = this.buf.subarray(2, 2 + this.buf.readUInt16BE(0));
          this.buf = this.buf.subarray(2 + msg.length);
          const w = this.waiting;
          this.waiting = null;
          w?.(Buffer.from(msg));
        }
      });
      s.on('close', () => {
        this.sock = null;
        this.buf = Buffer.alloc(0);
        const w = this.waiting;
        this.waiting = null;
        w?.(null);
      });
    });
  }

  /** The A addresses of `name`, or null when no reply came within 500 ms. */
  async addresses(name: string): Promise<Set<string> | null> {
    if (this.sock === null) this.sock = await this.connect();
    this.id = (this.id + 1) & 0xffff;
    const q = dnsPacket.encode({ type: 'query', id: this.id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name }] });
    const len = Buffer.alloc(2);
    len.writeUInt16BE(q.length);
    const reply = await new Promise<Buffer | null>((resolve) => {
      const t = setTimeout(() => {
        this.waiting = null;
        this.sock?.destroy();
        resolve(null);
      }, 500);
      this.waiting = (b) => {
        clearTimeout(t);
        resolve(b);
      };
      this.sock!.write(Buffer.concat([len, q]));
    });
    if (reply === null) return null;
    const p = dnsPacket.decode(reply);
    return new Set((p.answers ?? []).filter((a) => a.type === 'A').map((a) => String((a as { data: unknown }).data)));
  }

  close(): void {
    this.sock?.destroy();
  }
}

async function api(argv: string[]): Promise<void> {
  const snapshot = JSON.parse(fs.readFileSync(arg(argv, '--snapshot'), 'utf8')) as { items: KubeObject[] };
  const dir = arg(argv, '--dir');
  const controlPort = Number(arg(argv, '--control'));
  // 20 s of history at 1,000 changes/s is all a reconnecting watch needs; a longer one only
  // grows this process's heap, and its garbage collection runs on dnsperf's core.
  const fake = await FakeApiServer.start({ maxHistory: 20_000 });
  const headless = new Set<string>();
  for (const o of snapshot.items) {
    const r = RESOURCES[o.kind as string];
    if (r === undefined) continue;
    fake.create(r, o);
    const spec = (o as { spec?: { clusterIP?: string } }).spec;
    if (o.kind === 'Service' && spec?.clusterIP === 'None') headless.add(`${o.metadata.namespace}/${o.metadata.name}`);
  }
  let zone = 'cluster.local';
  const churnable: Churnable[] = [];
  for (const o of snapshot.items) {
    if (o.kind !== 'EndpointSlice' || (o as { addressType?: string }).addressType !== 'IPv4') continue;
    const svc = o.metadata.labels?.['kubernetes.io/service-name'];
    if (svc === undefined || !headless.has(`${o.metadata.namespace}/${svc}`)) continue;
    churnable.push({ obj: o, name: `${svc}.${o.metadata.namespace}.svc`, extra: null });
  }
  if (churnable.length === 0) throw new Error('churn: no IPv4 EndpointSlice of a headless Service in the snapshot');
  const kubeconfig = writeKubeconfig(fake, dir);

  let nextIP = 0;
  let cursor = 0;
  /** One change: toggle the extra endpoint of the next slice; returns what it did. */
  const change = (): { c: Churnable; ip: string; present: boolean } => {
    const c = churnable[cursor++ % churnable.length];
    // A shallow copy: only endpoints and metadata are replaced (new arrays and objects, the
    // original never mutated), and the fake server clones what it stores. This process shares
    // dnsperf's core, so a second deep clone per change is load dnsperf does not generate.
    const o = { ...c.obj } as KubeObject & { endpoints: { addresses: string[] }[] };
    let ip: string;
    if (c.extra === null) {
      ip = `10.250.${(nextIP >> 8) & 255}.${1 + (nextIP % 250)}`;
      nextIP = (nextIP + 1) % 64000;
      o.endpoints = [...o.endpoints, { addresses: [ip], conditions: { ready: true, serving: true, terminating: false } } as never];
      c.extra = ip;
    } else {
      ip = c.extra;
      c.extra = null;
    }
    o.metadata = { ...o.metadata, annotations: { ...(o.metadata.annotations ?? {}), [TRIGGER]: new Date().toISOString() } };
    fake.update('endpointslices', o);
    return { c, ip, present: c.extra !== null };
  };

  let running: Promise<Result> | null = null;
  const churn = async (rate: number, seconds: number, dnsPort: number): Promise<Result> => {
    const probe = new TcpProbe(dnsPort);
    const latencies: number[] = [];
    let timeouts = 0;
    let probing = false;
    let lastProbe = -Infinity;
    let sent = 0;
    const t0 = performance.now();
    const track = async (name: string, ip: string, present: boolean, at: number) => {
      probing = true;
      try {
        while (performance.now() - at < PROBE_TIMEOUT_MS) {
          const got = await probe.addresses(name);
          if (got !== null && got.has(ip) === present) {
            latencies.push(performance.now() - at);
            return;
          }
          await new Promise((r) => setTimeout(r, 1));
        }
        timeouts++;
      } finally {
        probing = false;
      }
    };
    const probes: Promise<void>[] = [];
    await new Promise<void>((done) => {
      if (rate <= 0) return void setTimeout(done, seconds * 1000);
      const timer = setInterval(() => {
        const now = performance.now();
        const elapsed = (now - t0) / 1000;
        if (elapsed >= seconds) {
          clearInterval(timer);
          return done();
        }
        const due = Math.floor(rate * elapsed);
        while (sent < due) {
          const at = performance.now();
          const { c, ip, present } = change();
          sent++;
          if (!probing && at - lastProbe >= PROBE_EVERY_MS) {
            lastProbe = at;
            probes.push(track(`${c.name}.${zone}`, ip, present, at));
          }
        }
      }, TICK_MS);
    });
    await Promise.all(probes);
    probe.close();
    const lat = latencies.sort((a, b) => a - b);
    const r2 = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);
    return {
      rate,
      seconds,
      sent,
      achievedPerSecond: Math.round((sent / seconds) * 10) / 10,
      probes: lat.length,
      timeouts,
      p50Ms: r2(pct(lat, 0.5)),
      p99Ms: r2(pct(lat, 0.99)),
      maxMs: r2(lat.length ? lat[lat.length - 1] : null),
    };
  };

  const control = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const reply = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(body)}\n`);
    };
    if (req.method === 'POST' && u.pathname === '/churn') {
      if (running) return reply(409, { error: 'a churn is running' });
      const rate = Number(u.searchParams.get('rate'));
      const seconds = Number(u.searchParams.get('seconds'));
      const dns = Number(u.searchParams.get('dns'));
      zone = u.searchParams.get('zone') ?? zone;
      if (!(rate >= 0 && rate <= 100_000 && seconds > 0 && seconds <= 600 && dns > 0 && dns < 65536)) return reply(400, { error: 'rate 0-100000, seconds 1-600, dns port' });
      running = churn(rate, seconds, dns);
      return reply(200, { started: true, rate, seconds, slices: churnable.length });
    }
    if (req.method === 'GET' && u.pathname === '/result') {
      if (!running) return reply(404, { error: 'no churn started' });
      const p = running;
      return void p.then((r) => {
        if (running === p) running = null;
        reply(200, r);
      });
    }
    if (req.method === 'POST' && u.pathname === '/stop') {
      reply(200, { stopping: true });
      void fake.close().then(() => process.exit(0));
      return;
    }
    reply(404, { error: 'unknown' });
  });
  await new Promise<void>((resolve) => control.listen(controlPort, '127.0.0.1', resolve));
  fs.writeFileSync(path.join(dir, 'ready'), JSON.stringify({ kubeconfig, api: fake.url, control: controlPort, churnable: churnable.length }));
  process.stderr.write(`churn: fake API ${fake.url}, ${snapshot.items.length} objects, ${churnable.length} churnable slices; control 127.0.0.1:${controlPort}\n`);
}

async function ctl(argv: string[]): Promise<void> {
  const [port, method, p] = argv;
  const res = await fetch(`http://127.0.0.1:${Number(port)}${p}`, { method, signal: AbortSignal.timeout(660_000) });
  process.stdout.write(await res.text());
  if (!res.ok) process.exit(1);
}

const [mode, ...rest] = process.argv.slice(2);
(mode === 'api' ? api(rest) : mode === 'ctl' ? ctl(rest) : Promise.reject(new Error('usage: churn.js api|ctl ...'))).catch((err) => {
  process.stderr.write(`churn: ${(err as Error).message}\n`);
  process.exit(1);
});
