#!/usr/bin/env node
// Generate the benchmark's synthetic cluster from one model (bench/gen/model.mjs):
//   snapshot.yaml|json   Kubernetes objects for `clusterdns serve --snapshot`
//   zones/<zone>.zone    RFC 1035 master files (cluster zone, reverse zones, external zones)
//   zones.cluster        names of the zones the Knot peer serves for the cluster (+ external)
//   zones.external       names of the zones the loopback upstream serves
//   dnsmasq.conf/.hosts  the same records for dnsmasq
//   queries-{incluster,storm,external}.txt, warm-external.txt   dnsperf input
//   check.tsv            name, type, scope, rcode, sorted answers: what every server must say
//   summary.json         sizes, and one known name + address to poll for readiness
// Plain ESM JavaScript so that it runs with `node` alone (no ts-node in the project).
//
//   node bench/gen-cluster.mjs --out DIR [--services 1000 --namespaces 10 --headless 100
//        --endpoints 10 --service-endpoints 0 --externals 50 --external-names 30
//        --dual-stack-every 10 --queries 100000 --sample 150 --seed N --format yaml|json
//        --upstream-port 5419 --snapshot-only]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildModel, DEFAULT_SHAPE } from './gen/model.mjs';
import { buildRecords } from './gen/records.mjs';
import { writeZoneFiles, writeDnsmasq } from './gen/peers.mjs';
import { writeSnapshot } from './gen/snapshot.mjs';
import { writeQueries } from './gen/queries.mjs';

const int = (v, name) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`gen-cluster: --${name} must be a non-negative integer, got ${JSON.stringify(v)}\n`);
    process.exit(2);
  }
  return n;
};

const OPTIONS = {
  out: { type: 'string' },
  zone: { type: 'string', default: DEFAULT_SHAPE.zone },
  ttl: { type: 'string', default: String(DEFAULT_SHAPE.ttl) },
  namespaces: { type: 'string', default: String(DEFAULT_SHAPE.namespaces) },
  services: { type: 'string', default: String(DEFAULT_SHAPE.services) },
  headless: { type: 'string', default: String(DEFAULT_SHAPE.headless) },
  endpoints: { type: 'string', default: String(DEFAULT_SHAPE.endpoints) },
  'service-endpoints': { type: 'string', default: String(DEFAULT_SHAPE.serviceEndpoints) },
  externals: { type: 'string', default: String(DEFAULT_SHAPE.externals) },
  'external-names': { type: 'string', default: String(DEFAULT_SHAPE.externalNames) },
  'dual-stack-every': { type: 'string', default: String(DEFAULT_SHAPE.dualStackEvery) },
  queries: { type: 'string', default: '100000' },
  sample: { type: 'string', default: '150' },
  seed: { type: 'string', default: String(DEFAULT_SHAPE.seed) },
  format: { type: 'string', default: 'yaml' },
  'upstream-port': { type: 'string', default: '5419' },
  'snapshot-only': { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
};
let a;
try {
  a = parseArgs({ options: OPTIONS }).values;
} catch (err) {
  process.stderr.write(`gen-cluster: ${err.message} (see --help)\n`);
  process.exit(2);
}
if (a.help) {
  // the usage block of the header comment above
  const lines = (await import('node:fs')).readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(1);
  const head = lines.slice(0, lines.findIndex((l) => !l.startsWith('//')));
  process.stdout.write(`${head.map((l) => l.replace(/^\/\/ ?/, '')).join('\n')}\n`);
  process.exit(0);
}
if (!a.out) {
  process.stderr.write('gen-cluster: --out DIR is required\n');
  process.exit(2);
}
if (a.format !== 'yaml' && a.format !== 'json') {
  process.stderr.write(`gen-cluster: --format must be yaml or json, got ${JSON.stringify(a.format)}\n`);
  process.exit(2);
}
const shape = {
  zone: a.zone.toLowerCase().replace(/\.$/, ''),
  ttl: int(a.ttl, 'ttl'),
  namespaces: Math.max(1, int(a.namespaces, 'namespaces')),
  services: int(a.services, 'services'),
  headless: int(a.headless, 'headless'),
  endpoints: int(a.endpoints, 'endpoints'),
  serviceEndpoints: int(a['service-endpoints'], 'service-endpoints'),
  externals: int(a.externals, 'externals'),
  externalNames: Math.max(1, int(a['external-names'], 'external-names')),
  dualStackEvery: int(a['dual-stack-every'], 'dual-stack-every'),
  seed: int(a.seed, 'seed'),
};

const t0 = Date.now();
mkdirSync(a.out, { recursive: true });
const model = buildModel(shape);
const snapshot = join(a.out, `snapshot.${a.format}`);
writeSnapshot(snapshot, model, a.format);

const clusterIP = model.services.filter((s) => s.kind === 'ClusterIP' && s.ns.startsWith('ns-'));
const known = clusterIP[clusterIP.length - 1] || model.services[0];
const summary = {
  shape,
  snapshot,
  namespaces: model.namespaces.length,
  services: model.services.length,
  clusterIPServices: model.services.filter((s) => s.kind === 'ClusterIP').length,
  headlessServices: model.services.filter((s) => s.kind === 'Headless').length,
  externalNameServices: model.services.filter((s) => s.kind === 'ExternalName').length,
  endpointSlices: model.services.reduce((n, s) => n + s.slices.length, 0),
  endpoints: model.endpointCount,
  // The last ClusterIP service of the snapshot: answering it means the whole file is loaded.
  knownName: `${known.name}.${known.ns}.svc.${model.zone}`,
  knownIP: known.clusterIPs[0],
};

if (!a['snapshot-only']) {
  const recs = buildRecords(model);
  const zdir = join(a.out, 'zones');
  mkdirSync(zdir, { recursive: true });
  writeZoneFiles(zdir, recs);
  writeFileSync(join(a.out, 'zones.cluster'), `${recs.clusterZones.join('\n')}\n`);
  writeFileSync(join(a.out, 'zones.external'), `${recs.externalZones.join('\n')}\n`);
  writeDnsmasq(a.out, recs, int(a['upstream-port'], 'upstream-port'));
  writeQueries(a.out, model, recs, { queries: int(a.queries, 'queries'), seed: shape.seed, sample: int(a.sample, 'sample') });
  summary.externalNames = model.externals.filter((x) => !x.target).map((x) => x.name);
  summary.zones = { cluster: recs.clusterZones, external: recs.externalZones };
}
summary.generatedMs = Date.now() - t0;
writeFileSync(join(a.out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
process.stdout.write(
  `gen-cluster: ${summary.services} services (${summary.clusterIPServices} ClusterIP, ${summary.headlessServices} headless, ` +
    `${summary.externalNameServices} ExternalName) in ${summary.namespaces} namespaces, ${summary.endpoints} endpoints ` +
    `-> ${a.out} (${summary.generatedMs} ms)\n`,
);
