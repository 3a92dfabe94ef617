// The connection state of one resource's list+watch, and its log lines: each transition
// (disconnected, forbidden, connected again, access granted) is logged once, however many
// retries happen in between; repeats go to debug. status() reads `connected` and `lastError`.
import { performance } from 'node:perf_hooks';
import { ApiError } from './kube-http';
import type { ResourceDef } from './kube-resources';

export type LogFn = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: object) => void;

export class Link {
  connected = false;
  lastError: string | null = null;
  /** What was last logged as wrong. */
  private down: 'unreachable' | 'forbidden' | null = null;
  private downSince = 0;

  constructor(
    private readonly def: ResourceDef,
    private readonly log: LogFn,
  ) {}

  /** The API server answered 200. */
  up(): void {
    if (this.connected) return;
    this.connected = true;
    this.lastError = null;
    const resource = this.def.name;
    if (this.down === 'unreachable') {
      const s = ((performance.now() - this.downSince) / 1000).toFixed(1);
      this.log('info', `${resource}: connected again after ${s} s`, { resource });
    } else if (this.down === 'forbidden') {
      this.log('info', `${resource}: access granted now`, { resource });
    }
    this.down = null;
  }

  /** A list or watch failed (other than 410, which is not a connection problem). */
  lost(err: unknown): void {
    const e = err instanceof ApiError ? err : null;
    const message = err instanceof Error ? err.message : String(err);
    const resource = this.def.name;
    this.lastError = message;
    this.connected = false;
    if (e && e.status === 403) {
      if (this.down !== 'forbidden') {
        const g = this.def.group ? `"${this.def.group}"` : '"" (core)';
        this.log(
          'error',
          `${resource}: forbidden: the API server refuses "${e.verb}" on ${resource} (API group ${g}) to this account; ` +
            `grant list and watch on it in the ClusterRole. Other kinds keep working; ${resource} stays as last known until then`,
          { code: e.code, resource, group: this.def.group, verb: e.verb, status: 403, message },
        );
      }
      this.down = 'forbidden';
    } else if (this.down !== 'unreachable') {
      this.down = 'unreachable';
      this.downSince = performance.now();
      this.log('warn', `${resource}: disconnected from the API server (${message}); serving the last known state, retrying with backoff`, {
        code: e ? e.code : 'CDNS_SOURCES_API_UNREACHABLE',
        resource,
      });
    } else {
      this.log('debug', `${resource}: still unreachable: ${message}`, { resource });
    }
  }
}
