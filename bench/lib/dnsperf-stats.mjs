#!/usr/bin/env node
// Read one dnsperf 2.x output file and print its figures as one CSV fragment:
//   sent,completed,lost,qps,avg_ms,min_ms,max_ms,p50_ms,p99_ms,rcodes
// Debian's dnsperf 2.10 has no latency histogram option; with -v it prints one line per
// answered query ("> NOERROR name type 0.000123"), from which p50/p99 are taken (nearest
// rank over the answered queries; lost queries are counted separately). Without -v the
// percentile fields are empty.
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: dnsperf-stats.mjs DNSPERF_OUTPUT\n');
  process.exit(2);
}
const text = readFileSync(file, 'latin1');
const num = (re) => {
  const m = re.exec(text);
  return m ? m[1] : '';
};
const ms = (v) => (v === '' ? '' : (Number(v) * 1000).toFixed(3));

const lat = [];
for (let i = text.indexOf('\n> '); i >= 0; i = text.indexOf('\n> ', i + 3)) {
  const end = text.indexOf('\n', i + 3);
  const line = text.slice(i + 3, end < 0 ? text.length : end);
  const v = Number(line.slice(line.lastIndexOf(' ') + 1));
  if (Number.isFinite(v)) lat.push(v);
}
let p50 = '';
let p99 = '';
if (lat.length > 0) {
  const a = Float64Array.from(lat).sort();
  const rank = (p) => a[Math.max(0, Math.ceil(p * a.length) - 1)];
  p50 = (rank(0.5) * 1000).toFixed(3);
  p99 = (rank(0.99) * 1000).toFixed(3);
}
const rc = /Response codes:\s+(.*)/.exec(text);
const rcodes = rc ? rc[1].replace(/\s*\([^)]*\)/g, '').replace(/,\s*/g, ';').trim() : '';
const fields = [
  num(/Queries sent:\s+(\d+)/),
  num(/Queries completed:\s+(\d+)/),
  num(/Queries lost:\s+(\d+)/),
  num(/Queries per second:\s+([\d.]+)/),
  ms(num(/Average Latency \(s\):\s+([\d.]+)/)),
  ms(num(/Average Latency \(s\):.*min ([\d.]+)/)),
  ms(num(/Average Latency \(s\):.*max ([\d.]+)/)),
  p50,
  p99,
  rcodes,
];
process.stdout.write(`${fields.join(',')}\n`);
