#!/usr/bin/env node
// Turn the per-run CSV of bench/run.sh into the one table people read: per server, mix and
// core setting the median max QPS, its ratio to Knot (same mix, same cores, same run of the
// script), latency at max load and at half of it (mean, p99), lost queries and server CPU per
// query. Prints a text table and writes a markdown file and a summary CSV.
//
//   node report.mjs --csv RUNS.csv [--machine machine.txt] [--memory memory.csv]
//        [--check check.txt] [--markdown OUT.md] [--summary OUT.csv] [--settings TEXT]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: a } = parseArgs({
  options: {
    csv: { type: 'string' },
    machine: { type: 'string' },
    memory: { type: 'string' },
    check: { type: 'string' },
    markdown: { type: 'string' },
    summary: { type: 'string' },
    settings: { type: 'string', default: '' },
  },
});
if (!a.csv) {
  process.stderr.write('usage: report.mjs --csv RUNS.csv [...]\n');
  process.exit(2);
}
const readIf = (p) => (p && existsSync(p) ? readFileSync(p, 'utf8').trim() : '');

function parseCsv(text) {
  const [head, ...lines] = text.split('\n').filter(Boolean);
  const keys = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [keys[i], v])));
}

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((p, q) => p - q);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const n = (v) => (v === undefined || v === '' ? NaN : Number(v));
const fmt = (v, d = 0) => (Number.isFinite(v) ? v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : '-');

const rows = parseCsv(readFileSync(a.csv, 'utf8'));
const MIX_ORDER = ['incluster', 'storm', 'autopath', 'external'];
const SERVER_ORDER = ['clusterdns', 'clusterdns-cf', 'clusterdns-ap', 'knot', 'dnsmasq', 'nodeecho'];
/** Queries a pod's lookup of an external name costs in each search-path mix (gen/queries.mjs). */
const QUERIES_PER_LOOKUP = { storm: 8, autopath: 2 };
const groups = new Map();
for (const r of rows) {
  if (r.kind === 'warmup') continue;
  const k = `${r.cores}|${r.mix}|${r.server}`;
  if (!groups.has(k)) groups.set(k, { server: r.server, mix: r.mix, cores: r.cores, workers: r.workers, pinned: r.pinned, max: [], lat: [] });
  groups.get(k)[r.kind === 'latency' ? 'lat' : 'max'].push(r);
}
const order = (g) => [Number(g.cores), MIX_ORDER.indexOf(g.mix), SERVER_ORDER.indexOf(g.server)];
const sorted = [...groups.values()].sort((x, y) => {
  const ox = order(x);
  const oy = order(y);
  for (let i = 0; i < ox.length; i++) if (ox[i] !== oy[i]) return ox[i] - oy[i];
  return 0;
});

const out = [];
for (const g of sorted) {
  const qps = median(g.max.map((r) => n(r.qps)));
  const knot = groups.get(`${g.cores}|${g.mix}|knot`);
  const knotQps = knot ? median(knot.max.map((r) => n(r.qps))) : NaN;
  const lat = g.lat[0];
  out.push({
    server: g.server,
    mix: g.mix,
    cores: g.cores,
    workers: g.workers,
    pinned: g.pinned === '1' ? 'yes' : 'no',
    runs: g.max.length,
    qps,
    ratio: qps / knotQps,
    meanMax: median(g.max.map((r) => n(r.avg_ms))),
    halfQps: lat ? n(lat.offered_qps) : NaN,
    meanHalf: lat ? n(lat.avg_ms) : NaN,
    p99Half: lat ? n(lat.p99_ms) : NaN,
    lostMax: g.max.reduce((s, r) => s + (n(r.lost) || 0), 0),
    sentMax: g.max.reduce((s, r) => s + (n(r.sent) || 0), 0),
    lostHalf: lat ? n(lat.lost) : NaN,
    usPerQuery: median(g.max.map((r) => n(r.srv_us_per_query))),
    otherCpu: Math.max(...g.max.map((r) => n(r.other_cpu_pct) || 0)),
    upstreamCpu: Math.max(...[...g.max, ...g.lat].map((r) => n(r.upstream_cpu_pct) || 0)),
    rcodes: (g.max[0] && g.max[0].rcodes) || '',
  });
}

const head = ['server', 'mix', 'cores', 'workers', 'pinned', 'QPS (median)', 'vs Knot', 'mean ms @max', 'mean ms @½', 'p99 ms @½', 'lost @max', 'lost @½', 'server µs/query', 'other CPU %'];
const cells = out.map((o) => [
  o.server, o.mix, o.cores, o.workers, o.pinned,
  fmt(o.qps), Number.isFinite(o.ratio) ? `${o.ratio.toFixed(2)}×` : '-',
  fmt(o.meanMax, 3), fmt(o.meanHalf, 3), fmt(o.p99Half, 3),
  `${fmt(o.lostMax)}${o.sentMax ? ` (${((o.lostMax / o.sentMax) * 100).toFixed(2)}%)` : ''}`,
  fmt(o.lostHalf), fmt(o.usPerQuery, 1), fmt(o.otherCpu),
]);

function textTable(h, body) {
  const w = h.map((x, i) => Math.max(x.length, ...body.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i < 5 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ');
  return [line(h), w.map((x) => '-'.repeat(x)).join('  '), ...body.map(line)].join('\n');
}
const md = (h, body) => [`| ${h.join(' | ')} |`, `|${h.map((_, i) => (i < 5 ? '---' : '---:')).join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');

// The forwarders must answer external names from their caches while measured (the loopback
// upstream was asked once, before): a busy upstream means they did not.
const notCached = out.filter((o) => o.server !== 'knot' && o.upstreamCpu > 2);
const cacheNote = notCached.length
  ? `WARNING: the upstream was busy during ${notCached.map((o) => `${o.server}/${o.mix}/cores=${o.cores} (${o.upstreamCpu.toFixed(0)}% CPU)`).join(', ')}: those answers did not all come from the cache.`
  : '';

// Issue 12: what a pod sees is lookups, not queries. Per core setting, the search-path storm
// without autopath (8 queries per external lookup) next to the same lookups with it (2).
const lookupLines = [];
for (const cores of [...new Set(out.map((o) => o.cores))]) {
  const parts = out
    .filter((o) => o.cores === cores && o.server.startsWith('clusterdns') && QUERIES_PER_LOOKUP[o.mix])
    .map((o) => `${o.server} ${o.mix}: ${QUERIES_PER_LOOKUP[o.mix]} queries per lookup, ${fmt(o.qps / QUERIES_PER_LOOKUP[o.mix])} lookups/s`);
  if (parts.length) lookupLines.push(`  cores=${cores}: ${parts.join('; ')}`);
}
const lookupsNote = lookupLines.length ? `external lookups through the search path (QPS / queries per lookup):\n${lookupLines.join('\n')}` : '';

const machine = readIf(a.machine);
const check = readIf(a.check);
const memory = readIf(a.memory);
let memText = '';
let memMd = '';
if (memory) {
  const m = parseCsv(memory)[0];
  memText = `memory: ${fmt(n(m.services))} services, ${fmt(n(m.endpoints))} endpoints (${m.snapshot_format}, ${m.snapshot_mb} MB): ` +
    `first answer after ${fmt(n(m.startup_ms))} ms, RSS ${m.rss_mb_at_first_answer} MB then, ${m.rss_mb_after_3s} MB 3 s later, peak ${m.peak_rss_mb} MB`;
  memMd = `| services | endpoints | snapshot | start-up to first answer | RSS at first answer | RSS 3 s later | peak RSS |\n|---:|---:|---|---:|---:|---:|---:|\n` +
    `| ${fmt(n(m.services))} | ${fmt(n(m.endpoints))} | ${m.snapshot_format}, ${m.snapshot_mb} MB | ${fmt(n(m.startup_ms))} ms | ${m.rss_mb_at_first_answer} MB | ${m.rss_mb_after_3s} MB | ${m.peak_rss_mb} MB |`;
}

const legend =
  'mixes: incluster = A/SRV/PTR/headless A/AAAA NODATA of cluster names; storm = ndots:5 search path ' +
  '(3 NXDOMAIN suffixes x A+AAAA, then the real name from cache); autopath = the same lookups against clusterdns-ap ' +
  '(clusterdns --autopath): the first suffix only, A+AAAA, answered with a CNAME to the real name; external = real names only, from cache.\n' +
  'cores 1 = server pinned to one CPU, dnsperf to the other; cores 2 = both unpinned, server with 2 workers where it has them.\n' +
  'vs Knot = QPS / Knot QPS, same mix and cores, same run. @½ = dnsperf -Q at half that server\'s own max QPS.';

const text = [
  machine && `machine:\n${machine.replace(/^/gm, '  ')}`,
  a.settings && `settings: ${a.settings}`,
  textTable(head, cells),
  lookupsNote,
  cacheNote,
  legend,
  check && `answer checks (before measuring):\n${check.split('\n').filter((l) => l.startsWith('check ')).map((l) => `  ${l}`).join('\n')}`,
  memText,
].filter(Boolean).join('\n\n');
process.stdout.write(`${text}\n`);

if (a.markdown) {
  const mdText = [
    '# clusterdns benchmark',
    machine && `\`\`\`\n${machine}\n\`\`\``,
    a.settings && `Settings: ${a.settings}.`,
    md(head, cells),
    lookupsNote && `\`\`\`\n${lookupsNote}\n\`\`\``,
    cacheNote,
    legend.split('\n').map((l) => `${l}  `).join('\n'),
    check && `Answer checks before measuring:\n\n\`\`\`\n${check}\n\`\`\``,
    memMd && `## Memory and start-up\n\n${memMd}`,
  ].filter(Boolean).join('\n\n');
  writeFileSync(a.markdown, `${mdText}\n`);
  process.stdout.write(`\nmarkdown: ${a.markdown}\n`);
}
if (a.summary) {
  const keys = Object.keys(out[0] || {});
  writeFileSync(a.summary, `${[keys.join(','), ...out.map((o) => keys.map((k) => (typeof o[k] === 'number' && !Number.isInteger(o[k]) ? o[k].toFixed(3) : o[k])).join(','))].join('\n')}\n`);
  process.stdout.write(`summary csv: ${a.summary}\nper-run csv: ${a.csv}\n`);
}
