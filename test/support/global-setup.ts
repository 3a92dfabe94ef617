// Tests that spawn the real CLI (`node dist/cli.js`) need a fresh build: rebuild dist/ when any
// source file is newer than it. `npm ci` builds too (prepare), so CI usually skips this.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

function newest(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

export default function globalSetup(): void {
  const root = path.resolve(__dirname, '../..');
  const built = path.join(root, 'dist/cli.js');
  const stale = !fs.existsSync(built) || newest(path.join(root, 'src')) > fs.statSync(built).mtimeMs;
  if (stale) execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
}
