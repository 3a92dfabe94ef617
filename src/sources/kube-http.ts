// One list page and one watch stream over HTTP(S), with the credentials of a KubeConfig
// (client-node applies TLS, tokens, exec plugins). Written on node:http rather than
// client-node's Watch and generated API clients because we need what they hide: the
// Status body of a 403 (which resource and verb RBAC refused), an idle timeout on a
// half-open watch, lines that fail to parse reported instead of dropped, raw JSON items
// (the generated clients build a model object per field first), and abort at any point.
// See README "Why not makeInformer".
import * as http from 'node:http';
import * as https from 'node:https';
import { performance } from 'node:perf_hooks';
import { JsonListScanner, JsonListSyntaxError } from './json-list';
import type { KubeConfig } from './kube-client';

export type Verb = 'list' | 'watch';

/** A failed request to the API server. status 0: no HTTP answer (network, timeout, auth plugin). */
export class ApiError extends Error {
  readonly code: string;
  constructor(
    readonly resource: string,
    readonly verb: Verb,
    readonly status: number,
    readonly reason: string,
    detail: string,
  ) {
    super(status === 0 ? `${verb} ${resource}: ${reason}: ${detail}` : `${verb} ${resource}: HTTP ${status} ${reason}: ${detail}`);
    this.name = 'ApiError';
    this.code =
      status === 403
        ? 'CDNS_SOURCES_API_FORBIDDEN'
        : status === 410
          ? 'CDNS_SOURCES_API_GONE'
          : status === 0
            ? 'CDNS_SOURCES_API_UNREACHABLE'
            : 'CDNS_SOURCES_API_STATUS';
  }
}

export interface Call {
  kc: KubeConfig;
  resource: string;
  path: string;
  query: Record<string, string>;
  /** Socket idle limit: no byte for this long fails the call (a half-open connection). */
  idleMs: number;
  signal: AbortSignal;
}

/** One list page, its items already handed over one by one: its resourceVersion and continue token. */
export interface Page {
  items: number;
  resourceVersion: string;
  continueToken: string;
}

const MAX_ERROR_BODY = 64 * 1024;
// A single watch event larger than this is not an object DNS can use; refuse rather than buffer forever.
const MAX_LINE = 64 * 1024 * 1024;

async function open(c: Call, verb: Verb): Promise<http.IncomingMessage> {
  const opts: https.RequestOptions = {};
  try {
    // Per request: tokens from files and exec plugins are refreshed here (bound service
    // account tokens rotate hourly).
    await c.kc.applyToHTTPSOptions(opts);
  } catch (err) {
    throw new ApiError(c.resource, verb, 0, 'credentials', (err as Error).message);
  }
  const server = (c.kc.getCurrentCluster()?.server ?? '').replace(/\/+$/, '');
  const url = new URL(server + c.path);
  for (const [k, v] of Object.entries(c.query)) url.searchParams.set(k, v);
  const mod = url.protocol === 'https:' ? https : http;
  const headers = { ...(opts.headers as Record<string, string>), Accept: 'application/json', 'User-Agent': 'clusterdns' };
  return new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = mod.request(url, { ...opts, method: 'GET', headers, signal: c.signal }, resolve);
    req.setTimeout(c.idleMs, () => req.destroy(new Error(`no data for ${c.idleMs / 1000} s`)));
    req.on('error', (err) => reject(new ApiError(c.resource, verb, 0, 'unreachable', err.message)));
    req.end();
  });
}

function readBody(res: http.IncomingMessage, c: Call, verb: Verb, max = Infinity): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    res.on('data', (b: Buffer) => {
      if (size < max) parts.push(b);
      size += b.length;
    });
    res.on('end', () => resolve(Buffer.concat(parts)));
    res.on('error', (err) => reject(new ApiError(c.resource, verb, 0, 'unreachable', err.message)));
    res.on('close', () => {
      if (!res.complete) reject(new ApiError(c.resource, verb, 0, 'unreachable', 'connection closed before the end of the response'));
    });
  });
}

/** The ApiError for a non-200 answer, with the Status message the API server sent. */
async function statusError(res: http.IncomingMessage, c: Call, verb: Verb): Promise<ApiError> {
  const status = res.statusCode ?? 0;
  let reason = res.statusMessage || http.STATUS_CODES[status] || 'Error';
  let detail = '';
  try {
    const text = (await readBody(res, c, verb, MAX_ERROR_BODY)).toString('utf8').slice(0, MAX_ERROR_BODY);
    try {
      const s = JSON.parse(text) as { message?: unknown; reason?: unknown };
      if (typeof s.message === 'string') detail = s.message;
      if (typeof s.reason === 'string' && s.reason) reason = s.reason;
    } catch {
      detail = text.trim().slice(0, 200);
    }
  } catch {
    // The body is only decoration; the status code is the fact.
  }
  return new ApiError(c.resource, verb, status, reason, detail || '(no message)');
}

/**
 * GET one page of a list, handing each item (raw, as the API sent it: no `kind`) to onItem as
 * soon as its bytes have arrived (sources/json-list.ts): the page is never held whole, as a
 * body, a string or a tree of objects (issue 13: a re-list must not double memory).
 */
export async function listPage(c: Call, onItem: (item: unknown) => void): Promise<Page> {
  const res = await open(c, 'list');
  if (res.statusCode !== 200) throw await statusError(res, c, 'list');
  let items = 0;
  const scanner = new JsonListScanner((item) => {
    items++;
    onItem(item);
  });
  const bad = (detail: string) => new ApiError(c.resource, 'list', 200, 'bad body', detail);
  const fields = await new Promise<Record<string, unknown>>((resolve, reject) => {
    let failed = false;
    const fail = (e: ApiError) => {
      if (failed) return;
      failed = true;
      reject(e);
      res.destroy();
    };
    res.on('data', (b: Buffer) => {
      if (failed) return;
      try {
        if (!scanner.push(b)) fail(bad('not a JSON object'));
      } catch (err) {
        fail(err instanceof JsonListSyntaxError ? bad(`not JSON: ${err.message} (line ${err.line})`) : (err as ApiError));
      }
    });
    res.on('end', () => {
      if (failed) return;
      try {
        const r = scanner.end();
        if (r === null) fail(bad('not a JSON object'));
        else resolve(r.fields);
      } catch (err) {
        fail(bad(`not JSON: ${(err as Error).message}`));
      }
    });
    res.on('error', (err) => fail(new ApiError(c.resource, 'list', 0, 'unreachable', err.message)));
    res.on('close', () => {
      if (!res.complete) fail(new ApiError(c.resource, 'list', 0, 'unreachable', 'connection closed before the end of the response'));
    });
  });
  const meta = fields.metadata as { resourceVersion?: unknown; continue?: unknown } | undefined;
  const rv = meta?.resourceVersion;
  if (typeof rv !== 'string' || rv === '') throw bad('no metadata.resourceVersion');
  const cont = meta?.continue;
  return { items, resourceVersion: rv, continueToken: typeof cont === 'string' ? cont : '' };
}

export interface WatchEvent {
  type: string;
  object: { metadata?: { resourceVersion?: unknown; name?: unknown; namespace?: unknown }; code?: unknown; [k: string]: unknown };
}

/**
 * Opens a watch and feeds each event to `onEvent` (with the performance.now() at which its
 * line was read). `onOpen` runs once the API server answered 200. Resolves when the server
 * ends the stream or `onEvent` returns false (the connection is closed then); rejects with
 * ApiError on anything else.
 */
export async function watchStream(
  c: Call,
  onOpen: () => void,
  onEvent: (ev: WatchEvent, receivedAt: number) => boolean,
): Promise<void> {
  const res = await open(c, 'watch');
  if (res.statusCode !== 200) throw await statusError(res, c, 'watch');
  onOpen();
  res.setEncoding('utf8');
  return new Promise<void>((resolve, reject) => {
    let buf = '';
    let settled = false;
    const finish = (err: ApiError | null) => {
      if (settled) return;
      settled = true;
      if (err) reject(err);
      else resolve();
    };
    const stop = (err: ApiError | null) => {
      finish(err);
      res.destroy();
    };
    res.on('data', (chunk: string) => {
      if (settled) return;
      buf += chunk;
      let from = 0;
      for (let nl = buf.indexOf('\n', from); nl >= 0; nl = buf.indexOf('\n', from)) {
        const line = buf.slice(from, nl);
        from = nl + 1;
        if (line.trim() === '') continue;
        let ev: WatchEvent;
        try {
          ev = JSON.parse(line);
        } catch (err) {
          return stop(new ApiError(c.resource, 'watch', 200, 'bad event', `not JSON: ${(err as Error).message}`));
        }
        if (typeof ev !== 'object' || ev === null || typeof ev.type !== 'string' || typeof ev.object !== 'object' || ev.object === null) {
          return stop(new ApiError(c.resource, 'watch', 200, 'bad event', 'expected {type, object}'));
        }
        if (!onEvent(ev, performance.now())) return stop(null);
      }
      buf = from === 0 ? buf : buf.slice(from);
      if (buf.length > MAX_LINE) stop(new ApiError(c.resource, 'watch', 200, 'bad event', `an event over ${MAX_LINE} bytes`));
    });
    res.on('end', () => finish(null));
    res.on('error', (err) => finish(new ApiError(c.resource, 'watch', 0, 'unreachable', err.message)));
    res.on('close', () => {
      if (!res.complete) finish(new ApiError(c.resource, 'watch', 0, 'unreachable', 'connection closed mid-stream'));
    });
  });
}
