// CoreDNS `hosts`: names from a hosts(5) file and inline lines, A, AAAA and generated PTR.
//   hosts [FILE [ZONES...]] { INLINE...; ttl; reload; no_reverse; fallthrough [ZONES] }
// Rules (CoreDNS plugin/hosts): a name outside the zones passes on, except PTR, whose reverse
// zones need not be listed; a PTR for an unknown address always passes on; a known name asked
// for another type is NODATA; an unknown name in the zones passes on with `fallthrough`, else
// is SERVFAIL (a hosts file has no SOA to make an NXDOMAIN with, CoreDNS's reason).
//
// The file is read at start and re-read when its mtime or size moves (checked every `reload`);
// a vanished file leaves the inline lines serving, a failed read keeps the last good data and
// is logged once until a read succeeds. version() moves with every change the answers can see.
import { readFileSync, statSync } from 'node:fs';
import { TYPE } from '../dns/constants';
import type { AnswerSet, Record } from '../dns/records';
import { nodata, positive, servfail, SILENT, type PluginLog } from './answers';
import { pluginError } from './errors';
import { addHostsText, emptyTable, mergeTables, type HostsTable } from './hosts-file';
import type { AnswerLink, HostsConfig, QueryInfo } from './types';
import { fallsThrough, zoneOf } from './zones';

export class HostsLink implements AnswerLink {
  readonly plugin = 'hosts';
  readonly memoizable = true;
  private readonly inline: HostsTable;
  private table: HostsTable;
  private generation = 1;
  /** mtime and size of the file as last read; null: absent (or no file). */
  private seen: { mtimeMs: number; size: number } | null = null;
  private failing = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly config: HostsConfig,
    private readonly log: PluginLog = SILENT,
  ) {
    this.inline = addHostsText(emptyTable(), config.inline.join('\n'), config.zones);
    this.table = this.inline;
    if (config.file !== null) {
      const read = this.read(config.file);
      if ('error' in read) {
        // CoreDNS starts without the file (NodeHosts may be written later); anything else is a fault.
        if (read.error.code !== 'ENOENT') throw pluginError('CDNS_PLUGIN_HOSTS', config.origin, 'hosts', `cannot read ${config.file}: ${read.error.message}`);
        log.warn(`hosts: ${config.file} does not exist; serving the inline lines`, { origin: config.origin });
      } else {
        this.table = mergeTables(this.inline, read.table);
      }
      if (config.reloadMs > 0) {
        this.timer = setInterval(() => this.refresh(), config.reloadMs);
        this.timer.unref();
      }
    }
  }

  version(): number {
    return this.generation;
  }

  close(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** One reload check (the timer calls it every `reload`; tests call it directly). */
  refresh(): void {
    const file = this.config.file;
    if (file === null) return;
    const st = statSync(file, { throwIfNoEntry: false });
    if (st === undefined) {
      if (this.seen === null && !this.failing) return;
      this.seen = null;
      this.failing = false;
      this.swap(this.inline);
      this.log.warn(`hosts: ${file} is gone; serving the inline lines`, { origin: this.config.origin });
      return;
    }
    if (this.seen !== null && this.seen.mtimeMs === st.mtimeMs && this.seen.size === st.size) return;
    const read = this.read(file);
    if ('error' in read) {
      if (!this.failing) this.log.warn(`hosts: cannot re-read ${file}, keeping the last good data: ${read.error.message}`, { origin: this.config.origin });
      this.failing = true;
      return;
    }
    this.failing = false;
    this.swap(mergeTables(this.inline, read.table));
  }

  answer(q: QueryInfo): AnswerSet | null {
    const t = this.table;
    const name = q.name;
    if (q.qtype === TYPE.PTR) {
      const names = this.config.noReverse ? undefined : t.ptr.get(name);
      if (names === undefined) return null;
      return positive(names.map((n): Record => ({ name, type: 'PTR', ttl: this.config.ttl, data: n })));
    }
    if (zoneOf(this.config.zones, name) === null) return null;
    const v4 = t.v4.get(name);
    const v6 = t.v6.get(name);
    if (v4 === undefined && v6 === undefined) return fallsThrough(this.config.fallthrough, name) ? null : servfail();
    const ips = q.qtype === TYPE.A ? v4 : q.qtype === TYPE.AAAA ? v6 : undefined;
    if (ips === undefined) return nodata();
    const type = q.qtype === TYPE.A ? 'A' : 'AAAA';
    return positive(ips.map((ip): Record => ({ name, type, ttl: this.config.ttl, data: ip })));
  }

  /** The file's table, or why it could not be read. Records the mtime and size read. */
  private read(file: string): { table: HostsTable } | { error: NodeJS.ErrnoException } {
    try {
      const st = statSync(file);
      const text = readFileSync(file, 'utf8');
      this.seen = { mtimeMs: st.mtimeMs, size: st.size };
      return { table: addHostsText(emptyTable(), text, this.config.zones) };
    } catch (e) {
      return { error: e as NodeJS.ErrnoException };
    }
  }

  private swap(t: HostsTable): void {
    this.table = t;
    this.generation++;
  }
}

/** The `hosts` link of one server block. Throws CDNS_PLUGIN_HOSTS when the file exists but cannot be read. */
export function createHosts(config: HostsConfig, log?: PluginLog): HostsLink {
  return new HostsLink(config, log);
}
