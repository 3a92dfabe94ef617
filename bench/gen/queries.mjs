// dnsperf query files for the three mixes, the cache warm-up list and the answer check
// (check.tsv: what every server must answer for a sample of each mix, from buildRecords).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prng } from './model.mjs';
import { reverseName, dashedIP } from './records.mjs';

function pick(rng, arr) {
  return arr[Math.floor(rng() * arr.length)];
}

/**
 * in-cluster: what pods ask about each other.
 *   60% A of a ClusterIP service          10% AAAA of a ClusterIP service (NODATA unless dual-stack)
 *    8% SRV _http._tcp of a ClusterIP      2% SRV _http._tcp of a headless service (10 targets)
 *    5% PTR of a ClusterIP                 5% PTR of a headless endpoint address
 *    8% A of a headless service (10 A)     2% A of one endpoint name (pod-J.hl-K / 10-244-x-y.hl-K)
 */
function inCluster(model, rng, n) {
  const clusterIP = model.services.filter((s) => s.kind === 'ClusterIP');
  const withHttp = clusterIP.filter((s) => s.ports.some((p) => p.name === 'http'));
  const headless = model.services.filter((s) => s.kind === 'Headless');
  const Z = model.zone;
  const fq = (s) => `${s.name}.${s.ns}.svc.${Z}`;
  const lines = [];
  for (let i = 0; i < n; i++) {
    const r = rng() * 100;
    if (r < 60) lines.push(`${fq(pick(rng, clusterIP))} A`);
    else if (r < 68) lines.push(`_http._tcp.${fq(pick(rng, withHttp))} SRV`);
    else if (r < 70) lines.push(`_http._tcp.${fq(pick(rng, headless))} SRV`);
    else if (r < 75) lines.push(`${reverseName(pick(rng, pick(rng, clusterIP).clusterIPs))} PTR`);
    else if (r < 80) {
      const ep = pick(rng, pick(rng, headless).slices[0].endpoints);
      lines.push(`${reverseName(ep.addresses[0])} PTR`);
    } else if (r < 88) lines.push(`${fq(pick(rng, headless))} A`);
    else if (r < 90) {
      const s = pick(rng, headless);
      const ep = pick(rng, s.slices[0].endpoints);
      lines.push(`${ep.hostname || dashedIP(ep.addresses[0])}.${fq(s)} A`);
    } else lines.push(`${fq(pick(rng, clusterIP))} AAAA`);
  }
  return lines;
}

/**
 * search-path storm: a pod with the kubelet resolv.conf (search <ns>.svc.<zone> svc.<zone>
 * <zone>, ndots:5, SPEC §5) looking up an external name asks A and AAAA for each search
 * suffix (NXDOMAIN) and then for the name itself (answered from the cache).
 */
function storm(model, rng, n) {
  const real = model.externals.filter((x) => !x.target);
  const Z = model.zone;
  const lines = [];
  while (lines.length < n) {
    const x = pick(rng, real).name;
    const ns = pick(rng, model.workNamespaces);
    for (const q of [`${x}.${ns}.svc.${Z}`, `${x}.svc.${Z}`, `${x}.${Z}`, x]) lines.push(`${q} A`, `${q} AAAA`);
  }
  return lines;
}

/**
 * autopath (issue 12): the same lookups as `storm` (same seed, same names) from the same pods,
 * against a server with --autopath: the first search-path query, A and AAAA, is answered with
 * a CNAME to the real name and its records, so the client asks nothing more. 2 queries per
 * lookup instead of storm's 8.
 */
function autopath(model, rng, n) {
  const real = model.externals.filter((x) => !x.target);
  const Z = model.zone;
  const lines = [];
  while (lines.length < n) {
    const x = pick(rng, real).name;
    const ns = pick(rng, model.workNamespaces);
    lines.push(`${x}.${ns}.svc.${Z} A`, `${x}.${ns}.svc.${Z} AAAA`);
  }
  return lines;
}

/** Queries one lookup costs in each search-path mix (bench/lib/report.mjs: lookups per second). */
export const QUERIES_PER_LOOKUP = { storm: 8, autopath: 2 };

/** What a server with --autopath must answer for the autopath mix: CNAME to the name, then its records. */
function autopathCheckRows(model, recs, lines, sample) {
  const drop = 2 + model.zone.split('.').length; // <x>.<ns>.svc.<zone>
  const rows = [];
  for (const l of [...new Set(lines.slice(0, sample))]) {
    const [asked, type] = l.split(' ');
    const real = asked.split('.').slice(0, -drop).join('.');
    const r = recs.lookup(real, type);
    const answers = [`${asked}. CNAME ${real}.`, ...r.answers].sort();
    rows.push([asked, type, 'all', r.rcode, answers.join(' | ')].join('\t'));
  }
  return rows;
}

/** external: the real names only, A and AAAA, all from the cache. */
function external(model, rng, n) {
  const real = model.externals.filter((x) => !x.target);
  const lines = [];
  for (let i = 0; i < n; i++) lines.push(`${pick(rng, real).name} ${rng() < 0.5 ? 'A' : 'AAAA'}`);
  return lines;
}

/** Rows every server is checked on: a sample of each mix plus one row per answer rule. */
function checkRows(model, recs, mixes, sample) {
  const Z = model.zone;
  const rows = [];
  const seen = new Set();
  const add = (name, type) => {
    const k = `${name} ${type}`;
    if (!seen.has(k)) seen.add(k), rows.push([name, type]);
  };
  for (const lines of Object.values(mixes)) {
    for (const l of lines.slice(0, sample)) add(...l.split(' '));
  }
  const svc = (pred) => model.services.find(pred);
  const fq = (s) => `${s.name}.${s.ns}.svc.${Z}`;
  const two = svc((s) => s.kind === 'ClusterIP' && s.ports.length === 2);
  const unnamed = svc((s) => s.kind === 'ClusterIP' && s.ports.length === 1 && !s.ports[0].name);
  const dual = svc((s) => s.kind === 'ClusterIP' && s.clusterIPs.length === 2);
  const hlNamed = svc((s) => s.kind === 'Headless' && s.slices.length === 2) || svc((s) => s.kind === 'Headless');
  const hlDashed = svc((s) => s.kind === 'Headless' && !s.slices[0].endpoints[0].hostname);
  const ext = svc((s) => s.kind === 'ExternalName');
  add(`kubernetes.default.svc.${Z}`, 'A');
  add(`_dns._udp.kube-dns.kube-system.svc.${Z}`, 'SRV');
  add(`kube-dns.kube-system.svc.${Z}`, 'SRV');
  add(`ns.dns.${Z}`, 'A');
  add(`dns-version.${Z}`, 'TXT');
  add(`svc.${Z}`, 'A');
  add(`ns-0.svc.${Z}`, 'A');
  add(`no-such-ns.svc.${Z}`, 'A');
  add(`empty-ns.svc.${Z}`, 'A');
  add(`pod.${Z}`, 'A');
  add(`nothing.${Z}`, 'A');
  if (two) add(fq(two), 'SRV'), add(`_grpc._tcp.${fq(two)}`, 'SRV'), add(`_http._udp.${fq(two)}`, 'SRV');
  if (unnamed) add(fq(unnamed), 'SRV'), add(`_http._tcp.${fq(unnamed)}`, 'SRV');
  if (dual) add(fq(dual), 'AAAA'), add(reverseName(dual.clusterIPs[1]), 'PTR');
  if (hlNamed) {
    add(fq(hlNamed), 'AAAA');
    add(fq(hlNamed), 'SRV');
    add(`_peer._tcp.${fq(hlNamed)}`, 'SRV');
    const ep = hlNamed.slices[hlNamed.slices.length - 1].endpoints[0];
    add(`${ep.hostname || dashedIP(ep.addresses[0])}.${fq(hlNamed)}`, 'AAAA');
    add(reverseName(ep.addresses[0]), 'PTR');
    add(`nope.${fq(hlNamed)}`, 'A');
  }
  if (hlDashed) {
    const ep = hlDashed.slices[0].endpoints[0];
    add(`${dashedIP(ep.addresses[0])}.${fq(hlDashed)}`, 'A');
    add(`_http._tcp.${fq(hlDashed)}`, 'SRV');
  }
  if (ext) add(fq(ext), 'CNAME'), add(fq(ext), 'A');
  return rows.map(([name, type]) => {
    const r = recs.lookup(name, type);
    // Rows a zone file cannot express (an empty namespace, pod.<zone>, a CNAME chased into
    // another zone) are checked against clusterdns only.
    const scope = recs.specOnly.has(name) || (r.answers.some((a) => a.includes(' CNAME ')) && type !== 'CNAME') ? 'spec' : 'all';
    return [name, type, scope, r.rcode, r.answers.length ? r.answers.join(' | ') : '-'].join('\t');
  });
}

export function writeQueries(dir, model, recs, { queries, seed, sample }) {
  const mixes = {
    incluster: inCluster(model, prng(seed), queries),
    storm: storm(model, prng(seed + 1), queries),
    external: external(model, prng(seed + 2), queries),
    autopath: autopath(model, prng(seed + 1), queries),
  };
  const checked = { incluster: mixes.incluster, storm: mixes.storm, external: mixes.external };
  for (const [name, lines] of Object.entries(mixes)) writeFileSync(join(dir, `queries-${name}.txt`), `${lines.join('\n')}\n`);
  const warm = [];
  for (const x of model.externals) warm.push(`${x.name} A`, `${x.name} AAAA`);
  writeFileSync(join(dir, 'warm-external.txt'), `${warm.join('\n')}\n`);
  writeFileSync(join(dir, 'check.tsv'), `${checkRows(model, recs, checked, sample).join('\n')}\n`);
  writeFileSync(join(dir, 'check-autopath.tsv'), `${autopathCheckRows(model, recs, mixes.autopath, sample).join('\n')}\n`);
}
