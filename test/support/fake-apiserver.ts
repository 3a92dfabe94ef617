// A fake Kubernetes API server: the real REST paths and wire format of list and watch over real
// HTTP on 127.0.0.1:0, so @kubernetes/client-node's KubeConfig and sources/kube-http.ts run for
// real. It keeps an in-memory store with one global resourceVersion counter and an event
// history that watches resume from, and can misbehave on demand: 410 Gone (as an ERROR event or
// as HTTP 410), dropped connections, an outage (connections reset), 403 per resource, slow lists.
//
// Wire facts it copies from the API server: list items carry no kind/apiVersion, watch events
// do; a watch from resourceVersion "" or "0" starts with ADDED for every object; a label
// selector turns a MODIFIED that leaves/enters the selection into DELETED/ADDED; BOOKMARK
// events carry only metadata.resourceVersion; errors are Status objects.
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { AddressInfo, Socket } from 'node:net';

export type Resource = 'services' | 'endpointslices' | 'endpoints' | 'namespaces' | 'pods';

interface Def {
  path: string;
  kind: string;
  apiVersion: string;
  group: string;
  namespaced: boolean;
}

const DEFS: Record<Resource, Def> = {
  services: { path: '/api/v1/services', kind: 'Service', apiVersion: 'v1', group: '', namespaced: true },
  endpointslices: { path: '/apis/discovery.k8s.io/v1/endpointslices', kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1', group: 'discovery.k8s.io', namespaced: true },
  endpoints: { path: '/api/v1/endpoints', kind: 'Endpoints', apiVersion: 'v1', group: '', namespaced: true },
  namespaces: { path: '/api/v1/namespaces', kind: 'Namespace', apiVersion: 'v1', group: '', namespaced: false },
  pods: { path: '/api/v1/pods', kind: 'Pod', apiVersion: 'v1', group: '', namespaced: true },
};

export interface KubeObject {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  [k: string]: unknown;
}

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface HistoryEvent {
  rv: number;
  resource: Resource;
  type: EventType;
  obj: KubeObject;
  old: KubeObject | null;
}

interface Watcher {
  resource: Resource;
  res: http.ServerResponse;
  selector: Selector;
  bookmarks: boolean;
  timer: NodeJS.Timeout | null;
}

export interface RequestLog {
  path: string;
  resource: Resource | null;
  watch: boolean;
  query: Record<string, string>;
  status: number;
}

export interface FakeApiOptions {
  /** Bearer token the server requires (401 otherwise). */
  token?: string;
  /** Events kept for resuming watches; older resourceVersions get 410. */
  maxHistory?: number;
}

type Term = { key: string; op: '=' | '!=' | 'exists' | '!exists'; value: string };
type Selector = Term[];

function parseSelector(s: string | undefined): Selector {
  if (!s) return [];
  return s.split(',').map((t) => {
    const term = t.trim();
    let m = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(term);
    if (m) return { key: m[1], op: m[2] === '!=' ? '!=' : '=', value: m[3] };
    m = /^(!?)([\w./-]+)$/.exec(term);
    if (m) return { key: m[2], op: m[1] ? '!exists' : 'exists', value: '' };
    throw new Error(`unsupported label selector term "${term}"`);
  });
}

function matches(sel: Selector, obj: KubeObject): boolean {
  const labels = obj.metadata.labels ?? {};
  return sel.every((t) =>
    t.op === '=' ? labels[t.key] === t.value : t.op === '!=' ? labels[t.key] !== t.value : t.op === 'exists' ? t.key in labels : !(t.key in labels),
  );
}

function status(code: number, reason: string, message: string): object {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

export class FakeApiServer {
  /** Every request, in order. */
  readonly requests: RequestLog[] = [];
  /** How a watch from an expired resourceVersion is refused. */
  goneAs: 'event' | 'http' = 'event';
  readonly token: string;
  private readonly server: http.Server;
  private rv = 1;
  private readonly store = new Map<Resource, Map<string, KubeObject>>();
  private history: HistoryEvent[] = [];
  /** A watch may resume from a resourceVersion >= this; older gets 410. */
  private historyStart = 0;
  private readonly maxHistory: number;
  private readonly watchers = new Set<Watcher>();
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private outageOn = false;
  /** performance.now() of each connection reset by an outage: how hard clients retried. */
  readonly refused: number[] = [];
  private readonly forbidden = new Set<Resource>();
  private readonly listDelays = new Map<Resource, number>();

  private constructor(opts: FakeApiOptions) {
    this.token = opts.token ?? 'fake-token';
    this.maxHistory = opts.maxHistory ?? 100_000;
    for (const r of Object.keys(DEFS) as Resource[]) this.store.set(r, new Map());
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s: Socket) => {
      if (this.outageOn) {
        this.refused.push(performance.now());
        return void s.destroy();
      }
      s.setNoDelay(true);
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(opts: FakeApiOptions = {}): Promise<FakeApiServer> {
    const f = new FakeApiServer(opts);
    await new Promise<void>((resolve) => f.server.listen(0, '127.0.0.1', resolve));
    return f;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The current global resourceVersion. */
  get resourceVersion(): string {
    return String(this.rv);
  }

  /** For KubeConfig.loadFromOptions: cluster at this server, token user, one context "fake". */
  kubeConfigOptions(): object {
    return {
      clusters: [{ name: 'fake', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'fake', token: this.token }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'fake' }],
      currentContext: 'fake',
    };
  }

  // ---- the store ----

  create(resource: Resource, obj: KubeObject): KubeObject {
    const key = this.key(resource, obj);
    if (this.store.get(resource)!.has(key)) throw new Error(`fake-apiserver: ${resource} ${key} exists`);
    return this.write(resource, 'ADDED', obj, null);
  }

  update(resource: Resource, obj: KubeObject): KubeObject {
    const old = this.store.get(resource)!.get(this.key(resource, obj));
    if (!old) throw new Error(`fake-apiserver: ${resource} ${this.key(resource, obj)} does not exist`);
    return this.write(resource, 'MODIFIED', obj, old);
  }

  /** create or update */
  apply(resource: Resource, obj: KubeObject): KubeObject {
    const old = this.store.get(resource)!.get(this.key(resource, obj));
    return this.write(resource, old ? 'MODIFIED' : 'ADDED', obj, old ?? null);
  }

  delete(resource: Resource, namespace: string | null, name: string): void {
    const key = DEFS[resource].namespaced ? `${namespace}/${name}` : name;
    const old = this.store.get(resource)!.get(key);
    if (!old) throw new Error(`fake-apiserver: ${resource} ${key} does not exist`);
    const gone = structuredClone(old);
    gone.metadata.resourceVersion = String(++this.rv);
    this.store.get(resource)!.delete(key);
    this.record({ rv: this.rv, resource, type: 'DELETED', obj: gone, old });
  }

  get(resource: Resource, namespace: string | null, name: string): KubeObject | undefined {
    return this.store.get(resource)!.get(DEFS[resource].namespaced ? `${namespace}/${name}` : name);
  }

  count(resource: Resource): number {
    return this.store.get(resource)!.size;
  }

  // ---- misbehaviour ----

  /** On: every connection is reset (open ones now, new ones on accept). Off: serve again. */
  outage(on: boolean): void {
    this.outageOn = on;
    if (on) {
      for (const w of this.watchers) this.endWatch(w);
      for (const s of this.sockets) s.destroy();
    }
  }

  /** 403 Forbidden (list and watch) for one resource, as RBAC would answer. */
  forbid(resource: Resource, on = true): void {
    if (on) this.forbidden.add(resource);
    else this.forbidden.delete(resource);
  }

  /** Answer lists of `resource` only after `ms`. */
  delayList(resource: Resource, ms: number): void {
    this.listDelays.set(resource, ms);
  }

  /**
   * Forget the event history (as etcd compaction does): every resourceVersion seen so far is
   * too old. Open watches get an ERROR 410 event and are closed ('event'), or are dropped so
   * that the reconnect gets HTTP 410 ('http').
   */
  expireHistory(mode: 'event' | 'http' = 'event'): void {
    this.goneAs = mode;
    this.rv++;
    this.historyStart = this.rv;
    this.history = [];
    for (const w of [...this.watchers]) {
      if (mode === 'event') {
        w.res.write(JSON.stringify({ type: 'ERROR', object: status(410, 'Expired', `too old resource version (${this.rv})`) }) + '\n');
        this.endWatch(w, true);
      } else {
        this.endWatch(w);
      }
    }
  }

  /** Drop every open watch connection abruptly (RST, no chunked terminator). */
  dropWatches(resource?: Resource): void {
    for (const w of [...this.watchers]) if (!resource || w.resource === resource) this.endWatch(w);
  }

  /** End every open watch cleanly, as the API server does at timeoutSeconds. */
  closeWatches(): void {
    for (const w of [...this.watchers]) this.endWatch(w, true);
  }

  /** Send a BOOKMARK with the current resourceVersion to watches that allowed bookmarks. */
  bookmark(): void {
    for (const w of this.watchers) {
      if (!w.bookmarks) continue;
      const d = DEFS[w.resource];
      w.res.write(JSON.stringify({ type: 'BOOKMARK', object: { kind: d.kind, apiVersion: d.apiVersion, metadata: { resourceVersion: String(this.rv) } } }) + '\n');
    }
  }

  /** Open watch connections (of one resource). */
  watching(resource?: Resource): number {
    let n = 0;
    for (const w of this.watchers) if (!resource || w.resource === resource) n++;
    return n;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const w of this.watchers) this.endWatch(w);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- internals ----

  private key(resource: Resource, obj: KubeObject): string {
    return DEFS[resource].namespaced ? `${obj.metadata.namespace ?? 'default'}/${obj.metadata.name}` : obj.metadata.name;
  }

  private write(resource: Resource, type: EventType, obj: KubeObject, old: KubeObject | null): KubeObject {
    const stored = structuredClone(obj);
    delete stored.kind;
    delete stored.apiVersion;
    if (DEFS[resource].namespaced) stored.metadata.namespace ??= 'default';
    stored.metadata.resourceVersion = String(++this.rv);
    stored.metadata.uid ??= old?.metadata.uid ?? `uid-${this.rv}`;
    stored.metadata.creationTimestamp ??= old?.metadata.creationTimestamp ?? new Date().toISOString();
    this.store.get(resource)!.set(this.key(resource, stored), stored);
    this.record({ rv: this.rv, resource, type, obj: stored, old });
    return stored;
  }

  private record(ev: HistoryEvent): void {
    this.history.push(ev);
    // Trimmed a tenth at a time: one splice per event would move the whole array every time.
    if (this.history.length > this.maxHistory + Math.ceil(this.maxHistory / 10)) {
      const dropped = this.history.splice(0, this.history.length - this.maxHistory);
      this.historyStart = dropped[dropped.length - 1].rv;
    }
    for (const w of this.watchers) if (w.resource === ev.resource) this.deliver(w, ev.type, ev.obj, ev.old);
  }

  private deliver(w: Watcher, type: EventType, obj: KubeObject, old: KubeObject | null): void {
    const now = matches(w.selector, obj);
    const before = old !== null && matches(w.selector, old);
    let t: EventType | null = type;
    if (type === 'MODIFIED') t = now && before ? 'MODIFIED' : now ? 'ADDED' : before ? 'DELETED' : null;
    else if (!now) t = null;
    if (t === null) return;
    const d = DEFS[w.resource];
    w.res.write(JSON.stringify({ type: t, object: { kind: d.kind, apiVersion: d.apiVersion, ...obj } }) + '\n');
  }

  private resourceOf(path: string): Resource | null {
    for (const [r, d] of Object.entries(DEFS)) if (d.path === path) return r as Resource;
    return null;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    const resource = this.resourceOf(url.pathname);
    const watch = query.watch === 'true' || query.watch === '1';
    const log: RequestLog = { path: url.pathname, resource, watch, query, status: 0 };
    this.requests.push(log);
    const reply = (code: number, body: object) => {
      log.status = code;
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${this.token}`) return reply(401, status(401, 'Unauthorized', 'Unauthorized'));
    if (req.method !== 'GET' || resource === null) return reply(404, status(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`));
    const d = DEFS[resource];
    if (this.forbidden.has(resource)) {
      const verb = watch ? 'watch' : 'list';
      return reply(
        403,
        status(403, 'Forbidden', `${resource} is forbidden: User "system:serviceaccount:kube-system:clusterdns" cannot ${verb} resource "${resource}" in API group "${d.group}" at the cluster scope`),
      );
    }
    let selector: Selector;
    try {
      selector = parseSelector(query.labelSelector);
    } catch (err) {
      return reply(400, status(400, 'BadRequest', (err as Error).message));
    }
    if (watch) return this.watch(resource, query, selector, res, log, reply);
    const delay = this.listDelays.get(resource) ?? 0;
    if (delay <= 0) return reply(200, this.list(resource, query, selector));
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!res.destroyed) reply(200, this.list(resource, query, selector));
    }, delay);
    this.timers.add(t);
  }

  private list(resource: Resource, query: Record<string, string>, selector: Selector): object {
    const d = DEFS[resource];
    let after = '';
    let rv = this.rv;
    if (query.continue) {
      const tok = JSON.parse(Buffer.from(query.continue, 'base64url').toString()) as { rv: number; after: string };
      after = tok.after;
      rv = tok.rv;
    }
    const keys = [...this.store.get(resource)!.keys()].filter((k) => k > after).sort();
    const limit = Number(query.limit) || 0;
    const items: KubeObject[] = [];
    let last = '';
    let more = false;
    for (const k of keys) {
      const o = this.store.get(resource)!.get(k)!;
      if (!matches(selector, o)) continue;
      if (limit > 0 && items.length === limit) {
        more = true;
        break;
      }
      items.push(o);
      last = k;
    }
    const metadata: Record<string, string> = { resourceVersion: String(rv) };
    if (more) metadata.continue = Buffer.from(JSON.stringify({ rv, after: last })).toString('base64url');
    return { kind: `${d.kind}List`, apiVersion: d.apiVersion, metadata, items };
  }

  private watch(
    resource: Resource,
    query: Record<string, string>,
    selector: Selector,
    res: http.ServerResponse,
    log: RequestLog,
    reply: (code: number, body: object) => void,
  ): void {
    const from = query.resourceVersion ?? '';
    const expired = from !== '' && from !== '0' && Number(from) < this.historyStart;
    if (expired && this.goneAs === 'http') return reply(410, status(410, 'Expired', `too old resource version: ${from} (${this.historyStart})`));
    log.status = 200;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.flushHeaders();
    if (expired) {
      res.end(JSON.stringify({ type: 'ERROR', object: status(410, 'Expired', `too old resource version: ${from} (${this.historyStart})`) }) + '\n');
      return;
    }
    const w: Watcher = { resource, res, selector, bookmarks: query.allowWatchBookmarks === 'true', timer: null };
    if (from === '' || from === '0') {
      for (const o of this.store.get(resource)!.values()) this.deliver(w, 'ADDED', o, null);
    } else {
      for (const ev of this.history) if (ev.resource === resource && ev.rv > Number(from)) this.deliver(w, ev.type, ev.obj, ev.old);
    }
    const timeout = Number(query.timeoutSeconds) || 0;
    if (timeout > 0) w.timer = setTimeout(() => this.endWatch(w, true), timeout * 1000);
    this.watchers.add(w);
    res.on('close', () => {
      if (w.timer) clearTimeout(w.timer);
      this.watchers.delete(w);
    });
  }

  /** clean: end the chunked stream; otherwise reset the connection. */
  private endWatch(w: Watcher, clean = false): void {
    if (w.timer) clearTimeout(w.timer);
    this.watchers.delete(w);
    if (clean) w.res.end();
    else w.res.socket?.destroy();
  }
}
