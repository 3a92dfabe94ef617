#!/usr/bin/env node
// Compare what a server answered (the output of `dig -f <names> +noall +cmd +comments +answer`)
// with check.tsv from gen-cluster.mjs: rcode and the sorted answer records (owner, type, rdata;
// TTLs ignored, as compare.py in ../shared/bench does).
//
//   node check-answers.mjs CHECK.TSV DIG.OUT SERVER [--all-scopes]
//
// Rows of scope "spec" (rules a zone file cannot express: an empty namespace, a CNAME chased
// into another zone) count only for clusterdns. Prints one summary line and the first
// mismatches; exit status 0 when every row in scope matches, 1 otherwise.
import { readFileSync } from 'node:fs';

const [checkFile, digFile, server] = process.argv.slice(2);
if (!checkFile || !digFile || !server) {
  process.stderr.write('usage: check-answers.mjs CHECK.TSV DIG.OUT SERVER\n');
  process.exit(2);
}

const expected = readFileSync(checkFile, 'utf8').split('\n').filter(Boolean).map((l) => {
  const [name, type, scope, rcode, answers] = l.split('\t');
  return { name, type, scope, rcode, answers };
});

// One block per query, opened by dig's command line "; <<>> DiG 9.x <<>> NAME TYPE".
const got = [];
let cur = null;
for (const line of readFileSync(digFile, 'utf8').split('\n')) {
  if (line.startsWith('; <<>> DiG')) {
    const f = line.trim().split(/\s+/);
    cur = { name: f[f.length - 2].toLowerCase().replace(/\.$/, ''), type: f[f.length - 1].toUpperCase(), rcode: 'NO-REPLY', rrs: [] };
    got.push(cur);
    continue;
  }
  if (!cur) continue;
  const st = /->>HEADER<<-.*status: ([A-Z]+),/.exec(line);
  if (st) {
    cur.rcode = st[1];
    continue;
  }
  if (line === '' || line.startsWith(';')) continue;
  const f = line.trim().split(/\s+/);
  if (f.length < 5) continue;
  cur.rrs.push(`${f[0].toLowerCase()} ${f[3].toUpperCase()} ${f.slice(4).join(' ').toLowerCase()}`);
}

const inScope = expected.filter((e) => e.scope === 'all' || server === 'clusterdns');
const byKey = new Map(got.map((g) => [`${g.name} ${g.type}`, g]));
const bad = [];
for (const e of inScope) {
  const g = byKey.get(`${e.name} ${e.type}`);
  const answers = g ? (g.rrs.length ? [...g.rrs].sort().join(' | ') : '-') : '(not asked)';
  const rcode = g ? g.rcode : '(not asked)';
  if (rcode !== e.rcode || answers.toLowerCase() !== e.answers.toLowerCase()) bad.push({ e, rcode, answers });
}
process.stdout.write(`check ${server}: ${inScope.length - bad.length}/${inScope.length} answers as expected\n`);
for (const b of bad.slice(0, 8)) {
  const cut = (s) => (s.length > 160 ? `${s.slice(0, 157)}...` : s);
  process.stdout.write(`  ${b.e.name} ${b.e.type}: want ${b.e.rcode} ${cut(b.e.answers)}\n`);
  process.stdout.write(`  ${' '.repeat(b.e.name.length + b.e.type.length + 1)}  got  ${b.rcode} ${cut(b.answers)}\n`);
}
if (bad.length > 8) process.stdout.write(`  ... and ${bad.length - 8} more\n`);
process.exit(bad.length ? 1 : 0);
