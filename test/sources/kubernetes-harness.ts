// Shared pieces of the Kubernetes source tests: a sink that records every call, API object
// builders, a poll-until helper that fails loudly, and a source wired to a FakeApiServer.
import { recordKey, type ClusterObjects, type ClusterSink, type KindRecords, type ObjectKind } from '../../src/cluster/types';
import { clientNode } from '../../src/sources/kube-client';
import { KubernetesSource, type KubernetesSourceOptions } from '../../src/sources/kubernetes';
import type { FakeApiServer, KubeObject } from '../support/fake-apiserver';

export type Call =
  | { op: 'upsert'; kind: ObjectKind; key: string }
  | { op: 'remove'; kind: ObjectKind; key: string }
  | { op: 'replaceKind'; kind: ObjectKind; keys: string[] }
  | { op: 'replaceAll' }
  | { op: 'markSynced' };

type AnyRecord = KindRecords[ObjectKind];

/** A ClusterSink that keeps the current view and a log of every call. */
export class RecordingSink implements ClusterSink {
  readonly calls: Call[] = [];
  readonly view: Record<ObjectKind, Map<string, AnyRecord>> = { Service: new Map(), EndpointSet: new Map(), Pod: new Map(), Namespace: new Map() };
  synced = false;

  upsert<K extends ObjectKind>(kind: K, record: KindRecords[K]): void {
    const key = recordKey(kind, record);
    this.calls.push({ op: 'upsert', kind, key });
    this.view[kind].set(key, record);
  }
  remove(kind: ObjectKind, key: string): void {
    this.calls.push({ op: 'remove', kind, key });
    this.view[kind].delete(key);
  }
  replaceKind<K extends ObjectKind>(kind: K, records: KindRecords[K][]): void {
    const keys = records.map((r) => recordKey(kind, r));
    this.calls.push({ op: 'replaceKind', kind, keys });
    this.view[kind] = new Map(records.map((r, i) => [keys[i], r]));
  }
  replaceAll(_objects: ClusterObjects): void {
    this.calls.push({ op: 'replaceAll' });
    throw new Error('the API source never calls replaceAll');
  }
  markSynced(): void {
    this.calls.push({ op: 'markSynced' });
    this.synced = true;
  }
  held<K extends ObjectKind>(kind: K, key: string): KindRecords[K] | undefined {
    return this.view[kind].get(key) as KindRecords[K] | undefined;
  }
  keys(kind: ObjectKind): string[] {
    return [...this.view[kind].keys()].sort();
  }
  get(kind: ObjectKind, key: string): AnyRecord | undefined {
    return this.view[kind].get(key);
  }
  /** Calls made from index `from` on. */
  since(from: number): Call[] {
    return this.calls.slice(from);
  }
}

/** Polls `check` every 10 ms; throws `what` with the last state after `ms`. */
export async function waitFor(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LogLine {
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
}

export interface Harness {
  source: KubernetesSource;
  sink: RecordingSink;
  logs: LogLine[];
  logsMatching(re: RegExp): LogLine[];
}

/** A KubernetesSource on `fake`, small backoff, logs captured. Call `source.stop()` in cleanup. */
export function makeSource(fake: FakeApiServer, over: Partial<KubernetesSourceOptions> = {}): Harness {
  const kc = new (clientNode().KubeConfig)();
  kc.loadFromOptions(fake.kubeConfigOptions());
  const sink = new RecordingSink();
  const logs: LogLine[] = [];
  const source = new KubernetesSource(sink, {
    kubeconfig: null,
    context: null,
    watchPods: false,
    serviceSelector: null,
    namespaceSelector: null,
    startupTimeoutMs: 5000,
    log: (level, msg, fields) => logs.push({ level, msg, fields: fields as Record<string, unknown> }),
    kubeConfig: kc,
    backoff: { baseMs: 20, capMs: 200 },
    ...over,
  });
  return { source, sink, logs, logsMatching: (re) => logs.filter((l) => re.test(l.msg)) };
}

// ---- API objects as the API server stores them ----

export function service(ns: string, name: string, extra: { clusterIP?: string; labels?: Record<string, string>; port?: number } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: ns, name, labels: extra.labels ?? { app: name }, managedFields: [{ manager: 'kubectl', operation: 'Apply' }] },
    spec: {
      type: 'ClusterIP',
      clusterIP: extra.clusterIP ?? '10.96.0.10',
      clusterIPs: [extra.clusterIP ?? '10.96.0.10'],
      ports: [{ name: 'http', protocol: 'TCP', port: extra.port ?? 80, targetPort: 8080 }],
      selector: { app: name },
    },
    status: { loadBalancer: {} },
  };
}

export function headless(ns: string, name: string): KubeObject {
  const s = service(ns, name);
  (s.spec as Record<string, unknown>).clusterIP = 'None';
  (s.spec as Record<string, unknown>).clusterIPs = ['None'];
  return s;
}

export function slice(ns: string, svc: string, name: string, ips: string[], opts: { labels?: Record<string, string>; trigger?: string } = {}): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      namespace: ns,
      name,
      labels: { 'kubernetes.io/service-name': svc, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io', ...opts.labels },
      annotations: opts.trigger ? { 'endpoints.kubernetes.io/last-change-trigger-time': opts.trigger } : {},
    },
    addressType: 'IPv4',
    endpoints: ips.map((ip, i) => ({ addresses: [ip], conditions: { ready: true }, targetRef: { kind: 'Pod', name: `${svc}-${i}`, namespace: ns } })),
    ports: [{ name: 'http', protocol: 'TCP', port: 8080 }],
  };
}

/**
 * A core/v1 Endpoints object of a Service without slices: labelled skip-mirror, the only kind
 * the source watches (sources/kubernetes.ts UNMIRRORED). `mirrored: true` leaves the label off.
 */
export function endpoints(ns: string, name: string, ips: string[], labels: Record<string, string> = {}, mirrored = false): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { namespace: ns, name, labels: mirrored ? labels : { 'endpointslice.kubernetes.io/skip-mirror': 'true', ...labels } },
    subsets: [{ addresses: ips.map((ip) => ({ ip })), ports: [{ name: 'http', protocol: 'TCP', port: 8080 }] }],
  };
}

export function namespace(name: string, labels: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
}

export function pod(ns: string, name: string, ip: string, phase = 'Running'): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: ns, name }, spec: { containers: [{ name: 'c', image: 'x' }] }, status: { phase, podIP: ip, podIPs: [{ ip }] } };
}
