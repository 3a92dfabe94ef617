// Config reload (issue 5, item 4): when --config is set, its file is watched and re-read on
// change and on SIGHUP; a good file is applied without dropping a query, a bad one is refused
// with the reason (code, file, line, field, value) and the running config stays.
//
// The watch is on the file's directory, not the file: a ConfigMap volume updates by writing a
// new timestamped directory and swapping the `..data` symlink, which a watch on the old file
// never sees (zonefile/source.ts does the same). Events are debounced; a reload whose file text
// is the one last tried is skipped, so editor and kubelet event bursts cost one reload.
//
// Precedence stays DEFAULTS < file < flags: the flags layer parsed at start is re-applied on
// top of every new file, so a flag always wins over the file (config/README.md).
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError } from '../config/errors';
import { mergeOptions, parseConfigText, type OptionsLayer } from '../config/file';
import { DEFAULTS, type Options } from '../config/options';
import { validateOptions } from '../config/validate';
import type { Logger } from './log';
import type { ConfigReloadResult } from './metrics';
import { describeRestart, planReload, type ReloadPlan } from './reload-plan';

export interface ReloaderOptions {
  /** The --config path. */
  file: string;
  /** The command-line layer (config/flags.ts flagsToOptions), re-applied over every file. */
  flags: OptionsLayer;
  /** What the file is laid over; default DEFAULTS (as at start-up). */
  base?: Options;
  /** The options running now. */
  current(): Options;
  /** Applies a plan (app.ts reconfigure, log level); throws to refuse it with nothing changed. */
  apply(plan: ReloadPlan): void;
  log: Logger;
  /** Outcome of each attempt (metrics). */
  onResult?(result: ConfigReloadResult, restartPending: boolean): void;
  /** Quiet time after the last file event, ms (default 300). */
  debounceMs?: number;
}

export interface ReloadOutcome {
  result: ConfigReloadResult;
  /** Settings changed in place. */
  changed: string[];
  /** Settings left at their running value until a restart. */
  restart: string[];
  /** Why it was refused (result `rejected`). */
  error?: Error & { code?: string };
}

export class ConfigReloader {
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;
  private firstEventAt = 0;
  /** Text of the last file tried (applied or refused); null when it could not be read. */
  private lastText: string | null;
  private readonly debounceMs: number;
  private readonly log: Logger;

  constructor(private readonly o: ReloaderOptions) {
    this.debounceMs = o.debounceMs ?? 300;
    this.log = o.log.stage('config');
    this.lastText = readText(o.file);
  }

  /** Starts watching the file's directory. */
  start(): void {
    const dir = dirname(this.o.file);
    try {
      // persistent: false -- the DNS sockets keep the process alive, not this watch.
      this.watcher = watch(dir, { persistent: false }, () => this.schedule());
      this.watcher.on('error', (e) => this.watchFailed(dir, e));
    } catch (e) {
      this.watchFailed(dir, e as Error);
    }
  }

  close(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /**
   * Re-reads the file and applies it now (SIGHUP, and the watch after its debounce).
   * `onlyIfChanged`: skip when the text is the one last tried (file events that changed nothing).
   */
  reload(onlyIfChanged = false): ReloadOutcome | null {
    const file = this.o.file;
    const text = readText(file);
    if (onlyIfChanged && text === this.lastText) return null;
    this.lastText = text;
    let plan: ReloadPlan;
    try {
      // Unreadable: read again to throw the error with its errno (ENOENT, EACCES, EISDIR).
      const layer = parseConfigText(text ?? readFileSync(file, 'utf8'), file);
      plan = planReload(this.o.current(), validateOptions(mergeOptions(this.o.base ?? DEFAULTS, layer, this.o.flags)));
    } catch (e) {
      return this.refused(asConfigError(e, file));
    }
    if (plan.changed.length === 0 && plan.restart.length === 0) {
      this.log.info('config reloaded: nothing changed', { file });
      this.o.onResult?.('unchanged', false);
      return { result: 'unchanged', changed: [], restart: [] };
    }
    if (plan.changed.length > 0) {
      try {
        this.o.apply(plan);
      } catch (e) {
        return this.refused(e as Error);
      }
      this.log.info(`config reloaded: ${plan.changed.join(', ')} applied`, { file, changed: plan.changed });
    }
    const restart = plan.restart.map((r) => r.setting);
    if (restart.length > 0) {
      this.log.warn(`config: NOT applied until restart: ${describeRestart(plan.restart)}`, { code: 'CDNS_OPS_RESTART_REQUIRED', file, settings: restart });
    }
    const result = plan.changed.length > 0 ? 'applied' : 'unchanged';
    this.o.onResult?.(result, restart.length > 0);
    return { result, changed: plan.changed, restart };
  }

  private refused(err: Error & { code?: string; file?: string; line?: number; field?: string }): ReloadOutcome {
    this.log.error(`config reload refused, still running the previous config: ${err.message}`, {
      code: err.code ?? 'CDNS_OPS_RELOAD',
      file: err.file ?? this.o.file,
      line: err.line,
      field: err.field,
    });
    this.o.onResult?.('rejected', false);
    return { result: 'rejected', changed: [], restart: [], error: err };
  }

  private schedule(): void {
    const now = Date.now();
    if (this.timer === null) this.firstEventAt = now;
    else clearTimeout(this.timer);
    // A steady stream of events still reloads at least every 10 debounce periods.
    const wait = Math.max(0, Math.min(this.debounceMs, this.firstEventAt + 10 * this.debounceMs - now));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.reload(true);
    }, wait);
    this.timer.unref();
  }

  private watchFailed(dir: string, e: Error): void {
    this.log.error(`cannot watch ${dir} (${e.message}); config changes apply on SIGHUP only`, { code: 'CDNS_OPS_WATCH', file: this.o.file });
  }
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** A read failure becomes the same CDNS_CONFIG_READ error the start-up loader gives. */
function asConfigError(e: unknown, file: string): Error & { code?: string } {
  if (e instanceof ConfigError) return e;
  const errno = (e as NodeJS.ErrnoException).code;
  if (errno !== undefined && !errno.startsWith('CDNS_')) return new ConfigError('CDNS_CONFIG_READ', `cannot read the config file (${errno})`, { file });
  return e as Error;
}
