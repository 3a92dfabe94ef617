// Serving a Corefile and reloading it (issue 9 items 1 and 6): the real server started from
// corefile/ (loadCorefile through corefileOptions, as `clusterdns -conf` does), its blocks
// answering over loopback with fake upstreams; an edited Corefile is applied without a lost
// query, a broken one is refused with its exact error and the running blocks keep serving.
import fs from 'node:fs';
import path from 'node:path';
import * as dnsPacket from 'dns-packet';
import { corefileOptions } from '../../src/corefile/commands';
import { startServing, type Serving } from '../../src/ops/serve';
import { encodeQuery, udpRaw, snapshotDir } from '../support/server';
import { freeDnsPort } from '../support/blocks';
import { A, startZoneUpstream, WEB_CLUSTER, type ZoneUpstream } from '../support/forward-e2e';
import { captureLogger, get } from './helpers';

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const identified = (ip: string) => startZoneUpstream({}, (q) => ({ answers: q.type === 'A' ? [A(q.name, ip)] : [] }));

async function firstA(port: number, name: string): Promise<string> {
  const raw = await udpRaw(port, encodeQuery({ name, type: 'A' }), 2000);
  if (raw === null) throw new Error(`no reply for ${name}`);
  const p = dnsPacket.decode(raw);
  const a = (p.answers ?? []).find((r) => r.type === 'A') as { data: string } | undefined;
  return a?.data ?? ((p as { rcode?: string }).rcode ?? 'NOERROR');
}

let up1: ZoneUpstream;
let up2: ZoneUpstream;
let s: Serving;
let port: number;
let dir: string;
const log = captureLogger();
const corefile = () => path.join(dir, 'Corefile');
const write = (text: string) => fs.writeFileSync(corefile(), text);
const rootBlock = (extra = '') => `.:${port} {
  bind 127.0.0.1
  errors
  kubernetes cluster.local in-addr.arpa ip6.arpa {
    fallthrough in-addr.arpa ip6.arpa
  }
  forward . 127.0.0.1:${up1.fake.port}
  cache 30
  ${extra}
}
`;
const corpBlock = () => `corp.example:${port} {
  bind 127.0.0.1
  forward . 127.0.0.1:${up2.fake.port}
}
`;

beforeAll(async () => {
  up1 = await identified('192.0.2.1');
  up2 = await identified('192.0.2.2');
  cleanups.push(() => up1.fake.close(), () => up2.fake.close());
  dir = snapshotDir(WEB_CLUSTER);
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  port = await freeDnsPort();
  write(rootBlock() + corpBlock());
  const flags = { snapshot: path.join(dir, 'snapshot.yaml'), health: null, ready: null, metrics: { host: '127.0.0.1', port: 0 }, lameDuckMs: 0 };
  const load = () => {
    const c = corefileOptions(corefile(), flags);
    return { opts: c.opts, plan: c.loaded.plan, files: c.loaded.files, warnings: c.loaded.warnings };
  };
  const first = load();
  s = await startServing(first.opts, log.log, { corefile: { plan: first.plan, files: first.files, load }, reloadDebounceMs: 50 });
  cleanups.push(() => s.shutdown());
});

test('the Corefile blocks answer: the cluster zone, the root forward, a block for corp.example', async () => {
  expect(s.running.ports).toEqual([port]);
  expect(await firstA(port, 'web.default.svc.cluster.local')).toBe('10.96.12.34');
  expect(await firstA(port, 'www.example.org')).toBe('192.0.2.1');
  expect(await firstA(port, 'db.corp.example')).toBe('192.0.2.2');
  // Metrics per block: server dns://:PORT, zone the block's zone (CoreDNS's labels).
  const text = (await get(s.opsPorts.metrics, '/metrics')).body;
  const requests = (zone: string) =>
    text
      .split('\n')
      .filter((l) => l.startsWith('coredns_dns_requests_total{') && l.includes(`server="dns://:${port}"`) && l.includes(`zone="${zone}"`))
      .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
  expect(requests('corp.example.')).toBe(1);
  expect(requests('.')).toBe(2);
});

test('an edited Corefile is applied (watch and SIGHUP path) with no query lost; a broken one keeps the running blocks', async () => {
  // Queries all through the reloads: every one must be answered.
  let stop = false;
  let asked = 0;
  let lost = 0;
  const load = (async () => {
    const until = Date.now() + 8000;
    while (!stop && Date.now() < until && asked < 2000) {
      asked++;
      const raw = await udpRaw(port, encodeQuery({ name: 'web.default.svc.cluster.local', type: 'A' }), 1000);
      if (raw === null) lost++;
    }
  })();

  // 1. Drop the corp.example block: the root block's forward takes the name.
  write(rootBlock());
  expect(s.reload()?.result).toBe('applied');
  expect(await firstA(port, 'db.corp.example')).toBe('192.0.2.1');

  // 2. A broken Corefile: refused with its place and reason, the running blocks stay.
  write(rootBlock('nosuchplugin'));
  const refused = s.reload();
  expect(refused?.result).toBe('rejected');
  expect(refused?.error?.message).toMatch(/^CDNS_COREFILE_UNKNOWN: .*\/Corefile:9: nosuchplugin: unknown directive/);
  expect(log.lines.some((l) => l.level === 'error' && /Corefile reload refused, still serving the previous config: .*nosuchplugin/.test(l.msg))).toBe(true);
  expect(await firstA(port, 'web.default.svc.cluster.local')).toBe('10.96.12.34');
  expect(await firstA(port, 'db.corp.example')).toBe('192.0.2.1');

  // 3. The block comes back through the file watch alone (no signal).
  write(rootBlock() + corpBlock());
  const until = Date.now() + 5000;
  let got = '';
  while (Date.now() < until && (got = await firstA(port, 'db.corp.example')) !== '192.0.2.2') await new Promise((r) => setTimeout(r, 50));
  expect(got).toBe('192.0.2.2');

  stop = true;
  await load;
  expect(asked).toBeGreaterThan(20);
  expect(lost).toBe(0);
});
