// What the real CLI loads at start (issue 13: resident memory). A flags start (no Corefile,
// no plugins, no config file, a JSON snapshot, no /metrics) must not load the Corefile front
// end, the plugins, the zone file reader, either YAML parser or prom-client: each is required
// where it is used (cli.ts, blocks/block.ts, config/file.ts, sources/snapshot.ts,
// sources/kube-access.ts, ops/serve.ts). A YAML snapshot with /metrics on loads js-yaml and
// prom-client, which shows the check sees what is loaded.
//
// `node -r preload dist/cli.js serve ...`: once the server logs that it is serving, SIGUSR2
// makes the preload write require.cache's keys and exit. dist/ is built by jest's globalSetup.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './helpers';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');

/** Modules of the project (dist/...) and packages (node_modules/NAME) loaded by one start. */
async function loadedBy(args: string[]): Promise<{ dist: string[]; packages: Set<string> }> {
  const dir = tempDir();
  const out = path.join(dir, 'modules.json');
  const preload = path.join(dir, 'preload.js');
  fs.writeFileSync(preload, `process.on('SIGUSR2', () => { require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(Object.keys(require.cache))); process.exit(0); });\n`);
  const proc = spawn(process.execPath, ['-r', preload, CLI, 'serve', '--listen', '127.0.0.1:0', '--workers', '1', '--health', 'off', '--ready', 'off', '--upstream', '127.0.0.1:9', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let asked = false;
  proc.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    if (!asked && stdout.includes('"clusterdns serving"')) asked = proc.kill('SIGUSR2');
  });
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await new Promise<number | null>((r) => proc.on('exit', r));
  if (!fs.existsSync(out) || !stdout.includes('"clusterdns serving"')) throw new Error(`the server did not start (exit ${code}): ${stderr}${stdout}`);
  const files = (JSON.parse(fs.readFileSync(out, 'utf8')) as string[]).map((f) => path.relative(ROOT, f).split(path.sep).join('/'));
  const packages = new Set<string>();
  for (const f of files) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f);
    if (m) packages.add(m[1]);
  }
  return { dist: files.filter((f) => f.startsWith('dist/')), packages };
}

test('a flags start with a JSON snapshot loads no Corefile module, plugin, zone file reader, YAML parser or prom-client', async () => {
  const { dist, packages } = await loadedBy(['--snapshot', path.join(ROOT, 'test/fixtures/cluster.json'), '--metrics', 'off']);
  expect(dist).toContain('dist/app.js'); // the check sees the server's own modules
  expect(dist.filter((f) => f.startsWith('dist/corefile/') && f !== 'dist/corefile/argv.js')).toEqual([]);
  expect(dist.filter((f) => f.startsWith('dist/plugins/') || f.startsWith('dist/zonefile/'))).toEqual([]);
  expect(['yaml', 'js-yaml', 'prom-client', '@opentelemetry/api'].filter((p) => packages.has(p))).toEqual([]);
});

test('a YAML snapshot with /metrics on loads js-yaml and prom-client, and still no Corefile module, plugin or `yaml`', async () => {
  const { dist, packages } = await loadedBy(['--snapshot', path.join(ROOT, 'zones/demo-cluster.yaml'), '--metrics', '127.0.0.1:0']);
  expect(packages.has('js-yaml')).toBe(true);
  expect(packages.has('prom-client')).toBe(true);
  expect(packages.has('yaml')).toBe(false);
  expect(dist.filter((f) => f.startsWith('dist/corefile/') && f !== 'dist/corefile/argv.js')).toEqual([]);
  expect(dist.filter((f) => f.startsWith('dist/plugins/'))).toEqual([]);
});
