// Each plugin of plugins/ answering through the real server, in a block compiled from a
// Corefile (issue 9 item 3): any (RFC 8482), rewrite (a name and its answer mapped back), template (NXDOMAIN for a matched name, fallthrough
// for the rest), hosts (a name and its PTR, inline lines), kubernetes behind them, whoami last
// (the client's address and port over UDP and TCP).
import fs from 'node:fs';
import path from 'node:path';
import * as dnsPacket from 'dns-packet';
import { corefileOptions } from '../../src/corefile/commands';
import { startServer, type Running } from '../../src/app';
import { silentLogger } from '../../src/ops/log';
import { snapshotDir } from '../support/server';
import { freeDnsPort } from '../support/blocks';
import { ask, rcode, rrs } from '../support/dns-e2e';
import { WEB_CLUSTER } from '../support/forward-e2e';

let running: Running;
let port: number;
let dir: string;

beforeAll(async () => {
  dir = snapshotDir(WEB_CLUSTER);
  port = await freeDnsPort();
  fs.writeFileSync(
    path.join(dir, 'Corefile'),
    `.:${port} {
  bind 127.0.0.1
  errors
  any
  rewrite name exact alias.example web.default.svc.cluster.local
  hosts {
    192.0.2.50 node1.example
    fallthrough
  }
  template IN A blocked.test {
    match ^bad\\.blocked\\.test\\.$
    rcode NXDOMAIN
    fallthrough
  }
  kubernetes cluster.local
  whoami
}
`,
  );
  const c = corefileOptions(path.join(dir, 'Corefile'), { snapshot: path.join(dir, 'snapshot.yaml'), health: null, ready: null, metrics: null });
  running = await startServer(c.opts, silentLogger, { onLoop: () => undefined }, c.loaded.plan);
});
afterAll(async () => {
  await running?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('hosts: a name and its PTR, twice (the second from the memo)', async () => {
  for (let i = 0; i < 2; i++) {
    expect(rrs((await ask(port, 'node1.example', 'A')).packet)).toEqual(['node1.example A 192.0.2.50']);
    expect(rrs((await ask(port, '50.2.0.192.in-addr.arpa', 'PTR')).packet)).toEqual(['50.2.0.192.in-addr.arpa PTR node1.example']);
  }
});

test('template: the matched name is NXDOMAIN, another name of its zone falls through', async () => {
  expect(rcode((await ask(port, 'bad.blocked.test', 'A')).packet)).toBe('NXDOMAIN');
  const other = await ask(port, 'good.blocked.test', 'A');
  // Fell through past kubernetes to whoami: an empty answer with the client in the additional section.
  expect(rcode(other.packet)).toBe('NOERROR');
  expect((other.packet.additionals ?? []).some((r) => r.type === 'A' && (r as { data: string }).data === '127.0.0.1')).toBe(true);
});

test('kubernetes still answers behind the plugins; any answers ANY with HINFO (RFC 8482)', async () => {
  expect(rrs((await ask(port, 'web.default.svc.cluster.local', 'A')).packet)).toEqual(['web.default.svc.cluster.local A 10.96.12.34']);
  const any = await ask(port, 'web.default.svc.cluster.local', 'ANY' as dnsPacket.RecordType);
  expect((any.packet.answers ?? []).map((r) => r.type)).toEqual(['HINFO']);
});

test('whoami: the client address and port, over UDP and TCP', async () => {
  for (const tcp of [false, true]) {
    const r = await ask(port, 'who.example', 'A', { tcp });
    const add = (r.packet.additionals ?? []).filter((x) => x.type !== 'OPT');
    expect(add.find((x) => x.type === 'A')).toMatchObject({ data: '127.0.0.1' });
    const srv = add.find((x) => x.type === 'SRV') as dnsPacket.SrvAnswer | undefined;
    expect(srv?.data.port).toBeGreaterThan(0);
    expect(srv?.name).toMatch(tcp ? /^_tcp\./ : /^_udp\./);
  }
});

test('rewrite: the rewritten name is answered by kubernetes and the answer comes back under the asked name', async () => {
  for (const tcp of [false, true]) {
    const r = await ask(port, 'alias.example', 'A', { tcp });
    expect(rrs(r.packet)).toEqual(['alias.example A 10.96.12.34']);
    expect(r.packet.questions?.[0].name).toBe('alias.example');
  }
  // Other names are untouched by the rule.
  expect(rrs((await ask(port, 'node1.example', 'A')).packet)).toEqual(['node1.example A 192.0.2.50']);
});
