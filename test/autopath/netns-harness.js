// Runs INSIDE a private network + mount namespace (real-clients.test.ts starts it with
// `unshare -n -m`, loopback up and a pod's resolv.conf bind-mounted on /etc/resolv.conf), so
// glibc's resolver talks to 127.0.0.1:53, which resolv.conf requires. Plain JavaScript: it
// runs outside jest, against the built server (dist/cli.js).
//
// It starts a fake upstream on 127.0.0.1:5353 (a small zone of external names; everything else
// NXDOMAIN with an SOA), the real server on 127.0.0.1:53 forwarding to it (with --autopath or
// not, per argv), then looks up each name with `getent ahosts` (glibc getaddrinfo) and with
// Node's dns.lookup (getaddrinfo again, through libuv), counting the queries the server
// received for each lookup (its /metrics, coredns_dns_requests_total) and the ones the
// upstream received. Prints one JSON line.
'use strict';
const { execFile, spawn } = require('node:child_process');
const dgram = require('node:dgram');
const dns = require('node:dns');
const http = require('node:http');
const path = require('node:path');
const [, , root, snapshot, mode, namesJson] = process.argv;
const dnsPacket = require(path.join(root, 'node_modules/dns-packet'));
const names = JSON.parse(namesJson);

const SOA = (zone) => ({ name: zone, type: 'SOA', ttl: 60, data: { mname: 'ns1.' + zone, rname: 'hostmaster.' + zone, serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: 60 } });
/** name -> { A: [...], AAAA: [...], CNAME: target } ; zone for the SOA of negative answers. */
const ZONE = {
  'api.example.com': { A: ['192.0.2.10'] },
  'www.example.org': { A: ['192.0.2.11'], AAAA: ['2001:db8::11'] },
  'cdn.example.net': { CNAME: 'edge.example.net' },
  'edge.example.net': { A: ['192.0.2.12', '192.0.2.22'] },
  'dual.example.com': { A: ['192.0.2.13'], AAAA: ['2001:db8::13'] },
  'v6only.example.com': { AAAA: ['2001:db8::14'] },
  'a.b.c.d.e.example.com': { A: ['192.0.2.15'] },
};
const zoneOf = (n) => n.split('.').slice(-2).join('.') || '.';

function answer(qname, qtype) {
  const answers = [];
  let name = qname;
  for (let hop = 0; hop < 8; hop++) {
    const e = ZONE[name];
    if (!e) return answers.length ? { rcode: 'NOERROR', answers, authorities: [SOA(zoneOf(qname))] } : { rcode: 'NXDOMAIN', answers, authorities: [SOA(zoneOf(qname))] };
    if (e.CNAME) {
      answers.push({ name, type: 'CNAME', ttl: 60, data: e.CNAME });
      name = e.CNAME;
      continue;
    }
    for (const ip of e[qtype] || []) answers.push({ name, type: qtype, ttl: 60, data: ip });
    return { rcode: 'NOERROR', answers, authorities: answers.some((a) => a.type === qtype) ? [] : [SOA(zoneOf(qname))] };
  }
  return { rcode: 'SERVFAIL', answers: [], authorities: [] };
}

const upstream = { received: 0 };
function startUpstream() {
  const s = dgram.createSocket('udp4');
  s.on('message', (m, r) => {
    let q;
    try {
      q = dnsPacket.decode(m);
    } catch {
      return;
    }
    upstream.received++;
    const question = q.questions[0];
    const a = answer(question.name.toLowerCase().replace(/\.$/, ''), question.type);
    const RC = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 };
    s.send(dnsPacket.encode({ type: 'response', id: q.id, flags: 0x8180 | RC[a.rcode], questions: q.questions, answers: a.answers, authorities: a.authorities }), r.port, r.address);
  });
  return new Promise((res) => s.bind(5353, '127.0.0.1', () => res(s)));
}

function startServer() {
  const args = [path.join(root, 'dist/cli.js'), 'serve', '--snapshot', snapshot, '--listen', '127.0.0.1:53', '--upstream', '127.0.0.1:5353',
    '--health', 'off', '--ready', 'off', '--metrics', '127.0.0.1:9153', '--workers', '1', '--lame-duck', '0'];
  if (mode === 'on') args.push('--autopath');
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error('server did not start:\n' + out)), 15000);
    const on = (d) => {
      out += d;
      if (out.includes('clusterdns serving')) {
        clearTimeout(t);
        res(child);
      }
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.on('exit', (code) => rej(new Error(`server exited ${code}:\n${out}`)));
  });
}

function metrics() {
  return new Promise((res, rej) => {
    http.get('http://127.0.0.1:9153/metrics', (r) => {
      let body = '';
      r.on('data', (d) => (body += d));
      r.on('end', () => res(body));
    }).on('error', rej);
  });
}
const sum = (text, family) =>
  text
    .split('\n')
    .filter((l) => l.startsWith(family + '{') || l.startsWith(family + ' '))
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);

function getent(name) {
  return new Promise((res) =>
    execFile('getent', ['ahosts', name], { timeout: 10000 }, (err, stdout) => {
      if (err) return res({ status: err.code, addrs: [], canon: null });
      const lines = stdout.trim().split('\n').map((l) => l.split(/\s+/));
      res({ status: 0, addrs: [...new Set(lines.map((f) => f[0]))].sort(), canon: lines[0][2] || null });
    }),
  );
}

function lookup(name) {
  return new Promise((res) =>
    dns.lookup(name, { all: true }, (err, list) => res(err ? { status: err.code, addrs: [] } : { status: 0, addrs: [...new Set(list.map((a) => a.address))].sort() })),
  );
}

async function measured(fn) {
  const m0 = await metrics();
  const u0 = upstream.received;
  const r = await fn();
  const m1 = await metrics();
  return { ...r, queries: sum(m1, 'coredns_dns_requests_total') - sum(m0, 'coredns_dns_requests_total'), upstream: upstream.received - u0 };
}

(async () => {
  const up = await startUpstream();
  const server = await startServer();
  try {
    const results = [];
    for (const name of names) results.push({ name, getent: await measured(() => getent(name)), node: await measured(() => lookup(name)) });
    const m = await metrics();
    process.stdout.write(JSON.stringify({ mode, results, autopathSuccess: sum(m, 'coredns_autopath_success_total'), autopathExported: m.includes('coredns_autopath_success_total{') }) + '\n');
  } finally {
    server.kill('SIGTERM');
    up.close();
  }
})().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + '\n');
  process.exit(1);
});
