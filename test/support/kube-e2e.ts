// The real server fed by the real Kubernetes source over real HTTP list/watch (issue 3): a
// kubeconfig file pointing at a FakeApiServer, the server started in-process from Options the
// way the CLI builds them (--kubeconfig, --context), alone (app.ts startServer) or with its ops
// endpoints (ops/serve.ts startServing); the source's reconnect bound; EndpointSlice objects.
// Probes: dns-probes.ts; log capture: capturing-logger.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startServer, type Running } from '../../src/app';
import { mergeOptions, type OptionsLayer } from '../../src/config/file';
import { DEFAULTS, type Options } from '../../src/config/options';
import { startServing, type Serving } from '../../src/ops/serve';
import { DEFAULT_BACKOFF } from '../../src/sources/kube-backoff';
import { CapturingLogger } from './capturing-logger';
import type { FakeApiServer, KubeObject } from './fake-apiserver';

// ---- kubeconfig ----

export interface KubeconfigOptions {
  /** current-context is a second context whose server refuses connections (127.0.0.1:1): only --context fake works. */
  decoy?: boolean;
  /**
   * `insecure-skip-tls-verify: true` on the fake's cluster (default true). client-node 1.4
   * refuses a plain http:// server without it ("HTTP protocol is not allowed when
   * skipTLSVerify is not set or false"), although kubectl accepts one (kubectl proxy).
   */
  skipTLSVerify?: boolean;
}

/**
 * Writes a kubeconfig (YAML, as kubectl writes it) into `dir`: context `fake` points at the
 * fake API server (http://127.0.0.1:port) with its bearer token.
 */
export function writeKubeconfig(fake: FakeApiServer, dir: string, o: KubeconfigOptions = {}): string {
  const file = path.join(dir, 'kubeconfig');
  const lines = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '  - name: fake',
    '    cluster:',
    `      server: ${fake.url}`,
    ...(o.skipTLSVerify === false ? [] : ['      insecure-skip-tls-verify: true']),
    '  - name: decoy',
    '    cluster:',
    '      server: http://127.0.0.1:1',
    'users:',
    '  - name: fake',
    '    user:',
    `      token: ${fake.token}`,
    'contexts:',
    '  - name: fake',
    '    context:',
    '      cluster: fake',
    '      user: fake',
    '  - name: decoy',
    '    context:',
    '      cluster: decoy',
    '      user: fake',
    `current-context: ${o.decoy ? 'decoy' : 'fake'}`,
    '',
  ];
  fs.writeFileSync(file, lines.join('\n'), { mode: 0o600 });
  return file;
}

// ---- the server ----

export interface KubeTestServer {
  running: Running;
  port: number;
  log: CapturingLogger;
  kubeconfig: string;
  /** How long startServer took to resolve, ms (the first sync, or the start-up timeout). */
  startMs: number;
  close(): Promise<void>;
}

/** Options as the CLI would build them for --kubeconfig <file> [--context fake], on 127.0.0.1:0. */
function kubeOptions(kubeconfig: string, layer: OptionsLayer, o: KubeconfigOptions): Options {
  return mergeOptions(DEFAULTS, {
    listen: [{ host: '127.0.0.1', port: 0 }],
    kubeconfig,
    context: o.decoy ? 'fake' : null,
    snapshot: null,
    health: null,
    ready: null,
    metrics: null,
    upstream: [],
    startupTimeoutMs: 5000,
    lameDuckMs: 0,
    ...layer,
  });
}

/**
 * The real server (src/app.ts startServer) on 127.0.0.1:0 with the Kubernetes source reading
 * `fake` through a kubeconfig file. Defaults: cache on (as in production), no upstreams, no
 * ops endpoints, startupTimeoutMs 5000. Register close() in cleanup right after.
 */
export async function startKubeServer(fake: FakeApiServer, layer: OptionsLayer = {}, o: KubeconfigOptions = {}): Promise<KubeTestServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clusterdns-kube-e2e-'));
  const kubeconfig = writeKubeconfig(fake, dir, o);
  const log = new CapturingLogger();
  const t0 = performance.now();
  let running: Running;
  try {
    running = await startServer(kubeOptions(kubeconfig, layer, o), log, { onLoop: () => undefined });
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const startMs = performance.now() - t0;
  let closed = false;
  return {
    running,
    port: running.ports[0],
    log,
    kubeconfig,
    startMs,
    async close() {
      if (closed) return;
      closed = true;
      await running.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface KubeTestServing extends KubeTestServer {
  serving: Serving;
  /** Ports of /health, /ready and /metrics on 127.0.0.1. */
  ops: { health: number; ready: number; metrics: number };
}

/**
 * The whole process minus signals (src/ops/serve.ts startServing): the same server plus
 * /health, /ready and /metrics on 127.0.0.1:0, and the source's metrics observer wired in.
 */
export async function startKubeServing(fake: FakeApiServer, layer: OptionsLayer = {}, o: KubeconfigOptions = {}): Promise<KubeTestServing> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clusterdns-kube-e2e-'));
  const kubeconfig = writeKubeconfig(fake, dir, o);
  const log = new CapturingLogger();
  const local = { host: '127.0.0.1', port: 0 };
  const t0 = performance.now();
  let serving: Serving;
  try {
    serving = await startServing(kubeOptions(kubeconfig, { health: local, ready: local, metrics: local, ...layer }, o), log, { processMetrics: false });
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const startMs = performance.now() - t0;
  let closed = false;
  return {
    serving,
    running: serving.running,
    port: serving.running.ports[0],
    ops: serving.opsPorts,
    log,
    kubeconfig,
    startMs,
    async close() {
      if (closed) return;
      closed = true;
      await serving.shutdown();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The longest a resource can take to reconnect after an outage of `outageMs` with the source's
 * own backoff (kube-backoff.ts, not configurable from Options): the retry scheduled last inside
 * the outage has a ceiling c with (c - base) / 2 <= outageMs (equal jitter: every delay is at
 * least half its ceiling), so it lands at most min(cap, 2 * outageMs + base) after the end.
 */
export function reconnectBoundMs(outageMs: number): number {
  // Issue 10 item 5: while the server does not answer, delays stop growing at unreachableCapMs.
  return Math.min(DEFAULT_BACKOFF.unreachableCapMs, 2 * outageMs + DEFAULT_BACKOFF.baseMs);
}

// ---- API objects ----

export interface EndpointSpec {
  ip: string;
  /** conditions.ready; default true. */
  ready?: boolean;
  hostname?: string;
  /** targetRef pod name; default `<svc>-<i>`. */
  pod?: string;
}

/** A discovery.k8s.io/v1 EndpointSlice of `svc` as the endpointslice controller writes it. */
export function endpointSlice(
  ns: string,
  svc: string,
  name: string,
  eps: EndpointSpec[],
  o: { addressType?: 'IPv4' | 'IPv6'; port?: number; labels?: Record<string, string> } = {},
): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      namespace: ns,
      name,
      // The controller copies the Service's labels onto its slices (what --service-selector relies on).
      labels: { ...o.labels, 'kubernetes.io/service-name': svc, 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
      annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': new Date().toISOString() },
    },
    addressType: o.addressType ?? 'IPv4',
    endpoints: eps.map((e, i) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true },
      ...(e.hostname ? { hostname: e.hostname } : {}),
      targetRef: { kind: 'Pod', namespace: ns, name: e.pod ?? `${svc}-${i}` },
    })),
    ports: [{ name: 'http', protocol: 'TCP', port: o.port ?? 8080 }],
  };
}
