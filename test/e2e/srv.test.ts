// SPEC §2 SRV through the real server: `_port._proto` names of ClusterIP and headless
// Services with the targets' addresses as glue, SRV on the bare name (one per port), weights
// floor(100/n), deduplication on (target, port), case-insensitive port and protocol, unnamed
// ports, no match NXDOMAIN, portless headless Services.
import { startTestServer, type TestServer } from '../support/server';
import { ask, expectPositive, fixture, negative, NODATA, NXDOMAIN, positive, rrs, wireName } from '../support/dns-e2e';

const Z = 'default.svc.cluster.local';
const K = 'kube-system.svc.cluster.local';

let srv: TestServer;
beforeAll(async () => {
  srv = await startTestServer(fixture('cluster.yaml'));
});
afterAll(() => srv?.close());

/**
 * Answer and additional sections of a positive SRV reply. Over TCP: over UDP without EDNS the
 * glue may be cut to fit 512 bytes (RFC 2181 §9, tested in transport.test.ts).
 */
async function srvAnswer(name: string): Promise<{ answers: string[]; glue: string[] }> {
  const answers = await positive(srv.port, name, 'SRV', { tcp: true });
  const { packet } = await ask(srv.port, name, 'SRV', { tcp: true });
  expect(rrs(packet)).toEqual(answers);
  return { answers, glue: rrs(packet, 'additionals') };
}

describe('ClusterIP Services: target is the Service name, glue its ClusterIPs', () => {
  test.each([
    [`_http._tcp.web.${Z}`, [`_http._tcp.web.${Z} SRV 0 100 80 web.${Z}`], [`web.${Z} A 10.96.12.34`]],
    [`_https._tcp.web.${Z}`, [`_https._tcp.web.${Z} SRV 0 100 443 web.${Z}`], [`web.${Z} A 10.96.12.34`]],
    // Dual-stack: both families as glue.
    [`_http._tcp.dual.${Z}`, [`_http._tcp.dual.${Z} SRV 0 100 80 dual.${Z}`], [`dual.${Z} A 10.96.0.20`, `dual.${Z} AAAA fd00:10:96::20`]],
    [`_dns._udp.kube-dns.${K}`, [`_dns._udp.kube-dns.${K} SRV 0 100 53 kube-dns.${K}`], [`kube-dns.${K} A 10.96.0.10`]],
    [`_dns-tcp._tcp.kube-dns.${K}`, [`_dns-tcp._tcp.kube-dns.${K} SRV 0 100 53 kube-dns.${K}`], [`kube-dns.${K} A 10.96.0.10`]],
    [`_metrics._tcp.kube-dns.${K}`, [`_metrics._tcp.kube-dns.${K} SRV 0 100 9153 kube-dns.${K}`], [`kube-dns.${K} A 10.96.0.10`]],
  ])('%s', async (name, answers, glue) => {
    expect(await srvAnswer(name)).toEqual({ answers, glue });
  });

  test('SRV on the bare name: one per port, weight floor(100/2), glue once', async () => {
    expect(await srvAnswer(`web.${Z}`)).toEqual({
      answers: [`web.${Z} SRV 0 50 443 web.${Z}`, `web.${Z} SRV 0 50 80 web.${Z}`],
      glue: [`web.${Z} A 10.96.12.34`],
    });
  });

  test('bare name: ports sharing a number (53/UDP dns, 53/TCP dns-tcp) are one (target, port)', async () => {
    expect(await srvAnswer(`kube-dns.${K}`)).toEqual({
      answers: [`kube-dns.${K} SRV 0 50 53 kube-dns.${K}`, `kube-dns.${K} SRV 0 50 9153 kube-dns.${K}`],
      glue: [`kube-dns.${K} A 10.96.0.10`],
    });
  });

  test('an unnamed port is listed on the bare name', async () => {
    expect(await srvAnswer(`unnamed.${Z}`)).toEqual({
      answers: [`unnamed.${Z} SRV 0 100 8080 unnamed.${Z}`],
      glue: [`unnamed.${Z} A 10.96.0.60`],
    });
  });
});

describe('headless Services: one target per ready endpoint x matching port', () => {
  test('hostnames as targets; (target, port) deduplicated over families; glue A and AAAA', async () => {
    expect(await srvAnswer(`_postgres._tcp.db.${Z}`)).toEqual({
      answers: [`_postgres._tcp.db.${Z} SRV 0 50 5432 db-0.db.${Z}`, `_postgres._tcp.db.${Z} SRV 0 50 5432 db-1.db.${Z}`],
      glue: [`db-0.db.${Z} A 10.244.1.10`, `db-0.db.${Z} AAAA fd00:244::a`, `db-1.db.${Z} A 10.244.2.11`],
    });
  });

  test('two addresses with one hostname: one SRV, both addresses as glue', async () => {
    expect(await srvAnswer(`_http._tcp.shared.${Z}`)).toEqual({
      answers: [`_http._tcp.shared.${Z} SRV 0 100 80 same.shared.${Z}`],
      glue: [`same.shared.${Z} A 10.244.6.1`, `same.shared.${Z} A 10.244.6.2`],
    });
  });

  test('dashed-IP targets, IPv4 and IPv6; weight floor(100/6) = 16', async () => {
    const targets = ['10-244-4-5', '10-244-4-6', '10-244-4-7', '2001-db8--0', '5678-abcd--1', 'anon-host'];
    const got = await srvAnswer(`_http._tcp.anon.${Z}`);
    expect(got.answers).toEqual(targets.map((t) => `_http._tcp.anon.${Z} SRV 0 16 80 ${t}.anon.${Z}`).sort());
    expect(got.glue).toEqual(
      [
        `10-244-4-5.anon.${Z} A 10.244.4.5`,
        `10-244-4-6.anon.${Z} A 10.244.4.6`,
        `10-244-4-7.anon.${Z} A 10.244.4.7`,
        `2001-db8--0.anon.${Z} AAAA 2001:db8::`,
        `5678-abcd--1.anon.${Z} AAAA 5678:abcd::1`,
        `anon-host.anon.${Z} A 10.244.4.9`,
      ].sort(),
    );
  });

  test('bare name of a headless Service: every ready endpoint x port', async () => {
    const got = await srvAnswer(`db.${Z}`);
    expect(got.answers).toEqual([`db.${Z} SRV 0 50 5432 db-0.db.${Z}`, `db.${Z} SRV 0 50 5432 db-1.db.${Z}`]);
  });

  test('endpoints merged over slices and Endpoints: six targets, weight 16', async () => {
    const got = await srvAnswer(`_http._tcp.split.${Z}`);
    expect(got.answers).toEqual([1, 2, 3, 4, 5, 6].map((i) => `_http._tcp.split.${Z} SRV 0 16 80 10-244-5-${i}.split.${Z}`));
    expect(got.glue).toHaveLength(6);
  });

  test('no ready endpoints: NXDOMAIN', async () => {
    await negative(srv.port, `_http._tcp.notready.${Z}`, 'SRV', NXDOMAIN);
    await negative(srv.port, `notready.${Z}`, 'SRV', NXDOMAIN);
  });

  test('portless headless Service: the bare name exists without SRV (NODATA), _port._proto does not', async () => {
    await negative(srv.port, `portless.${Z}`, 'SRV', NODATA);
    await negative(srv.port, `_http._tcp.portless.${Z}`, 'SRV', NXDOMAIN);
  });
});

describe('matching', () => {
  test('port name and protocol match case-insensitively; the owner echoes the query', async () => {
    const spelled = `_HTTP._Tcp.WEB.${Z}`;
    const { packet } = await ask(srv.port, spelled, 'SRV');
    expectPositive(packet);
    expect(packet.answers?.map((r) => r.name)).toEqual([spelled]);
    expect(rrs(packet)).toEqual([`_http._tcp.web.${Z} SRV 0 100 80 web.${Z}`]);
  });

  test.each([
    `_http._udp.web.${Z}`, // right name, wrong protocol
    `_nope._tcp.web.${Z}`,
    `_dns._tcp.kube-dns.${K}`,
    `_http._sctp.web.${Z}`,
    `_http._tcp.nosuch.${Z}`,
    `_postgres._udp.db.${Z}`,
    // An unnamed port has no _port._proto name.
    `_._tcp.unnamed.${Z}`,
    `_8080._tcp.unnamed.${Z}`,
  ])('no matching port: %s NXDOMAIN', async (name) => {
    await negative(srv.port, name, 'SRV', NXDOMAIN);
  });

  test('_proto below a Service is an empty non-terminal when a named port of it exists', async () => {
    await negative(srv.port, `_tcp.web.${Z}`, 'SRV', NODATA);
    await negative(srv.port, `_udp.web.${Z}`, 'SRV', NXDOMAIN);
  });

  test('_tcp below a Service whose only TCP port is unnamed is no name at all', async () => {
    // No `_<port>._tcp.unnamed` name exists, so `_tcp.unnamed` is not an empty non-terminal.
    await negative(srv.port, `_tcp.unnamed.${Z}`, 'SRV', NXDOMAIN);
  });

  test('SRV targets are written uncompressed (RFC 2782) and decode to full names', async () => {
    const { packet, raw } = await ask(srv.port, `_http._tcp.web.${Z}`, 'SRV');
    const target = (packet.answers?.[0] as { data: { target: string } }).data.target;
    expect(target).toBe(`web.${Z}`);
    // The question holds the name once as its suffix; the rdata must hold it again in full.
    const full = wireName(`web.${Z}`);
    const firstAt = raw.indexOf(full);
    expect(firstAt).toBeGreaterThanOrEqual(12);
    expect(raw.indexOf(full, firstAt + 1)).toBeGreaterThan(firstAt);
  });
});
