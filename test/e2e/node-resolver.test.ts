// The server as a real client library sees it: Node's dns.Resolver (c-ares) pointed at the
// test server (STYLE rule 14). Covers the lookups applications make: A, AAAA, SRV, PTR,
// CNAME, TXT, and the error codes a missing name produces.
import { Resolver } from 'node:dns/promises';
import { startTestServer, type TestServer } from '../support/server';
import { fixture } from '../support/dns-e2e';

const Z = 'default.svc.cluster.local';

let srv: TestServer;
let r: Resolver;
beforeAll(async () => {
  srv = await startTestServer(fixture('cluster.yaml'));
  r = new Resolver({ timeout: 2000, tries: 1 });
  r.setServers([`127.0.0.1:${srv.port}`]);
});
afterAll(() => srv?.close());

test('resolve4 / resolve6 with TTLs', async () => {
  expect(await r.resolve4(`web.${Z}`, { ttl: true })).toEqual([{ address: '10.96.12.34', ttl: 30 }]);
  expect(await r.resolve6(`dual.${Z}`)).toEqual(['fd00:10:96::20']);
  expect((await r.resolve4(`db.${Z}`)).sort()).toEqual(['10.244.1.10', '10.244.2.11']);
});

test('resolveSrv', async () => {
  expect(await r.resolveSrv(`_http._tcp.web.${Z}`)).toEqual([{ name: `web.${Z}`, port: 80, priority: 0, weight: 100 }]);
  const db = await r.resolveSrv(`_postgres._tcp.db.${Z}`);
  expect(db.map((s) => s.name).sort()).toEqual([`db-0.db.${Z}`, `db-1.db.${Z}`]);
});

test('reverse', async () => {
  expect(await r.reverse('10.96.12.34')).toEqual([`web.${Z}`]);
  expect((await r.reverse('10.244.1.7')).sort()).toEqual([`10-244-1-7.web-canary.${Z}`, `10-244-1-7.web.${Z}`]);
  expect(await r.reverse('fd00:10:96::20')).toEqual([`dual.${Z}`]);
});

test('resolveCname and resolveTxt', async () => {
  expect(await r.resolveCname(`ext.${Z}`)).toEqual(['api.example.com']);
  expect(await r.resolveTxt('dns-version.cluster.local')).toEqual([['1.1.0']]);
});

test('a missing name is ENOTFOUND; a missing family is ENODATA', async () => {
  await expect(r.resolve4(`nosuch.${Z}`)).rejects.toMatchObject({ code: 'ENOTFOUND' });
  await expect(r.resolve6(`web.${Z}`)).rejects.toMatchObject({ code: 'ENODATA' });
});
