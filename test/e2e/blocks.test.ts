// Server blocks (issue 9, DESIGN §2): several blocks on one address, the most specific zone
// wins, no block is REFUSED, a block on a second port and on a second (`bind`) address, the
// kubernetes `fallthrough` of PTR misses, `cache disable` for the cluster zone, a chased CNAME
// through the block that serves its target, and a reload of the plan. Hand-built plans, as a
// Corefile compiles to, through the real server and fake upstreams on loopback.
import * as dnsPacket from 'dns-packet';
import { ask, rcode, rrs } from '../support/dns-e2e';
import { encodeQuery, udpRaw } from '../support/server';
import { A, soa, startZoneUpstream, WEB_CLUSTER, type ZoneUpstream } from '../support/forward-e2e';
import { block, forwardTo, freeDnsPort, kubernetesOf, LOCAL, startPlanServer, type PlanServer } from '../support/blocks';
import { cachePlan } from '../../src/config/plan-from-options';
import { DEFAULTS } from '../../src/config/options';

const CLUSTER = `${WEB_CLUSTER}
---
apiVersion: v1
kind: Service
metadata: { name: ext, namespace: default }
spec: { type: ExternalName, externalName: db.corp.example }
`;

/** An upstream answering every A question with `ip`, so an answer says who gave it. */
const identified = (ip: string) => startZoneUpstream({}, (q) => ({ answers: q.type === 'A' ? [A(q.name, ip)] : [], authorities: q.type === 'A' ? [] : [soa('example', 60, 60)] }));
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
async function upstream(ip: string): Promise<ZoneUpstream> {
  const u = await identified(ip);
  cleanups.push(() => u.fake.close());
  return u;
}
async function serve(plan: Parameters<typeof startPlanServer>[1], layer = {}): Promise<PlanServer> {
  const s = await startPlanServer(CLUSTER, plan, layer);
  cleanups.push(() => s.close());
  return s;
}
/** The first A address of the answer, or the rcode when there is none. */
const firstA = async (port: number, name: string, host = '127.0.0.1') => {
  const raw = await udpRaw(port, encodeQuery({ name, type: 'A' }), 2000, host);
  if (raw === null) throw new Error(`no reply from ${host}:${port} for ${name}`);
  const p = dnsPacket.decode(raw);
  return rrs(p).filter((x) => x.includes(' A '))[0]?.split(' ').pop() ?? rcode(p);
};

test('blocks on one port: the most specific zone answers; the root block keeps the cluster', async () => {
  const [root, corp, deep] = [await upstream('192.0.2.1'), await upstream('192.0.2.2'), await upstream('192.0.2.3')];
  const s = await serve((o) => ({
    blocks: [
      block([''], { kubernetes: kubernetesOf(o), forward: forwardTo(root.fake.hostPort) }),
      block(['corp.example'], { forward: forwardTo(corp.fake.hostPort) }),
      block(['deep.corp.example', 'other.test'], { forward: forwardTo(deep.fake.hostPort) }),
    ],
  }));
  const port = s.running.ports[0];
  expect(s.running.ports).toHaveLength(1);
  expect(await firstA(port, 'www.example.org')).toBe('192.0.2.1');
  expect(await firstA(port, 'db.corp.example')).toBe('192.0.2.2');
  expect(await firstA(port, 'corp.example')).toBe('192.0.2.2');
  expect(await firstA(port, 'x.deep.corp.example')).toBe('192.0.2.3');
  expect(await firstA(port, 'a.other.test')).toBe('192.0.2.3');
  // Label boundaries: mycorp.example is not under corp.example.
  expect(await firstA(port, 'mycorp.example')).toBe('192.0.2.1');
  expect(await firstA(port, 'web.default.svc.cluster.local')).toBe('10.96.12.34');
  // The ExternalName's target is asked through the block that serves it (corp.example).
  const ext = await ask(port, 'ext.default.svc.cluster.local', 'A');
  expect(rrs(ext.packet)).toEqual(['db.corp.example A 192.0.2.2', 'ext.default.svc.cluster.local CNAME db.corp.example']);
  expect(root.asked('db.corp.example')).toBe(0);
});

test('a name under no block is REFUSED; a block without kubernetes does not answer the cluster', async () => {
  const corp = await upstream('192.0.2.2');
  const s = await serve(() => ({ blocks: [block(['corp.example', 'cluster.local'], { forward: forwardTo(corp.fake.hostPort) })] }));
  const port = s.running.ports[0];
  expect(rcode((await ask(port, 'www.example.org', 'A')).packet)).toBe('REFUSED');
  expect(rcode((await ask(port, 'www.example.org', 'A', { tcp: true })).packet)).toBe('REFUSED');
  expect(await firstA(port, 'web.default.svc.cluster.local')).toBe('192.0.2.2');
});

test('a block on a second port and one on a second address (bind) are blocks of their own', async () => {
  const [a, b, c] = [await upstream('192.0.2.1'), await upstream('192.0.2.2'), await upstream('192.0.2.3')];
  const second = await freeDnsPort();
  const s = await serve((o) => ({
    blocks: [
      block([''], { kubernetes: kubernetesOf(o), forward: forwardTo(a.fake.hostPort) }, [{ host: '127.0.0.1', port: second }]),
      block([''], { forward: forwardTo(b.fake.hostPort) }, [{ host: '::1', port: second }]),
      block([''], { forward: forwardTo(c.fake.hostPort) }, [LOCAL]),
    ],
  }));
  expect(s.running.ports[0]).toBe(second);
  expect(s.running.ports[1]).toBe(second);
  const third = s.running.ports[2];
  expect(third).not.toBe(second);
  expect(await firstA(second, 'web.default.svc.cluster.local')).toBe('10.96.12.34');
  expect(await firstA(second, 'web.default.svc.cluster.local', '::1')).toBe('192.0.2.2');
  expect(await firstA(third, 'web.default.svc.cluster.local')).toBe('192.0.2.3');
});

test('kubernetes fallthrough in-addr.arpa ip6.arpa: a PTR miss goes on to forward; without it, NXDOMAIN with the zone SOA', async () => {
  const up = await startZoneUpstream({ '5.4.3.10.in-addr.arpa PTR': { answers: [{ name: '5.4.3.10.in-addr.arpa', type: 'PTR', ttl: 60, data: 'printer.corp.example' }] } });
  cleanups.push(() => up.fake.close());
  const explicit = (o: Parameters<typeof kubernetesOf>[0]) => ({ ...kubernetesOf(o), zones: ['cluster.local', 'in-addr.arpa', 'ip6.arpa'] });
  const through = await serve((o) => ({ blocks: [block([''], { kubernetes: explicit(o), forward: forwardTo(up.fake.hostPort) })] }));
  const p1 = through.running.ports[0];
  expect(rrs((await ask(p1, '5.4.3.10.in-addr.arpa', 'PTR')).packet)).toEqual(['5.4.3.10.in-addr.arpa PTR printer.corp.example']);
  expect(rrs((await ask(p1, '34.12.96.10.in-addr.arpa', 'PTR')).packet)).toEqual(['34.12.96.10.in-addr.arpa PTR web.default.svc.cluster.local']);
  expect(up.asked('5.4.3.10.in-addr.arpa')).toBe(1);
  expect(up.asked('34.12.96.10.in-addr.arpa')).toBe(0);

  const authoritative = await serve((o) => ({ blocks: [block([''], { kubernetes: { ...explicit(o), fallthrough: null }, forward: forwardTo(up.fake.hostPort) })] }));
  const miss = await ask(authoritative.running.ports[0], '5.4.3.10.in-addr.arpa', 'PTR');
  expect(rcode(miss.packet)).toBe('NXDOMAIN');
  expect(miss.packet.flag_aa).toBe(true);
  expect((miss.packet.authorities ?? []).map((r) => `${r.name} ${r.type}`)).toEqual(['in-addr.arpa SOA']);
  expect(up.asked('5.4.3.10.in-addr.arpa')).toBe(1);
});

test('cache disable success|denial cluster.local: fallen-through cluster names reach the upstream every time, others are cached', async () => {
  const up = await startZoneUpstream({
    'extra.cluster.local A': { answers: [A('extra.cluster.local', '192.0.2.9')] },
    'www.example.org A': { answers: [A('www.example.org', '192.0.2.8')] },
    'gone.example.org A': { rcode: 3, authorities: [soa('example.org', 60, 60)] },
  }, { rcode: 3, authorities: [soa('cluster.local', 60, 60)] });
  cleanups.push(() => up.fake.close());
  const cache = { ...cachePlan(DEFAULTS.cache), disableSuccess: ['cluster.local'], disableDenial: ['cluster.local'] };
  const s = await serve((o) => ({ blocks: [block([''], { kubernetes: { ...kubernetesOf(o), fallthrough: [] }, cache, forward: forwardTo(up.fake.hostPort) })] }));
  const port = s.running.ports[0];
  for (let i = 0; i < 3; i++) {
    expect(await firstA(port, 'extra.cluster.local')).toBe('192.0.2.9');
    expect(await firstA(port, 'nope.default.svc.cluster.local')).toBe('NXDOMAIN');
    expect(await firstA(port, 'www.example.org')).toBe('192.0.2.8');
    expect(await firstA(port, 'gone.example.org')).toBe('NXDOMAIN');
  }
  expect(up.asked('extra.cluster.local')).toBe(3);
  expect(up.asked('nope.default.svc.cluster.local')).toBe(3);
  expect(up.asked('www.example.org')).toBe(1);
  expect(up.asked('gone.example.org')).toBe(1);
  // The cluster's own answers are still served (the memo is not the cache).
  expect(await firstA(port, 'web.default.svc.cluster.local')).toBe('10.96.12.34');
});

test('forward FROM and except: names outside FROM or under except are not forwarded', async () => {
  const up = await upstream('192.0.2.1');
  const s = await serve(() => ({ blocks: [block([''], { forward: { ...forwardTo(up.fake.hostPort), from: 'example.org', except: ['private.example.org'] } })] }));
  const port = s.running.ports[0];
  expect(await firstA(port, 'www.example.org')).toBe('192.0.2.1');
  expect(await firstA(port, 'www.private.example.org')).toBe('REFUSED');
  expect(await firstA(port, 'www.example.com')).toBe('REFUSED');
  expect(up.asked('www.private.example.org') + up.asked('www.example.com')).toBe(0);
});

test('reload of a plan: a new block takes its zone at once, counters carry over; a plan that cannot be built changes nothing', async () => {
  const [root, corp] = [await upstream('192.0.2.1'), await upstream('192.0.2.2')];
  const first = (o: Parameters<typeof kubernetesOf>[0]) => ({ blocks: [block([''], { kubernetes: kubernetesOf(o), forward: forwardTo(root.fake.hostPort), cache: cachePlan(DEFAULTS.cache) })] });
  const s = await serve(first);
  const port = s.running.ports[0];
  expect(await firstA(port, 'db.corp.example')).toBe('192.0.2.1');
  const before = s.running.totalStats().requests.reduce((a, b) => a + b, 0);
  const rootForwarder = s.running.blocks[0].forwarder;
  s.running.reconfigure(s.opts, { blocks: [...first(s.opts).blocks, block(['corp.example'], { forward: forwardTo(corp.fake.hostPort) })] });
  // The root block's forwarder (sockets, health) is kept; the new block answers its zone.
  expect(s.running.blocks[0].forwarder).toBe(rootForwarder);
  expect(await firstA(port, 'db.corp.example')).toBe('192.0.2.2');
  expect(await firstA(port, 'web.default.svc.cluster.local')).toBe('10.96.12.34');
  expect(s.running.totalStats().requests.reduce((a, b) => a + b, 0)).toBe(before + 2);
  const bad = { blocks: [block([''], { forward: { ...forwardTo(root.fake.hostPort), to: [{ host: 'not-an-ip', port: 53 }] } })] };
  expect(() => s.running.reconfigure(s.opts, bad)).toThrow(/not-an-ip/);
  expect(await firstA(port, 'db.corp.example')).toBe('192.0.2.2');
  expect(await firstA(port, 'web.default.svc.cluster.local')).toBe('10.96.12.34');
});
