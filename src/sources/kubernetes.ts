// The Kubernetes API as a source of cluster objects (DESIGN §2, sources/): one reflector per
// resource (kube-reflector.ts) feeding one ClusterSink. This file owns what spans resources:
// first sync and the startup timeout (SPEC §3: SERVFAIL, not NXDOMAIN, before the first
// complete sync), the EndpointSet kind fed by two resources, metrics hooks and status.
import { performance } from 'node:perf_hooks';
import type { ClusterSink, EndpointSetRecord, ObjectKind, ServiceRecord } from '../cluster/types';
import { DEFAULT_BACKOFF, type BackoffOptions } from './kube-backoff';
import type { KubeConfig as K8sKubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig, selectContext } from './kube-client';
import { endpointAccess } from './kube-access';
import { Reflector, type LogFn, type ReflectorHost, type SlimRecord } from './kube-reflector';
import { RESOURCES, type ResourceName } from './kube-resources';

export interface KubernetesObserver {
  /** From an EndpointSlice's/Endpoints' last-change-trigger-time to applied; headless services only, as CoreDNS. */
  programmingLatency(seconds: number): void;
  /** A watch event changed the sink: `kind` is the resource (services, endpointslices, ...), seconds from read to applied. */
  eventApplied(kind: string, seconds: number): void;
}

export interface KubernetesSourceOptions {
  /** kubeconfig file; null: in-cluster service account, else $KUBECONFIG, else ~/.kube/config. */
  kubeconfig: string | null;
  /** Context of the kubeconfig; null: its current-context. */
  context: string | null;
  /** API server URL used without credentials instead (Corefile `endpoint`); null/absent: kubeconfig. */
  endpoint?: string | null;
  /** Watch pods too (pods mode `verified`). */
  watchPods: boolean;
  /** Label selector for services, and for their EndpointSlices/Endpoints (which carry the Service's labels). */
  serviceSelector: string | null;
  namespaceSelector: string | null;
  /** start() resolves after this long even without a complete first sync. */
  startupTimeoutMs: number;
  log: LogFn;
  observer?: KubernetesObserver;
  /** Use this KubeConfig (tests, tools) instead of loading one; `context` still applies. */
  kubeConfig?: K8sKubeConfig;
  /** Retry delays; default 800 ms doubling to 30 s. Tests use a small base. */
  backoff?: BackoffOptions;
  /** `limit` per list page (default 500); 0 lists in one response. */
  pageSize?: number;
  /** Watch timeoutSeconds base (default 300; each watch asks for [base, 2*base)). */
  watchTimeoutSeconds?: number;
  /** Idle limit of a list request, ms (default 60000). */
  requestTimeoutMs?: number;
}

export interface KindStatus {
  synced: boolean;
  connected: boolean;
  lastError: string | null;
  resourceVersion: string;
}

export interface KubernetesStatus {
  synced: boolean;
  kinds: Record<string, KindStatus>;
}

// The sink's methods are generic over the kind; a reflector knows its kind only at run time.
interface LooseSink {
  upsert(kind: ObjectKind, record: SlimRecord): void;
  remove(kind: ObjectKind, key: string): void;
  replaceKind(kind: ObjectKind, records: SlimRecord[]): void;
  markSynced(): void;
}

/**
 * core/v1 Endpoints that have no EndpointSlice twin. The EndpointSlice controllers mirror every
 * Endpoints object into slices except those carrying this label, so only these add anything;
 * watching the rest would hold every endpoint of the cluster twice (measured with
 * bench/scale-api.ts at 10,000 services / 150,000 endpoints: 305 MB RSS and p99 programming
 * latency 278 ms with all Endpoints, 209 MB and 31 ms without). The API server filters, so the
 * mirrored objects never cross the wire.
 */
export const UNMIRRORED = 'endpointslice.kubernetes.io/skip-mirror=true';

function joinSelectors(a: string | null, b: string): string {
  return a ? `${a},${b}` : b;
}

export class KubernetesSource implements ReflectorHost {
  private readonly sink: LooseSink;
  private readonly reflectors: Reflector[];
  private readonly services: Reflector;
  private synced = false;
  private startPromise: Promise<void> | null = null;
  private release: (() => void) | null = null;
  private startupTimer: NodeJS.Timeout | null = null;
  private startedAt = 0;

  /** Throws KubeConfigError (CDNS_SOURCES_KUBECONFIG) when no usable kubeconfig is found. */
  constructor(
    sink: ClusterSink,
    private readonly opts: KubernetesSourceOptions,
  ) {
    this.sink = sink as unknown as LooseSink;
    const kc = opts.kubeConfig ? selectContext(opts.kubeConfig, null, opts.context) : opts.endpoint ? endpointAccess(opts.endpoint) : loadKubeConfig(opts.kubeconfig, opts.context);
    const names: ResourceName[] = ['services', 'endpointslices', 'endpoints', 'namespaces'];
    if (opts.watchPods) names.push('pods');
    const selectorOf = (n: ResourceName): string | null =>
      n === 'namespaces' ? opts.namespaceSelector : n === 'pods' ? null : n === 'endpoints' ? joinSelectors(opts.serviceSelector, UNMIRRORED) : opts.serviceSelector;
    this.reflectors = names.map(
      (n) =>
        new Reflector(RESOURCES[n], this, {
          kc,
          labelSelector: selectorOf(n),
          backoff: opts.backoff ?? DEFAULT_BACKOFF,
          pageSize: opts.pageSize ?? 500,
          watchTimeoutSeconds: opts.watchTimeoutSeconds ?? 300,
          requestTimeoutMs: opts.requestTimeoutMs ?? 60_000,
          log: opts.log,
        }),
    );
    this.services = this.reflectors[0];
  }

  /** Starts every list+watch; resolves after the first sync of every kind or after startupTimeoutMs. */
  start(): Promise<void> {
    if (this.startPromise) return this.startPromise;
    this.startedAt = performance.now();
    this.startPromise = new Promise<void>((resolve) => {
      this.release = resolve;
      this.startupTimer = setTimeout(() => this.startupTimedOut(), Math.max(0, this.opts.startupTimeoutMs));
    });
    for (const r of this.reflectors) r.start();
    return this.startPromise;
  }

  async stop(): Promise<void> {
    if (this.startupTimer) clearTimeout(this.startupTimer);
    this.startupTimer = null;
    await Promise.all(this.reflectors.map((r) => r.stop()));
    this.release?.();
  }

  status(): KubernetesStatus {
    const kinds: Record<string, KindStatus> = {};
    for (const r of this.reflectors) {
      kinds[r.def.name] = { synced: r.listed, connected: r.connected, lastError: r.lastError, resourceVersion: r.resourceVersion };
    }
    return { synced: this.synced, kinds };
  }

  // ReflectorHost: every sink call happens here.

  upserted(r: Reflector, record: SlimRecord, receivedAt: number): void {
    if (!this.toSink(r, 'upsert', () => this.sink.upsert(r.def.sinkKind, record))) return;
    const obs = this.opts.observer;
    if (!obs) return;
    obs.eventApplied(r.def.name, (performance.now() - receivedAt) / 1000);
    if (r.def.sinkKind === 'EndpointSet') {
      const set = record as EndpointSetRecord;
      if (set.triggerTime > 0 && this.headless(set.namespace, set.service)) {
        obs.programmingLatency(Math.max(0, (Date.now() - set.triggerTime) / 1000));
      }
    }
  }

  removed(r: Reflector, key: string, receivedAt: number): void {
    if (!this.toSink(r, 'remove', () => this.sink.remove(r.def.sinkKind, key))) return;
    this.opts.observer?.eventApplied(r.def.name, (performance.now() - receivedAt) / 1000);
  }

  /**
   * A complete list of one resource: one replaceKind for its kind. EndpointSet is fed by
   * EndpointSlices and Endpoints; the swap carries both resources' current records, so a
   * re-list of one never drops the other's.
   */
  listed(r: Reflector, first: boolean): void {
    const kind = r.def.sinkKind;
    const records: SlimRecord[] = [];
    for (const x of this.reflectors) {
      if (x.def.sinkKind === kind) for (const rec of x.records.values()) records.push(rec);
    }
    this.toSink(r, 'replaceKind', () => this.sink.replaceKind(kind, records));
    if (first) this.checkSynced();
  }

  private checkSynced(): void {
    if (this.synced || !this.reflectors.every((r) => r.listed)) return;
    this.synced = true;
    const ms = Math.round(performance.now() - this.startedAt);
    this.opts.log('info', `synced: first list of ${this.reflectors.map((r) => r.def.name).join(', ')} complete in ${ms} ms`, { ms });
    try {
      this.sink.markSynced();
    } catch (err) {
      this.opts.log('error', `sink.markSynced failed: ${(err as Error).message}`, { code: 'CDNS_SOURCES_SINK' });
    }
    if (this.startupTimer) clearTimeout(this.startupTimer);
    this.startupTimer = null;
    this.release?.();
  }

  private startupTimedOut(): void {
    this.startupTimer = null;
    if (!this.synced) {
      const missing = this.reflectors
        .filter((r) => !r.listed)
        .map((r) => `${r.def.name} (${r.lastError ?? 'no answer yet'})`);
      this.opts.log(
        'warn',
        `startup: serving after ${this.opts.startupTimeoutMs} ms without a first sync of ${missing.join(', ')}; ` +
          'names that would be NXDOMAIN answer SERVFAIL until it completes',
        { code: 'CDNS_SOURCES_STARTUP_TIMEOUT', missing: this.reflectors.filter((r) => !r.listed).map((r) => r.def.name) },
      );
    }
    this.release?.();
  }

  private headless(namespace: string, service: string): boolean {
    const svc = this.services.records.get(`${namespace}/${service}`) as ServiceRecord | undefined;
    return svc !== undefined && svc.kind === 'Headless';
  }

  /** A throwing sink is our bug, not the API server's: log it and keep the watch alive. */
  private toSink(r: Reflector, op: string, call: () => void): boolean {
    try {
      call();
      return true;
    } catch (err) {
      this.opts.log('error', `${r.def.name}: sink.${op} failed: ${(err as Error).message}`, { code: 'CDNS_SOURCES_SINK', resource: r.def.name });
      return false;
    }
  }
}
