// Issue 10 item 4: a negative answer in a configured reverse zone carries an SOA owned by that
// zone and named after it, as CoreDNS does: MNAME ns.dns.<reverse zone>., RNAME
// hostmaster.<reverse zone>. Every other SOA is checked for the zone it belongs to.
import * as dnsPacket from 'dns-packet';
import { startTestServer, type TestServer } from '../support/server';
import { ask, fixture, rcode, section } from '../support/dns-e2e';

let srv: TestServer;
let catchAll: TestServer;
beforeAll(async () => {
  srv = await startTestServer(fixture('cluster.yaml'), { reverseZones: ['10.in-addr.arpa', '0.0.d.f.ip6.arpa'] });
  catchAll = await startTestServer(fixture('cluster.yaml'));
});
afterAll(async () => {
  await srv?.close();
  await catchAll?.close();
});

async function soaOf(port: number, name: string, type: dnsPacket.RecordType): Promise<{ rcode: string; owner: string; mname: string; rname: string }> {
  const { packet } = await ask(port, name, type);
  const auth = section(packet, type === 'SOA' ? 'answers' : 'authorities');
  expect(auth).toHaveLength(1);
  const soa = auth[0] as dnsPacket.StringAnswer & { data: dnsPacket.SoaData };
  expect(soa.type).toBe('SOA');
  return { rcode: rcode(packet), owner: soa.name, mname: soa.data.mname, rname: soa.data.rname };
}

test.each([
  ['NXDOMAIN for a PTR in 10.in-addr.arpa', 'reverse', '99.0.0.10.in-addr.arpa', 'PTR', 'NXDOMAIN', '10.in-addr.arpa'],
  ['NODATA (A) for a name in 10.in-addr.arpa', 'reverse', '10.0.96.10.in-addr.arpa', 'A', 'NOERROR', '10.in-addr.arpa'],
  ['the apex SOA of 10.in-addr.arpa', 'reverse', '10.in-addr.arpa', 'SOA', 'NOERROR', '10.in-addr.arpa'],
  ['NXDOMAIN for a PTR in the IPv6 reverse zone', 'reverse', `9.9.${'0.'.repeat(26)}0.d.f.ip6.arpa`, 'PTR', 'NXDOMAIN', '0.0.d.f.ip6.arpa'],
  ['NXDOMAIN in the cluster zone', 'reverse', 'nope.default.svc.cluster.local', 'A', 'NXDOMAIN', 'cluster.local'],
  ['the cluster apex SOA', 'reverse', 'cluster.local', 'SOA', 'NOERROR', 'cluster.local'],
  ['NODATA under the catch-all reverse zone (SPEC §2: the arpa zone)', 'catch-all', '10.0.96.10.in-addr.arpa', 'A', 'NOERROR', 'in-addr.arpa'],
] as const)('%s (server with %s zones)', async (_what, which, name, type, code, zone) => {
  const server = which === 'catch-all' ? catchAll : srv;
  const got = await soaOf(server.port, name, type);
  expect(got).toEqual({ rcode: code, owner: zone, mname: `ns.dns.${zone}`, rname: `hostmaster.${zone}` });
});
