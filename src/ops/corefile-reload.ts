// Reload of a Corefile (issue 9 item 6; CoreDNS `reload`): the Corefile and every file it
// imported are watched (their directories, since a ConfigMap volume swaps the `..data` symlink
// and a watch on the old file sees nothing), polled every `reload` interval, and re-read on
// SIGHUP/SIGUSR1. A Corefile that compiles is applied through app.ts reconfigure (new blocks on
// the same store, counters and sockets, swapped between two packets: no query lost); one that
// does not is refused with its exact error (file, line, directive) and the running blocks stay.
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import type { Options } from '../config/options';
import type { ServerPlan } from '../config/plan';
import type { Logger } from './log';
import type { ConfigReloadResult } from './metrics';
import { describeRestart, planReload } from './reload-plan';

export interface CorefileLoad {
  opts: Options;
  plan: ServerPlan;
  /** Every file read: the Corefile and its imports. */
  files: string[];
  warnings: string[];
}

export interface CorefileReloaderOptions {
  file: string;
  /** Compiles the Corefile as at start (corefile/commands.ts corefileOptions); throws on a fault. */
  load(): CorefileLoad;
  /** What is running now. */
  current(): Options;
  /** Files read by the running config (watched). */
  files: string[];
  /** Swaps the new blocks in (app.ts reconfigure); throws to refuse with nothing changed. */
  apply(opts: Options, plan: ServerPlan): void;
  log: Logger;
  onResult?(result: ConfigReloadResult, restartPending: boolean): void;
  /** The `reload` directive's interval, ms; 0 = no polling. */
  intervalMs: number;
  debounceMs?: number;
}

export class CorefileReloader {
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | null = null;
  private poll: NodeJS.Timeout | null = null;
  private files: string[];
  /** Text of every watched file at the last attempt: a reload that changes nothing is skipped. */
  private lastTexts: string;
  private readonly log: Logger;

  constructor(private readonly o: CorefileReloaderOptions) {
    this.files = [o.file, ...o.files.filter((f) => f !== o.file)];
    this.lastTexts = this.texts();
    this.log = o.log.stage('config');
  }

  start(): void {
    this.watch();
    if (this.o.intervalMs > 0) {
      this.poll = setInterval(() => this.reload(true), this.o.intervalMs);
      this.poll.unref();
    }
  }

  close(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    if (this.timer) clearTimeout(this.timer);
    if (this.poll) clearInterval(this.poll);
    this.timer = this.poll = null;
  }

  /** Re-reads and applies now (SIGHUP/SIGUSR1); `onlyIfChanged` for the watch and the poll. */
  reload(onlyIfChanged = false): { result: ConfigReloadResult; error?: Error } {
    const texts = this.texts();
    if (onlyIfChanged && texts === this.lastTexts) return { result: 'unchanged' };
    this.lastTexts = texts;
    let loaded: CorefileLoad;
    try {
      loaded = this.o.load();
      const plan = planReload(this.o.current(), loaded.opts);
      this.o.apply(plan.apply, loaded.plan);
      if (plan.restart.length > 0) {
        this.log.warn(`Corefile: NOT applied until restart: ${describeRestart(plan.restart)}`, { code: 'CDNS_OPS_RESTART_REQUIRED', file: this.o.file });
      }
      for (const w of loaded.warnings) this.log.warn(w, { code: 'CDNS_COREFILE_WARNING' });
      this.log.info('Corefile reloaded', { file: this.o.file, blocks: loaded.plan.blocks.length });
      this.o.onResult?.('applied', plan.restart.length > 0);
    } catch (e) {
      const err = e as Error & { code?: string };
      this.log.error(`Corefile reload refused, still serving the previous config: ${err.message}`, { code: err.code ?? 'CDNS_OPS_RELOAD', file: this.o.file });
      this.o.onResult?.('rejected', false);
      return { result: 'rejected', error: err };
    }
    // An import added or removed by the new Corefile is watched from now on.
    const next = [this.o.file, ...loaded.files.filter((f) => f !== this.o.file)];
    if (next.join('\n') !== this.files.join('\n')) {
      this.files = next;
      this.lastTexts = this.texts();
      for (const w of this.watchers) w.close();
      this.watchers = [];
      this.watch();
    }
    return { result: 'applied' };
  }

  private watch(): void {
    for (const dir of new Set(this.files.map((f) => dirname(f)))) {
      try {
        const w = watch(dir, { persistent: false }, () => this.schedule());
        w.on('error', (e) => this.log.error(`cannot watch ${dir} (${e.message}); Corefile changes apply on SIGHUP or the reload interval`, { code: 'CDNS_OPS_WATCH' }));
        this.watchers.push(w);
      } catch (e) {
        this.log.error(`cannot watch ${dir} (${(e as Error).message}); Corefile changes apply on SIGHUP or the reload interval`, { code: 'CDNS_OPS_WATCH' });
      }
    }
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.reload(true);
    }, this.o.debounceMs ?? 300);
    this.timer.unref();
  }

  private texts(): string {
    return this.files
      .map((f) => {
        try {
          return readFileSync(f, 'utf8');
        } catch {
          return '\0missing';
        }
      })
      .join('\0');
  }
}
