// Scale benchmark of the Kubernetes API source (sources/kubernetes.ts) feeding the real store
// (cluster/store.ts): a fake API server in a child process holds N services and M endpoints
// (EndpointSlices of up to 100 endpoints, plus the mirrored core/v1 Endpoints objects, as a
// real cluster has), and this process measures:
//   - time to first sync (start() to markSynced), RSS and heap after it
//   - a forced re-list of every kind (410 Gone): its duration, peak RSS during it, RSS after
//   - DNS programming latency p50/p99/max (last-change-trigger-time -> applied in the store)
//     under a stream of EndpointSlice changes to headless services
// The fake API runs in its own process so that its copy of the objects is not counted here.
//
// Not a test and not run by `npm test`. Compile, then run the output, e.g.:
//   npm run bench:scale [-- --scale 0.1]
//   (compiles everything to .bench-build/ and runs the output)

// Options: --services 10000 --endpoints 150000 --slice-size 100 --headless-every 10
//          --churn 2000 --rate 500 --no-endpoints-objects --scale 1 (multiplies the counts)
import { fork, type ChildProcess } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ClusterStore } from '../src/cluster/store';
import { clientNode } from '../src/sources/kube-client';
import { KubernetesSource } from '../src/sources/kubernetes';
import { FakeApiServer, type KubeObject } from '../test/support/fake-apiserver';

interface Args {
  services: number;
  endpoints: number;
  sliceSize: number;
  headlessEvery: number;
  churn: number;
  rate: number;
  endpointsObjects: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { services: 10_000, endpoints: 150_000, sliceSize: 100, headlessEvery: 10, churn: 2000, rate: 500, endpointsObjects: true };
  let scale = 1;
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = Number(argv[i + 1]);
    if (k === '--no-endpoints-objects') a.endpointsObjects = false;
    else if (k === '--scale') (scale = v), i++;
    else if (k === '--services') (a.services = v), i++;
    else if (k === '--endpoints') (a.endpoints = v), i++;
    else if (k === '--slice-size') (a.sliceSize = v), i++;
    else if (k === '--headless-every') (a.headlessEvery = v), i++;
    else if (k === '--churn') (a.churn = v), i++;
    else if (k === '--rate') (a.rate = v), i++;
    else if (k !== '--api') throw new Error(`unknown option ${k}`);
  }
  a.services = Math.max(1, Math.round(a.services * scale));
  a.endpoints = Math.max(1, Math.round(a.endpoints * scale));
  a.churn = Math.max(1, Math.round(a.churn * scale));
  for (const [k, v] of Object.entries(a)) if (typeof v === 'number' && !(v > 0)) throw new Error(`--${k} must be > 0`);
  return a;
}

// ---- the fake API server process ----

const ip = (n: number) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
const svcName = (i: number) => `svc-${i}`;
const nsName = (i: number) => `ns-${i % 100}`;

function sliceObj(i: number, part: number, first: number, count: number, trigger: string): KubeObject {
  const endpoints = [];
  for (let e = 0; e < count; e++) {
    const n = first + e;
    endpoints.push({ addresses: [ip(0x0a0000 + n)], conditions: { ready: true, serving: true, terminating: false }, nodeName: `node-${n % 5000}`, targetRef: { kind: 'Pod', namespace: nsName(i), name: `${svcName(i)}-${e}`, uid: `pod-uid-${n}` }, zone: 'zone-a' });
  }
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      namespace: nsName(i),
      name: `${svcName(i)}-${part}`,
      labels: { 'kubernetes.io/service-name': svcName(i), 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', app: svcName(i) },
      annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': trigger },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: svcName(i), uid: `svc-uid-${i}`, controller: true, blockOwnerDeletion: true }],
    },
    addressType: 'IPv4',
    endpoints,
    ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
  };
}

async function apiProcess(a: Args): Promise<void> {
  const fake = await FakeApiServer.start({ maxHistory: 1_000_000 });
  const perService = Math.ceil(a.endpoints / a.services);
  const slicesOf: Array<{ i: number; part: number; first: number; count: number }> = [];
  const old = new Date(Date.now() - 3600_000).toISOString();
  let n = 0;
  for (let ns = 0; ns < Math.min(100, a.services); ns++) fake.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: nsName(ns) } });
  for (let i = 0; i < a.services && n < a.endpoints; i++) {
    const hl = i % a.headlessEvery === 0;
    fake.create('services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { namespace: nsName(i), name: svcName(i), labels: { app: svcName(i) }, uid: `svc-uid-${i}` },
      spec: { type: 'ClusterIP', clusterIP: hl ? 'None' : ip(0x600000 + i), clusterIPs: [hl ? 'None' : ip(0x600000 + i)], ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }], selector: { app: svcName(i) }, sessionAffinity: 'None', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', internalTrafficPolicy: 'Cluster' },
      status: { loadBalancer: {} },
    });
    const count = Math.min(perService, a.endpoints - n);
    const addrs: { ip: string; targetRef: object }[] = [];
    for (let part = 0, done = 0; done < count; part++) {
      const c = Math.min(a.sliceSize, count - done);
      slicesOf.push({ i, part, first: n + done, count: c });
      fake.create('endpointslices', sliceObj(i, part, n + done, c, old));
      done += c;
    }
    if (a.endpointsObjects) {
      for (let e = 0; e < count; e++) addrs.push({ ip: ip(0x0a0000 + n + e), targetRef: { kind: 'Pod', namespace: nsName(i), name: `${svcName(i)}-${e}` } });
      fake.create('endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { namespace: nsName(i), name: svcName(i), labels: { app: svcName(i) } }, subsets: [{ addresses: addrs, ports: [{ name: 'http', protocol: 'TCP', port: 8080 }] }] });
    }
    n += count;
  }
  const headlessSlices = slicesOf.filter((s) => s.i % a.headlessEvery === 0);
  process.send!({ ready: true, url: fake.url, token: fake.token, services: fake.count('services'), slices: fake.count('endpointslices'), endpointsObjects: fake.count('endpoints'), endpoints: n });
  process.on('message', (m: { op: string }) => {
    if (m.op === 'expire') {
      fake.expireHistory('event');
      process.send!({ expired: true });
    } else if (m.op === 'churn') {
      // Bounded: a.churn updates at a.rate per second, in 10 ms ticks.
      let sent = 0;
      const perTick = Math.max(1, Math.round(a.rate / 100));
      const t = setInterval(() => {
        for (let k = 0; k < perTick && sent < a.churn; k++, sent++) {
          const s = headlessSlices[sent % headlessSlices.length];
          // Move one endpoint to a new address, stamped with the change time.
          const o = sliceObj(s.i, s.part, s.first, s.count, new Date().toISOString());
          (o.endpoints as { addresses: string[] }[])[0].addresses = [ip(0x800000 + sent)];
          fake.update('endpointslices', o);
        }
        if (sent >= a.churn) {
          clearInterval(t);
          process.send!({ churned: sent });
        }
      }, 10);
    } else if (m.op === 'stop') {
      void fake.close().then(() => process.exit(0));
    }
  });
}

// ---- the measuring process ----

const mb = (b: number) => (b / 1048576).toFixed(1);
const gc = (globalThis as { gc?: () => void }).gc;

function settle(): void {
  if (gc) for (let i = 0; i < 3; i++) gc();
}

function waitMsg<T>(child: ChildProcess, key: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: Record<string, unknown>) => {
      if (key in m) {
        child.off('message', on);
        resolve(m as T);
      }
    };
    child.on('message', on);
  });
}

function pct(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(a: Args): Promise<void> {
  console.log(`machine: ${cpus()[0]?.model ?? '?'} x${cpus().length}, ${mb(totalmem())} MB, node ${process.version}${gc ? '' : ' (run with --expose-gc for settled RSS figures)'}`);
  const child = fork(__filename, ['--api', ...process.argv.slice(2)], { stdio: 'inherit' });
  const killChild = () => child.kill();
  process.on('exit', killChild);
  const ready = await waitMsg<{ url: string; token: string; services: number; slices: number; endpointsObjects: number; endpoints: number }>(child, 'ready');
  console.log(`fake API (pid ${child.pid}): ${ready.services} services, ${ready.endpoints} endpoints in ${ready.slices} EndpointSlices, ${ready.endpointsObjects} Endpoints objects`);

  settle();
  const base = process.memoryUsage();
  const kc = new (clientNode().KubeConfig)();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server: ready.url, skipTLSVerify: true }],
    users: [{ name: 'fake', token: ready.token }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
    currentContext: 'fake',
  });
  settle();
  const withLib = process.memoryUsage();

  const store = new ClusterStore();
  const latencies: number[] = [];
  let relisted = 0;
  const source = new KubernetesSource(store, {
    kubeconfig: null,
    context: null,
    watchPods: false,
    serviceSelector: null,
    namespaceSelector: null,
    startupTimeoutMs: 600_000,
    kubeConfig: kc,
    log: (level, msg) => {
      if (/re-listed/.test(msg)) relisted++;
      if (level === 'warn' || level === 'error') console.log(`  source ${level}: ${msg}`);
    },
    observer: { programmingLatency: (s) => latencies.push(s), eventApplied: () => {} },
  });

  const t0 = performance.now();
  await source.start();
  const syncMs = performance.now() - t0;
  if (!store.synced) throw new Error('not synced');
  settle();
  const synced = process.memoryUsage();

  // Forced re-list of every kind: peak RSS sampled every 20 ms while it runs.
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const t1 = performance.now();
  child.send({ op: 'expire' });
  while (relisted < 4) await new Promise((r) => setTimeout(r, 5));
  const relistMs = performance.now() - t1;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  settle();
  const afterRelist = process.memoryUsage();

  // Programming latency under a stream of EndpointSlice changes.
  child.send({ op: 'churn' });
  const churned = (await waitMsg<{ churned: number }>(child, 'churned')).churned;
  const until = performance.now() + 10_000;
  while (latencies.length < churned && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
  const lat = latencies.slice().sort((x, y) => x - y);

  await source.stop();
  child.send({ op: 'stop' });

  const rows: [string, string][] = [
    ['objects', `${ready.services} services, ${ready.slices} slices, ${ready.endpointsObjects} Endpoints, ${ready.endpoints} endpoints`],
    ['baseline RSS / heap (before client-node)', `${mb(base.rss)} MB / ${mb(base.heapUsed)} MB`],
    ['client-node loaded (heap / RSS delta)', `${mb(withLib.heapUsed - base.heapUsed)} MB / ${mb(withLib.rss - base.rss)} MB`],
    ['time to first sync', `${syncMs.toFixed(0)} ms`],
    ['RSS / heap / external after sync', `${mb(synced.rss)} MB / ${mb(synced.heapUsed)} MB / ${mb(synced.external)} MB`],
    ['re-list of every kind (410)', `${relistMs.toFixed(0)} ms, peak RSS ${mb(peak)} MB`],
    ['RSS / heap after re-list', `${mb(afterRelist.rss)} MB / ${mb(afterRelist.heapUsed)} MB`],
    [`programming latency (${lat.length}/${churned} changes at ${a.rate}/s)`, `p50 ${(pct(lat, 50) * 1000).toFixed(1)} ms, p99 ${(pct(lat, 99) * 1000).toFixed(1)} ms, max ${(lat[lat.length - 1] * 1000).toFixed(1)} ms`],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(w)}  ${v}`);
  console.log(
    JSON.stringify({
      services: ready.services,
      endpoints: ready.endpoints,
      syncMs: Math.round(syncMs),
      rssAfterSyncMB: Number(mb(synced.rss)),
      heapAfterSyncMB: Number(mb(synced.heapUsed)),
      relistMs: Math.round(relistMs),
      relistPeakRssMB: Number(mb(peak)),
      rssAfterRelistMB: Number(mb(afterRelist.rss)),
      latencyP50Ms: Number((pct(lat, 50) * 1000).toFixed(2)),
      latencyP99Ms: Number((pct(lat, 99) * 1000).toFixed(2)),
      gc: !!gc,
    }),
  );
  process.off('exit', killChild);
}

const args = parseArgs(process.argv.slice(2));
(process.argv.includes('--api') ? apiProcess(args) : measure(args)).catch((err) => {
  console.error(err);
  process.exit(1);
});
