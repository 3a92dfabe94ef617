// The zone files given with --zone-file, kept loaded and current. Each file's directory is
// watched rather than the file: Kubernetes mounts a ConfigMap as symlinks and updates it by
// swapping the `..data` symlink, which a watch on the old file never sees. Events are
// debounced, then every file is re-read and reloaded only if its text changed. A file that
// no longer parses (or vanished) is reported once through onError and its last good zone
// keeps being served (DESIGN §2: a bad reload keeps the last good state).
import { watch, type FSWatcher } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ZoneFileError } from './errors';
import { readZoneText, StaticZone } from './zone';

export interface ZoneFileCallbacks {
  /** After one or more files reloaded successfully: zones() and find() give the new data. */
  onChange(): void;
  /** A reload failed; the previous zone of that file is still served. */
  onError(e: Error): void;
}

export interface ZoneFileSourceOptions {
  /** Quiet time after the last file event before reloading, ms (default 200). */
  debounceMs?: number;
}

interface Loaded {
  path: string;
  zone: StaticZone;
  /** Text of the last successful load, to skip reloads that change nothing. */
  text: string;
  /** What the last failed attempt saw (text or read error), so one fault is reported once. */
  failed: string | null;
}

export class ZoneFileSource {
  private readonly files: Loaded[] = [];
  private sorted: StaticZone[] = [];
  private readonly watchers: FSWatcher[] = [];
  private readonly debounceMs: number;
  private timer: NodeJS.Timeout | null = null;
  private firstEventAt = 0;
  private closed = false;

  /**
   * Loads every file now and throws the first ZoneFileError: at start-up there is no last good
   * zone to fall back on, so the caller should exit with the message.
   */
  constructor(paths: string[], private readonly cb: ZoneFileCallbacks, opts: ZoneFileSourceOptions = {}) {
    this.debounceMs = opts.debounceMs ?? 200;
    for (const p of new Set(paths.map((x) => resolve(x)))) {
      const text = readZoneText(p);
      const zone = StaticZone.fromText(text, p);
      this.checkUnique(zone, null);
      this.files.push({ path: p, zone, text, failed: null });
    }
    this.sort();
    for (const dir of new Set(this.files.map((f) => dirname(f.path)))) {
      // persistent: false -- the listeners keep the process alive, not this watch.
      const w = watch(dir, { persistent: false }, () => this.schedule());
      w.on('error', (e) => this.report(new ZoneFileError('CDNS_ZONEFILE_READ', dir, null,
        `cannot watch the directory any more: ${e.message}; changes are not picked up until restart`)));
      this.watchers.push(w);
    }
  }

  /** Current zones, longest origin first. The array is replaced, never changed, on reload. */
  zones(): StaticZone[] {
    return this.sorted;
  }

  /** The zone with the longest origin containing `qnameLower`, or null. */
  find(qnameLower: string): StaticZone | null {
    const zs = this.sorted;
    for (let i = 0; i < zs.length; i++) if (zs[i].contains(qnameLower)) return zs[i];
    return null;
  }

  /** Re-reads every file now (what a debounced file event does). */
  reload(): void {
    if (this.closed) return;
    let changed = false;
    for (const f of this.files) {
      let text: string;
      try {
        text = readZoneText(f.path);
      } catch (e) {
        this.fail(f, `read:${(e as Error).message}`, e as Error);
        continue;
      }
      if (text === f.text) {
        f.failed = null; // back to the good text, e.g. a bad edit was reverted
        continue;
      }
      if (text === f.failed) continue;
      try {
        const zone = StaticZone.fromText(text, f.path);
        this.checkUnique(zone, f);
        f.zone = zone;
        f.text = text;
        f.failed = null;
        changed = true;
      } catch (e) {
        this.fail(f, text, e as Error);
      }
    }
    if (changed) {
      this.sort();
      try {
        this.cb.onChange();
      } catch (e) {
        this.report(e as Error);
      }
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const w of this.watchers) w.close();
    this.watchers.length = 0;
  }

  private schedule(): void {
    if (this.closed) return;
    const now = Date.now();
    if (this.timer !== null) {
      // A directory that never goes quiet (a log file beside the zones) must not hold the
      // reload back for ever: after 5 debounce periods the pending reload is left to fire.
      if (now - this.firstEventAt >= 5 * this.debounceMs) return;
      clearTimeout(this.timer);
    } else {
      this.firstEventAt = now;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.reload();
    }, this.debounceMs);
    this.timer.unref();
  }

  private fail(f: Loaded, seen: string, e: Error): void {
    if (f.failed === seen) return;
    f.failed = seen;
    this.report(e);
  }

  private report(e: Error): void {
    try {
      this.cb.onError(e);
    } catch {
      // A throwing callback must not become an uncaught exception in a timer (STYLE rule 12).
    }
  }

  private checkUnique(zone: StaticZone, self: Loaded | null): void {
    for (const other of this.files) {
      if (other !== self && other.zone.origin === zone.origin) {
        throw new ZoneFileError('CDNS_ZONEFILE_DUPLICATE', zone.file, null,
          `zone '${zone.origin}' is already loaded from ${other.path}: expected one file per zone`);
      }
    }
  }

  private sort(): void {
    this.sorted = this.files.map((f) => f.zone).sort((a, b) => b.origin.length - a.origin.length);
  }
}
