// Credentials for the API server without @kubernetes/client-node, for the configurations that
// need nothing more than a file read: the in-cluster service account (how clusterdns runs in
// production) and kubeconfig files whose user is a token, a token file or a client certificate.
//
// Why not client-node's KubeConfig: its module imports the whole generated API client
// (dist/gen/index.js, ~900 files); measured with bench/deps-rss.mjs, requiring it costs
// +62 MB RSS (+27 MB heap) for a class that reads a YAML file and sets a header: a third of
// the issue-13 budget of the whole server at 150,000 endpoints. client-node cannot be loaded
// in part (dist/config.js imports gen/index.js itself). Anything this reader does not handle
// (exec plugins, auth providers, basic auth, proxies, TLS server names, several $KUBECONFIG
// files) returns null, and kube-client.ts loads client-node exactly as before.
import fs from 'node:fs';
import type * as https from 'node:https';
import path from 'node:path';
import type * as JsYaml from 'js-yaml';

/** What a list or watch request needs from the configuration (kube-http.ts). */
export interface ApiAccess {
  /** Sets TLS options and the Authorization header; token files are read per request (rotation). */
  applyToHTTPSOptions(opts: https.RequestOptions): Promise<void>;
  getCurrentCluster(): { server: string } | null;
}

/** Thrown for a configuration this reader understands and finds wrong. */
export class AccessError extends Error {}

class StaticAccess implements ApiAccess {
  constructor(
    private readonly server: string,
    private readonly tls: { ca?: Buffer; cert?: Buffer; key?: Buffer; insecure: boolean },
    private readonly token: { value?: string; file?: string },
  ) {}

  async applyToHTTPSOptions(opts: https.RequestOptions): Promise<void> {
    if (this.tls.ca) opts.ca = this.tls.ca;
    if (this.tls.cert) opts.cert = this.tls.cert;
    if (this.tls.key) opts.key = this.tls.key;
    opts.rejectUnauthorized = !this.tls.insecure;
    const token = this.token.file ? (await fs.promises.readFile(this.token.file, 'utf8')).trim() : this.token.value;
    if (token) opts.headers = { ...(opts.headers as Record<string, string>), Authorization: `Bearer ${token}` };
  }

  getCurrentCluster(): { server: string } {
    return { server: this.server };
  }
}

/**
 * An API server URL with no credentials (CoreDNS `kubernetes { endpoint URL }` without `tls`):
 * what `kubectl proxy` serves, or an API server that allows anonymous list/watch.
 */
export function endpointAccess(url: string): ApiAccess {
  return new StaticAccess(url.replace(/\/+$/, ''), { insecure: false }, {});
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The in-cluster service account, as client-node's loadFromCluster reads it. */
export function inClusterAccess(): ApiAccess {
  const host = process.env.KUBERNETES_SERVICE_HOST!;
  const port = process.env.KUBERNETES_SERVICE_PORT!;
  const h = host.includes(':') ? `[${host}]` : host;
  const ca = path.join(SA_DIR, 'ca.crt');
  return new StaticAccess(`https://${h}:${port}`, { ca: fs.existsSync(ca) ? fs.readFileSync(ca) : undefined, insecure: false }, { file: path.join(SA_DIR, 'token') });
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const named = (list: unknown, name: string, field: string): Obj | undefined => {
  if (!Array.isArray(list)) return undefined;
  const e = list.find((x) => isObj(x) && x.name === name) as Obj | undefined;
  return e && isObj(e[field]) ? (e[field] as Obj) : undefined;
};

// Keys this reader applies; any other key of the selected user or cluster needs client-node.
const USER_KEYS = new Set(['token', 'tokenFile', 'client-certificate', 'client-certificate-data', 'client-key', 'client-key-data']);
const CLUSTER_KEYS = new Set(['server', 'certificate-authority', 'certificate-authority-data', 'insecure-skip-tls-verify', 'extensions']);

/**
 * The access a kubeconfig file gives for `context` (null: its current-context), or null when
 * it needs client-node. Throws AccessError for an unknown context or a cluster without server
 * (the same messages as kube-client.ts selectContext), fs errors for an unreadable file.
 */
export function fileAccess(file: string, context: string | null): ApiAccess | null {
  // js-yaml is required here, not at start: a --snapshot start, or the in-cluster service
  // account, does not pay for it in resident memory (issue 13).
  const doc = (require('js-yaml') as typeof JsYaml).load(fs.readFileSync(file, 'utf8'));
  if (!isObj(doc)) return null;
  const contexts = Array.isArray(doc.contexts) ? doc.contexts.filter(isObj) : [];
  const name = context ?? (typeof doc['current-context'] === 'string' ? doc['current-context'] : '');
  const ctx = named(contexts, name, 'context');
  if (!ctx) {
    if (context === null) return null; // client-node's own defaults and messages
    throw new AccessError(`context "${context}" not found (contexts: ${contexts.map((c) => String(c.name)).join(', ') || 'none'})`);
  }
  const cluster = named(doc.clusters, String(ctx.cluster ?? ''), 'cluster');
  const user = ctx.user === undefined ? {} : named(doc.users, String(ctx.user), 'user');
  if (!cluster || !user) return null;
  if (Object.keys(user).some((k) => !USER_KEYS.has(k)) || Object.keys(cluster).some((k) => !CLUSTER_KEYS.has(k))) return null;
  if (typeof cluster.server !== 'string' || cluster.server === '') throw new AccessError(`context "${name}" names no cluster with a server URL`);
  const dir = path.dirname(path.resolve(file));
  const bytes = (data: unknown, p: unknown): Buffer | undefined =>
    typeof data === 'string' && data !== '' ? Buffer.from(data, 'base64') : typeof p === 'string' && p !== '' ? fs.readFileSync(path.resolve(dir, p)) : undefined;
  const server = cluster.server.replace(/\/+$/, '');
  return new StaticAccess(
    server,
    {
      ca: bytes(cluster['certificate-authority-data'], cluster['certificate-authority']),
      cert: bytes(user['client-certificate-data'], user['client-certificate']),
      key: bytes(user['client-key-data'], user['client-key']),
      // kubectl takes a plain http:// server (`kubectl proxy`) as it is: no TLS to verify.
      insecure: cluster['insecure-skip-tls-verify'] === true || /^http:/i.test(server),
    },
    // kubectl: a token wins over a token file.
    typeof user.token === 'string' && user.token !== '' ? { value: user.token } : typeof user.tokenFile === 'string' && user.tokenFile !== '' ? { file: path.resolve(dir, user.tokenFile) } : {},
  );
}
