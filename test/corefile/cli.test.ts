// The CoreDNS command line on the real CLI (node dist/cli.js, built by jest's globalSetup):
// `-conf FILE -validate` and `check FILE` print what each directive became or the error
// (exit 0/1), `-plugins` lists the directives, and a Corefile with an unknown plugin does not
// start.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { stage, writeTree } from './stage';

const CLI = path.resolve(__dirname, '../../dist/cli.js');

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 15000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
    });
  });
}

test('-conf FILE -validate prints each block and plugin, exit 0', async () => {
  const s = stage('kubeadm');
  try {
    const r = await run(['-conf', s.corefile, '-validate']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`block ${s.corefile}:1: zones .; listen 0.0.0.0:53`);
    expect(r.stdout).toMatch(/^ {2}kubernetes {3}\{"zones":\["cluster.local","in-addr.arpa","ip6.arpa"\],"ttl":30,"pods":"insecure"/m);
    expect(r.stdout).toContain('process: health 0.0.0.0:8080 (lame duck 5000 ms); ready 0.0.0.0:8181; metrics 0.0.0.0:9153; reload every 30000 ms');
    // Same output through the sub-command, and behind the image's `serve` entrypoint.
    expect((await run(['check', s.corefile])).stdout).toBe(r.stdout);
    expect((await run(['serve', '-conf', s.corefile, '-validate'])).stdout).toBe(r.stdout);
  } finally {
    s.cleanup();
  }
});

test('an unknown plugin: one error line, exit 1, for check and for serve', async () => {
  const dir = writeTree({ Corefile: '.:53 {\n    errors\n    kubernets cluster.local\n}\n' });
  const line = `clusterdns: CDNS_COREFILE_UNKNOWN: ${dir}/Corefile:3: kubernets: unknown directive; did you mean kubernetes?\n`;
  const check = await run(['check', `${dir}/Corefile`]);
  expect([check.code, check.stdout, check.stderr]).toEqual([1, '', line]);
  const serve = await run(['-conf', `${dir}/Corefile`]);
  expect([serve.code, serve.stderr]).toEqual([1, line]);
});

test('-plugins lists what runs, in plugin.cfg order', async () => {
  const r = await run(['-plugins']);
  expect(r.code).toBe(0);
  const listed = r.stdout.split('Accepted and ignored')[0];
  const names = [...listed.matchAll(/^ {2}dns\.(\S+)/gm)].map((m) => m[1]);
  expect(names).toEqual(['reload', 'bind', 'debug', 'ready', 'health', 'prometheus', 'errors', 'log', 'any', 'loadbalance', 'cache', 'rewrite', 'autopath', 'template', 'hosts', 'k8s_external', 'kubernetes', 'file', 'loop', 'forward', 'whoami', 'proxy']);
});
