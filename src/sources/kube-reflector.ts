// One resource kept in step with the API server: list (paged), then watch from the list's
// resourceVersion; on a dropped watch, resume from the last resourceVersion seen; on 410 Gone,
// list again and hand the whole new set over at once. Each object is converted to its slim
// record the moment it arrives and the API object is dropped (STYLE rule 3); the records map
// holds the same objects the sink holds, so it costs one Map entry per object.
import { performance } from 'node:perf_hooks';
// One definition of "nothing DNS reads changed" (triggerTime ignored), shared with the store.
import { sameRecord } from '../cluster/store';
import type { KindRecords, ObjectKind } from '../cluster/types';
import { convertObject, FieldError } from './convert';
import { Backoff, unreachable, type BackoffOptions } from './kube-backoff';
import type { KubeConfig } from './kube-client';
import { ApiError, listPage, watchStream, type Call, type WatchEvent } from './kube-http';
import { Link, type LogFn } from './kube-link';
import { objectKey, type ResourceDef } from './kube-resources';

export type SlimRecord = KindRecords[ObjectKind];
export type { LogFn };

/** What a reflector tells its owner (kubernetes.ts), which talks to the sink. */
export interface ReflectorHost {
  /** A watch event changed one record. receivedAt: performance.now() when its line was read. */
  upserted(r: Reflector, record: SlimRecord, receivedAt: number): void;
  removed(r: Reflector, key: string, receivedAt: number): void;
  /** `r.records` was replaced by a complete list (the first one, or a re-list after 410). */
  listed(r: Reflector, first: boolean): void;
}

export interface ReflectorOptions {
  kc: KubeConfig;
  labelSelector: string | null;
  backoff: BackoffOptions;
  /** `limit` of each list page; 0 = one unpaged list. */
  pageSize: number;
  /** Watch `timeoutSeconds` base; each watch asks for a random value in [base, 2*base) (client-go). */
  watchTimeoutSeconds: number;
  /** A list request with no byte for this long is abandoned and retried. */
  requestTimeoutMs: number;
  log: LogFn;
}

// A watch that delivered an event or stayed open this long was healthy: reconnect at once.
const HEALTHY_WATCH_MS = 1000;

export class Reflector {
  /** Current slim records by sink key (recordKey: `namespace/name`, `slice:namespace/name`, ...). */
  records = new Map<string, SlimRecord>();
  resourceVersion = '';
  listed = false;
  /** Keys whose last version failed conversion (logged once; the previous record is kept). */
  private bad = new Set<string>();
  private readonly backoff: Backoff;
  private readonly abort = new AbortController();
  private stopped = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly link: Link;
  private watchHealthy = false;

  constructor(
    readonly def: ResourceDef,
    private readonly host: ReflectorHost,
    private readonly opts: ReflectorOptions,
  ) {
    this.backoff = new Backoff(opts.backoff);
    this.link = new Link(def, opts.log);
  }

  get connected(): boolean {
    return this.link.connected;
  }

  get lastError(): string | null {
    return this.link.lastError;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let delay: number;
      try {
        if (this.resourceVersion === '') await this.relist();
        delay = await this.watchOnce();
      } catch (err) {
        if (this.stopped) break;
        delay = this.failed(err);
      }
      if (delay > 0 && !this.stopped) await this.sleep(delay);
    }
  }

  private call(query: Record<string, string>, idleMs: number): Call {
    if (this.opts.labelSelector) query.labelSelector = this.opts.labelSelector;
    return { kc: this.opts.kc, resource: this.def.name, path: this.def.path, query, idleMs, signal: this.abort.signal };
  }

  /** A full, paged list; the new set replaces the old one in a single host.listed call. */
  private async relist(): Promise<void> {
    const started = performance.now();
    const next = new Map<string, SlimRecord>();
    const nextBad = new Set<string>();
    let rv = '';
    let cont = '';
    do {
      const query: Record<string, string> = {};
      if (this.opts.pageSize > 0) query.limit = String(this.opts.pageSize);
      if (cont) query.continue = cont;
      // Items are converted as they arrive (kube-http.ts listPage): no page is held whole.
      const page = await listPage(this.call(query, this.opts.requestTimeoutMs), (item) => this.take(item, next, nextBad));
      this.link.up();
      // Every page of a paged list is read at the first page's resourceVersion.
      if (rv === '') rv = page.resourceVersion;
      cont = page.continueToken;
    } while (cont !== '' && !this.stopped);
    if (this.stopped) return;
    let added = 0;
    let changed = 0;
    let removed = 0;
    for (const [k, rec] of next) {
      const old = this.records.get(k);
      if (old === undefined) added++;
      else if (old !== rec) changed++;
    }
    for (const k of this.records.keys()) if (!next.has(k)) removed++;
    const first = !this.listed;
    this.records = next; // the previous map is garbage from here on
    this.bad = nextBad;
    this.resourceVersion = rv;
    this.listed = true;
    this.backoff.reset();
    this.host.listed(this, first);
    const ms = Math.round(performance.now() - started);
    const fields = { resource: this.def.name, objects: next.size, resourceVersion: rv, ms };
    if (first) this.opts.log('info', `${this.def.name}: listed ${next.size} objects in ${ms} ms`, fields);
    else this.opts.log('info', `${this.def.name}: re-listed: ${added} added, ${changed} changed, ${removed} removed`, { ...fields, added, changed, removed });
  }

  /** Converts one list item into `next`; on a conversion error the previous record is kept. */
  private take(item: unknown, next: Map<string, SlimRecord>, nextBad: Set<string>): void {
    const key = objectKey(this.def, item);
    if (key === '') return;
    const rec = this.convert(item, key, nextBad);
    const old = this.records.get(key);
    if (rec === undefined) {
      if (old !== undefined) next.set(key, old);
    } else if (rec !== null) {
      // Keep the old object when nothing changed: the sink sees the same reference, and the
      // fresh copy is garbage at once instead of doubling memory until the next re-list.
      next.set(key, old !== undefined && sameRecord(old, rec) ? old : rec);
    }
  }

  /** The slim record; null: DNS ignores this object; undefined: invalid (logged once per object). */
  private convert(obj: unknown, key: string, bad: Set<string>): SlimRecord | null | undefined {
    const o = obj as { kind?: unknown };
    if (o.kind === undefined) o.kind = this.def.kind; // list items carry no kind
    try {
      const c = convertObject(obj);
      bad.delete(key);
      return c === null || c.kind !== this.def.sinkKind ? null : c.record;
    } catch (err) {
      if (!this.bad.has(key)) {
        const fe = err instanceof FieldError ? err : null;
        const name = key.slice(this.def.keyPrefix.length);
        this.opts.log('warn', `${this.def.name} ${name}: ${(err as Error).message}; keeping its previous record`, {
          code: fe ? fe.code : 'CDNS_SOURCES_CONVERT',
          resource: this.def.name,
          object: name,
          field: fe?.field,
          expected: fe?.expected,
          got: fe?.got,
        });
      }
      bad.add(key);
      return undefined;
    }
  }

  /** One watch connection; returns the delay before the next attempt. */
  private async watchOnce(): Promise<number> {
    const base = this.opts.watchTimeoutSeconds;
    const timeout = Math.floor(base * (1 + Math.random()));
    const query = { watch: 'true', resourceVersion: this.resourceVersion, allowWatchBookmarks: 'true', timeoutSeconds: String(timeout) };
    const opened = performance.now();
    // Written from inside the event callback; an object so TypeScript does not narrow them away.
    const st = { open: false, events: 0, gone: false, failure: null as Error | null };
    this.watchHealthy = false;
    try {
      // The server ends the watch after `timeout` s; silence well past that is a dead peer.
      await watchStream(
        this.call(query, (timeout + 30) * 1000),
        () => {
          st.open = true;
          this.link.up();
        },
        (ev, at) => {
          st.events++;
          this.watchHealthy = true;
          try {
            if (ev.type === 'ERROR') {
              const code = ev.object.code;
              if (code === 410) st.gone = true;
              else st.failure = new ApiError(this.def.name, 'watch', typeof code === 'number' ? code : 0, String(ev.object.reason || 'ERROR event'), String(ev.object.message ?? ''));
              return false; // the API server ends the stream after an ERROR; so do we
            }
            this.apply(ev, at);
          } catch (err) {
            st.failure = err as Error;
            return false;
          }
          return true;
        },
      );
    } catch (err) {
      if (performance.now() - opened >= HEALTHY_WATCH_MS) this.watchHealthy = true;
      // A healthy stream broke (API server restart, load balancer reset): routine, so reconnect
      // at once from the same resourceVersion. Only a failed reconnect is "disconnected".
      if (st.open && this.watchHealthy && err instanceof ApiError && err.status === 0) {
        this.opts.log('debug', `${this.def.name}: watch broke (${err.message}); resuming`, { resource: this.def.name });
        this.backoff.reset();
        return 0;
      }
      throw err;
    }
    if (performance.now() - opened >= HEALTHY_WATCH_MS) this.watchHealthy = true;
    if (st.failure) throw st.failure;
    if (st.gone) {
      this.expired('an ERROR event in the watch');
      return 0;
    }
    // The server closed the stream (its timeout, or a restart): resume from resourceVersion.
    this.opts.log('debug', `${this.def.name}: watch closed by the server after ${st.events} events`, { resource: this.def.name });
    if (this.watchHealthy) {
      this.backoff.reset();
      return 0;
    }
    return this.backoff.next();
  }

  private apply(ev: WatchEvent, at: number): void {
    const obj = ev.object;
    if (ev.type === 'ADDED' || ev.type === 'MODIFIED') {
      const key = objectKey(this.def, obj);
      const rec = key === '' ? undefined : this.convert(obj, key, this.bad);
      if (rec === null) {
        if (this.records.delete(key)) this.host.removed(this, key, at);
      } else if (rec !== undefined) {
        const old = this.records.get(key);
        if (old === undefined || !sameRecord(old, rec)) {
          this.records.set(key, rec);
          this.host.upserted(this, rec, at);
        }
      }
    } else if (ev.type === 'DELETED') {
      const key = objectKey(this.def, obj);
      this.bad.delete(key);
      if (this.records.delete(key)) this.host.removed(this, key, at);
    } else if (ev.type !== 'BOOKMARK') {
      return; // an event type newer than this code: nothing to apply, rv not trusted
    }
    // BOOKMARK carries only metadata.resourceVersion: the point to resume from (KEP-956).
    const rv = obj.metadata?.resourceVersion;
    if (typeof rv === 'string' && rv !== '') this.resourceVersion = rv;
  }

  /** Our resourceVersion is older than the server's history: list again. */
  private expired(how: string): void {
    this.opts.log('info', `${this.def.name}: resourceVersion ${this.resourceVersion} expired (410 Gone, ${how}); re-listing`, {
      code: 'CDNS_SOURCES_API_GONE',
      resource: this.def.name,
      resourceVersion: this.resourceVersion,
    });
    this.resourceVersion = '';
  }

  /** Records a failed list/watch, logs the transition once, returns the delay before retrying. */
  private failed(err: unknown): number {
    if (this.watchHealthy) this.backoff.reset(); // a long-lived watch broke: retry quickly first
    this.watchHealthy = false;
    const e = err instanceof ApiError ? err : null;
    if (e && e.status === 410) {
      if (e.verb === 'watch') {
        this.expired('HTTP 410 on the watch');
        return 0;
      }
      // A list's continue token outlived the server's history: list again from the start.
      this.opts.log('info', `${this.def.name}: ${e.message}; listing again`, { resource: this.def.name });
      return this.backoff.next();
    }
    if (e && e.status === 404 && this.def.name === 'endpointslices' && !this.saidNoSlices) {
      // Endpoints are watched only where they have no slice twin (kubernetes.ts UNMIRRORED),
      // so without the slice API most endpoints would be missing: say so plainly, once.
      this.saidNoSlices = true;
      this.opts.log('error', 'endpointslices: the API server does not serve discovery.k8s.io/v1 EndpointSlices (Kubernetes 1.21 or later is required); headless and endpoint names will be missing', { code: 'CDNS_SOURCES_API_STATUS', resource: this.def.name });
    }
    this.link.lost(err);
    // Issue 10 item 5: a server that does not answer is retried at a bounded pace, so the view
    // catches up within seconds of its return (kube-backoff.ts).
    return this.backoff.next(unreachable(e));
  }

  private saidNoSlices = false;

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }
}
