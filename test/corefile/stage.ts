// Copies a Corefile fixture folder (test/fixtures/corefiles/<name>) into a temp dir and points
// the distribution's absolute paths (/etc/coredns/...) at the copy, so the Corefile reads its
// NodeHosts and custom/ imports as it would in the pod. `edit` may change the text further.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const FIXTURES = path.resolve(__dirname, '../fixtures/corefiles');

export interface Staged {
  dir: string;
  corefile: string;
  cleanup(): void;
}

export function stage(name: string, edit: (text: string, dir: string) => string = (t) => t): Staged {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `corefile-${name}-`));
  fs.cpSync(path.join(FIXTURES, name), dir, { recursive: true });
  const corefile = path.join(dir, 'Corefile');
  for (const f of walk(dir)) {
    const text = fs.readFileSync(f, 'utf8').replaceAll('/etc/coredns/', dir + '/');
    fs.writeFileSync(f, f === corefile ? edit(text, dir) : text);
  }
  return { dir, corefile, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A temp dir with the given files (relative path -> text); returns the dir. */
export function writeTree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corefile-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
