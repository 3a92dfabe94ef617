// What the cluster view costs in heap (issue 13): a generated cluster of API objects (with the
// metadata an API server adds, so that the slimming at the door does real work) is converted
// and loaded into a ClusterStore, and the heap it keeps is measured after full collections.
// Used by test/cluster/store-memory.test.ts (the CI ceiling) and bench/view-size.ts.
import v8 from 'node:v8';
import vm from 'node:vm';
import { ClusterStore } from '../../src/cluster/store';
import type { ClusterObjects } from '../../src/cluster/types';
import { convertObject } from '../../src/sources/convert';

/** A collector even without --expose-gc (jest workers): V8 hands it to a fresh context. */
function collector(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

function settledHeap(gc: () => void): number {
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
}

const ip4 = (n: number) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;

/** API objects of `services` Services (every tenth headless) with `perService` endpoints each, in one slice. */
export function* clusterObjects(services: number, perService: number): Generator<object> {
  for (let ns = 0; ns < 100; ns++) yield { kind: 'Namespace', metadata: { name: `ns-${ns}`, uid: `uid-ns-${ns}`, labels: { 'kubernetes.io/metadata.name': `ns-${ns}` } } };
  let n = 0;
  for (let i = 0; i < services; i++) {
    const namespace = `ns-${i % 100}`;
    const name = `svc-${i}`;
    const headless = i % 10 === 0;
    yield {
      kind: 'Service',
      metadata: { namespace, name, uid: `uid-svc-${i}`, labels: { app: name }, resourceVersion: String(i) },
      spec: {
        type: 'ClusterIP',
        clusterIP: headless ? 'None' : ip4(0x600000 + i),
        clusterIPs: [headless ? 'None' : ip4(0x600000 + i)],
        ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080 }, ...(i % 3 === 0 ? [{ name: 'grpc', protocol: 'TCP', port: 9090 }] : [])],
        selector: { app: name },
        ipFamilies: ['IPv4'],
      },
      status: { loadBalancer: {} },
    };
    const endpoints = [];
    for (let e = 0; e < perService; e++, n++) {
      endpoints.push({
        addresses: [ip4(0x0a0000 + n)],
        conditions: { ready: e % 7 !== 6, serving: true, terminating: false },
        ...(headless && e % 2 === 0 ? { hostname: `pod-${e}` } : {}),
        nodeName: `node-${n % 500}`,
        targetRef: { kind: 'Pod', namespace, name: `${name}-7d9f8b6c5-${(n * 7919).toString(36).slice(-5)}`, uid: `uid-pod-${n}` },
      });
    }
    yield {
      kind: 'EndpointSlice',
      metadata: {
        namespace,
        name: `${name}-abcde`,
        labels: { 'kubernetes.io/service-name': name, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
        annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': '2024-06-01T00:00:00Z' },
      },
      addressType: 'IPv4',
      endpoints,
      ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
    };
  }
}

function load(store: ClusterStore, services: number, perService: number, withEndpoints: boolean): void {
  const o: ClusterObjects = { services: [], endpointSets: [], pods: [], namespaces: [] };
  for (const raw of clusterObjects(services, perService)) {
    const c = convertObject(raw);
    if (c === null) continue;
    if (c.kind === 'Service') o.services.push(c.record);
    else if (c.kind === 'EndpointSet') {
      if (withEndpoints) o.endpointSets.push(c.record);
    } else if (c.kind === 'Namespace') o.namespaces.push(c.record);
  }
  store.replaceAll(o);
  store.markSynced();
}

export interface ViewSize {
  services: number;
  endpoints: number;
  /** Heap kept per Service (record, indexes), without endpoints. */
  bytesPerService: number;
  /** Heap kept per endpoint address (endpoint sets and their indexes). */
  bytesPerEndpoint: number;
}

/**
 * Heap kept by a store of `services` Services and `services * perService` endpoints, measured
 * as the difference of settled heaps: a store with the Services alone, then the same with
 * their endpoint sets. The smaller of `rounds` measurements is kept (noise only adds).
 */
export function measureView(services = 5000, perService = 10, rounds = 2): ViewSize {
  const gc = collector();
  let bestSvc = Infinity;
  let bestEp = Infinity;
  for (let r = 0; r < rounds; r++) {
    const h0 = settledHeap(gc);
    let store: ClusterStore | null = new ClusterStore();
    load(store, services, perService, false);
    const h1 = settledHeap(gc);
    store = null;
    settledHeap(gc);
    const h2 = settledHeap(gc);
    store = new ClusterStore();
    load(store, services, perService, true);
    const h3 = settledHeap(gc);
    if (store.services.size !== services) throw new Error('view not loaded');
    store = null;
    bestSvc = Math.min(bestSvc, (h1 - h0) / services);
    bestEp = Math.min(bestEp, (h3 - h2 - (h1 - h0)) / (services * perService));
  }
  return { services, endpoints: services * perService, bytesPerService: Math.round(bestSvc), bytesPerEndpoint: Math.round(bestEp) };
}
