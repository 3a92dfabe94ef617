// The process-wide settings a Corefile implies, gathered across blocks into one OptionsLayer.
// CoreDNS runs health, ready and prometheus once per process (a second block may repeat the
// same address); clusterdns keeps one of each, and one API connection for every kubernetes
// block, so the first block that sets one wins and a different value elsewhere is a warning
// that says which one is used.
import type { OptionsLayer } from '../config/file';
import type { Line } from './args';

export class ProcessSettings {
  readonly layer: OptionsLayer = {};
  private readonly setAt = new Map<string, string>();

  constructor(private readonly warnings: string[]) {}

  set<K extends keyof OptionsLayer>(key: K, value: OptionsLayer[K], line: Line): void {
    const where = `${line.d.name.file}:${line.d.name.line}`;
    const prev = this.setAt.get(key);
    if (prev !== undefined) {
      if (JSON.stringify(this.layer[key]) !== JSON.stringify(value)) {
        this.warnings.push(`${where}: ${line.path}: ${String(key)} is process-wide and already set at ${prev} to ${JSON.stringify(this.layer[key])}; ${JSON.stringify(value)} is ignored`);
      }
      return;
    }
    this.setAt.set(key, where);
    this.layer[key] = value;
  }

  /** Sets a default that later blocks may differ from without a warning (clusterDomain). */
  setDefault<K extends keyof OptionsLayer>(key: K, value: OptionsLayer[K], line: Line): void {
    if (!this.setAt.has(key)) this.set(key, value, line);
  }

  has(key: keyof OptionsLayer): boolean {
    return this.setAt.has(key);
  }
}
