// What each runtime dependency costs in resident memory at start (issue 13, item 4): a fresh
// `node` requires one module and reports RSS and heap after full collections, against a
// `node` that requires nothing. Also the modules clusterdns itself loads at start in each mode
// (dist/ must be built: npm run build). Not a test; prints a table:
//   node bench/deps-rss.mjs [--runs 3]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 3;

// Each probe runs in its own process; the smallest of `runs` figures is kept (noise only adds).
function probe(code, async = false) {
  // An async probe's code ends in `setTimeout(()=>{`: the report runs 2.5 s later, then exits.
  const report = `for(let i=0;i<4;i++)gc();const m=process.memoryUsage();process.stdout.write('\\n'+JSON.stringify({rss:m.rss,heap:m.heapUsed})+'\\n')`;
  const script = async ? `${code}${report};process.exit(0)},2500)` : `${code};${report}`;
  let best = null;
  for (let i = 0; i < runs; i++) {
    const lines = execFileSync(process.execPath, ['--expose-gc', '-e', script], { cwd: root, encoding: 'utf8' }).trim().split('\n');
    const out = JSON.parse(lines[lines.length - 1]);
    if (best === null || out.rss < best.rss) best = out;
  }
  return best;
}

const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const rows = [];
const base = probe('');
const mb = (b) => (b / 1048576).toFixed(1);
rows.push(['node itself (nothing required)', mb(base.rss), mb(base.heap)]);
const add = (label, code, async = false) => {
  const m = probe(code, async);
  rows.push([label, `+${mb(m.rss - base.rss)}`, `+${mb(m.heap - base.heap)}`]);
};
const addAsync = (label, code) => add(label, code, true);
for (const dep of Object.keys(pkg.dependencies)) add(dep, `require(${JSON.stringify(dep)})`);
// prom-client's share: lib/metrics/processCpuTotal.js requires it at its top, for exemplars.
add('@opentelemetry/api (loaded by prom-client)', `require('@opentelemetry/api')`);
add('@kubernetes/client-node KubeConfig + loadFromOptions', `const k=new (require('@kubernetes/client-node').KubeConfig)();k.loadFromOptions({clusters:[{name:'c',server:'https://127.0.0.1:6443'}],users:[{name:'u',token:'t'}],contexts:[{name:'c',cluster:'c',user:'u'}],currentContext:'c'})`);
if (fs.existsSync(path.join(root, 'dist/sources/kube-client.js'))) {
  add('clusterdns kube-client.ts loadKubeConfig (what --kubeconfig loads)', `const f=require('os').tmpdir()+'/deps-rss-kc.yaml';require('fs').writeFileSync(f,'apiVersion: v1\\nkind: Config\\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]\\nusers: [{name: u, user: {token: t}}]\\ncontexts: [{name: c, context: {cluster: c, user: u}}]\\ncurrent-context: c\\n');require('./dist/sources/kube-client').loadKubeConfig(f,null)`);
  add('clusterdns app (dist/app.js: server, resolver, cluster view)', `require('./dist/app')`);
  // The whole CLI serving a small JSON snapshot with flags only (no Corefile, no plugins, no
  // config file), measured 2.5 s after start: what a flags start loads (issue 13).
  const snap = JSON.stringify(path.join(root, 'test/fixtures/cluster.json'));
  const flags = (metrics) => `['serve','--snapshot',${snap},'--listen','127.0.0.1:0','--health','off','--ready','off','--metrics',${JSON.stringify(metrics)},'--upstream','127.0.0.1:9','--log-level','error']`;
  const cli = (args) => `process.argv=[process.argv[0],'dist/cli.js',...${args}];require('./dist/cli.js');setTimeout(()=>{`;
  addAsync('clusterdns cli start, flags, JSON snapshot, --metrics off', cli(flags('off')));
  addAsync('clusterdns cli start, flags, JSON snapshot, --metrics on', cli(flags('127.0.0.1:0')));
}
const w = Math.max(...rows.map((r) => r[0].length));
console.log(`${'module'.padEnd(w)}  RSS MB  heap MB   (node ${process.version}, min of ${runs} runs, after GC)`);
for (const [k, r, h] of rows) console.log(`${k.padEnd(w)}  ${r.padStart(6)}  ${h.padStart(7)}`);
