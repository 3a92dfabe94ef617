// Where the API server is and how to authenticate to it, chosen in the order DESIGN §3 gives
// for --kubeconfig (in-cluster service account, else $KUBECONFIG, else ~/.kube/config). The
// service account and plain token/certificate kubeconfigs are read by kube-access.ts; anything
// else (exec plugins, auth providers...) by @kubernetes/client-node's KubeConfig, loaded only
// then (+62 MB RSS, issue 13). The list and watch requests are our own (kube-http.ts, README
// "Why not makeInformer").
import type * as K8s from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { AccessError, fileAccess, inClusterAccess, type ApiAccess } from './kube-access';

/** What the requests need: client-node's KubeConfig or kube-access.ts's reader. */
export type KubeConfig = ApiAccess;

/** The kubeconfig could not be loaded or names no usable cluster. */
export class KubeConfigError extends Error {
  readonly code = 'CDNS_SOURCES_KUBECONFIG';
  constructor(
    readonly file: string | null,
    readonly why: string,
  ) {
    super(`${file ?? 'kubeconfig'}: ${why}`);
    this.name = 'KubeConfigError';
  }
}

let lib: typeof K8s | null = null;

/**
 * client-node, loaded on first use. It is an ES module of ~950 files: requiring it takes
 * ~200 ms and ~30 MB of heap (measured, Node 20.20), so --snapshot mode never pays for it.
 * tsc's CommonJS output turns this into require(), which loads ES modules on Node >= 20.19.
 */
export function clientNode(): typeof K8s {
  if (lib === null) lib = require('@kubernetes/client-node') as typeof K8s;
  return lib;
}

const SA_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

function inCluster(): boolean {
  return !!process.env.KUBERNETES_SERVICE_HOST && !!process.env.KUBERNETES_SERVICE_PORT && existsSync(SA_TOKEN);
}

/**
 * Builds the KubeConfig for `kubeconfig` (a file path, or null for the default order) and
 * `context` (null: the file's current-context). Throws KubeConfigError; never falls back to
 * client-node's last resort, an unauthenticated http://localhost:8080.
 */
export function loadKubeConfig(kubeconfig: string | null, context: string | null): KubeConfig {
  // Without client-node where a file read is all it takes.
  const envFile = process.env.KUBECONFIG || null;
  if (kubeconfig === null && context === null && inCluster()) return inClusterAccess();
  const simpleFile = kubeconfig ?? (inCluster() ? null : envFile && !envFile.includes(delimiter) ? envFile : envFile === null && existsSync(join(homedir(), '.kube', 'config')) ? join(homedir(), '.kube', 'config') : null);
  if (simpleFile !== null) {
    try {
      const access = fileAccess(simpleFile, context);
      if (access !== null) return access;
    } catch (err) {
      if (err instanceof AccessError) throw new KubeConfigError(simpleFile, err.message);
      throw new KubeConfigError(simpleFile, `cannot load: ${(err as Error).message}`);
    }
  }
  const kc = new (clientNode().KubeConfig)();
  let file: string | null = kubeconfig;
  try {
    if (kubeconfig !== null) {
      kc.loadFromFile(kubeconfig);
    } else if (inCluster()) {
      file = SA_TOKEN;
      kc.loadFromCluster();
    } else {
      const home = join(homedir(), '.kube', 'config');
      file = process.env.KUBECONFIG || (existsSync(home) ? home : null);
      if (file === null) {
        throw new KubeConfigError(
          null,
          'not running in a cluster (KUBERNETES_SERVICE_HOST unset or no service account token), $KUBECONFIG unset and ~/.kube/config missing; pass --kubeconfig',
        );
      }
      kc.loadFromDefault();
    }
  } catch (err) {
    if (err instanceof KubeConfigError) throw err;
    throw new KubeConfigError(file, `cannot load: ${(err as Error).message}`);
  }
  return selectContext(kc, file, context);
}

/** Applies --context and checks that a cluster with a server URL is selected. */
export function selectContext(kc: K8s.KubeConfig, file: string | null, context: string | null): K8s.KubeConfig {
  if (context !== null) {
    if (!kc.getContextObject(context)) {
      const known = kc.getContexts().map((c) => c.name).join(', ') || 'none';
      throw new KubeConfigError(file, `context "${context}" not found (contexts: ${known})`);
    }
    kc.setCurrentContext(context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster || !cluster.server) {
    throw new KubeConfigError(file, `context "${kc.getCurrentContext()}" names no cluster with a server URL`);
  }
  // A plain http:// server (`kubectl proxy`) has no TLS to verify, and kubectl takes it as it
  // is; client-node 1.x refuses to build credentials for it unless skipTLSVerify is set.
  if (/^http:/i.test(cluster.server) && !cluster.skipTLSVerify) {
    kc.clusters = kc.clusters.map((c) => (c.name === cluster.name ? { ...c, skipTLSVerify: true } : c));
  }
  return kc;
}
