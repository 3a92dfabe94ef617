#!/usr/bin/env node
// CPU-only churn simulation (issue 11), for a machine too busy for dnsperf figures: the
// in-cluster query mix through Resolver.resolve() (memo, cluster zone, encoding) interleaved
// with EndpointSlice updates applied to the store (the same add/remove of one extra endpoint
// as bench/churn.ts), one simulated second of Q queries with C changes at a time. Prints the
// CPU ms each simulated second costs, the memo misses and dropped entries. Sockets, watch
// parsing and conversion are left out: they do not depend on how the memo is invalidated.
//
//   node bench/churn-sim.js ROOT DATA [QUERIES_PER_S] [LABEL]
//     ROOT: a checkout with dist/ built (compare two commits: run it against each)
//     DATA: a gen-cluster.mjs output with snapshot.json (bench/run.sh churn writes
//           $BENCH_DIR/churn-data), e.g. node bench/gen-cluster.mjs --out D --headless 500 --format json
//     RATES env: comma-separated changes per second (default 0,50,200,1000 twice)
const path = require('path');
const root = process.argv[2] && path.resolve(process.argv[2]);
const { ClusterStore } = require(root + '/dist/cluster/store');
const { ClusterZone } = require(root + '/dist/cluster/zone');
const { Resolver } = require(root + '/dist/resolve/resolver');
const { readQuery, ParsedQuery } = require(root + '/dist/dns/query');
const { loadSnapshot } = require(root + '/dist/sources/snapshot');
const dnsPacket = require(require.resolve('dns-packet', { paths: [root, __dirname] }));
const fs = require('fs');
const data = process.argv[3];
if (!root || !data) { console.error('usage: churn-sim.js ROOT DATA [QUERIES_PER_S] [LABEL]'); process.exit(2); }
const store = new ClusterStore();
store.replaceAll(loadSnapshot(data + '/snapshot.json'));
store.markSynced();
const zone = new ClusterZone(store, { domain: 'cluster.local', ttl: 30, pods: 'insecure', namespaces: null, endpointPodNames: false, ignoreEmptyService: false, reverseZones: null });
const r = new Resolver({ cluster: zone, zones: null, forwarder: null, cache: null, generation: () => store.generation * 65536, localEpoch: () => 0 });
const lines = fs.readFileSync(data + '/queries-incluster.txt', 'utf8').trim().split('\n');
const qs = lines.map((l, i) => {
  const [name, type] = l.split(' ');
  const msg = dnsPacket.encode({ type: 'query', id: i & 0xffff, flags: 256, questions: [{ type, name }] });
  const q = new ParsedQuery();
  readQuery(msg, q);
  return [msg, q];
});
// Slim endpoint sets come in two shapes: rows of {addresses, ready, hostname, podName}
// (before issue 13) or packed columns (cluster/endpoint-set.ts); both are handled.
const packed = (s) => s.endpoints === undefined;
const firstIP = (s) => String(packed(s) ? s.addresses[0] : s.endpoints[0].addresses[0]);
const withExtra = (s, ip) => {
  if (!packed(s)) return { ...s, endpoints: [...s.endpoints, { addresses: [ip], ready: true, hostname: '', podName: '' }] };
  const { packIP } = require(root + '/dist/cluster/ip');
  return { ...s, addresses: [...s.addresses, packIP(ip)], hostnames: s.hostnames === '' ? '' : s.hostnames + '\n', podNames: s.podNames === '' ? '' : s.podNames + '\n', notReady: s.notReady };
};
const headless = [...store.endpointSets.values()].filter((s) => s.source === 'slice' && store.service(s.namespace, s.service)?.kind === 'Headless' && !firstIP(s).includes(':'));
const extra = new Map();
let cursor = 0, nextIP = 0;
const change = () => {
  const s = headless[cursor++ % headless.length];
  const key = s.name;
  if (extra.has(key)) { extra.delete(key); store.upsert('EndpointSet', s); }
  else {
    const ip = `10.250.${(nextIP >> 8) & 255}.${1 + (nextIP % 250)}`; nextIP = (nextIP + 1) % 64000;
    extra.set(key, ip);
    store.upsert('EndpointSet', withExtra(s, ip));
  }
};
const Q = Number(process.argv[4] ?? 100000);
let qi = 0, misses = 0, dropped = 0;
if (r.localAnswers) r.localAnswers.onDrop((d) => (dropped += d === 'all' ? 1e9 : d.length));
const second = (C) => {
  const every = C > 0 ? Math.floor(Q / C) : Infinity;
  // A simulated second takes less than a real one: age the serial so that, as in a real
  // second with changes, the first change moves it (every answer carrying the SOA goes).
  if (C > 0) store.serial -= 1;
  const t0 = process.cpuUsage();
  for (let i = 0; i < Q; i++) {
    if (C > 0 && i % every === 0) change();
    const [m, q] = qs[qi++ % qs.length];
    r.resolve(m, q, 512);
    if (r.source === 1) misses++;
  }
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000;
};
for (let w = 0; w < 3; w++) second(0);
for (const C of (process.env.RATES||"0,50,200,1000,0,50,200,1000").split(",").map(Number)) {
  misses = 0; dropped = 0;
  const ms = [second(C), second(C), second(C)].sort((a, b) => a - b)[1];
  console.log(`${(process.argv[5] ?? '')} ${C} changes/s at ${Q} q/s: ${ms.toFixed(0)} ms CPU per second of load; misses/s ${(misses / 3).toFixed(0)} dropped/s ${(dropped / 3).toFixed(0)}`);
}
