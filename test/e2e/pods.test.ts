// SPEC §2 Pods through the real server: `<a-b-c-d>.<ns>.pod.<zone>` in the modes disabled,
// insecure (any address that parses, in a namespace that exists) and verified (only an address
// a pod of that namespace has).
import { startTestServer, type TestServer } from '../support/server';
import { ask, expectPositive, fixture, negative, NODATA, NXDOMAIN, positive } from '../support/dns-e2e';

const CLUSTER = fixture('cluster.yaml');
const P = 'pod.cluster.local';

describe('insecure (the default)', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer(CLUSTER);
  });
  afterAll(() => srv?.close());

  test.each([
    [`10-244-1-7.default.${P}`, 'A', '10.244.1.7'],
    // Any address that parses: no pod needs to have it.
    [`1-2-3-4.default.${P}`, 'A', '1.2.3.4'],
    // A namespace that exists without any Service.
    [`1-2-3-4.quiet.${P}`, 'A', '1.2.3.4'],
    // IPv6: ':' written '-', '::' written '--'.
    [`fd00--1.default.${P}`, 'AAAA', 'fd00::1'],
    [`fd00-244--11-1.default.${P}`, 'AAAA', 'fd00:244::11:1'],
    [`2001-db8-0-0-0-0-0-1.default.${P}`, 'AAAA', '2001:db8::1'],
    [`5678-abcd--1.default.${P}`, 'AAAA', '5678:abcd::1'],
    // Three dashes but a `--`: read as IPv6.
    [`10--244-1-7.default.${P}`, 'AAAA', '10::244:1:7'],
  ] as const)('%s %s -> %s', async (name, type, ip) => {
    expect(await positive(srv.port, name, type)).toEqual([`${name} ${type} ${ip}`]);
  });

  test.each([
    [`10-244-1-7.default.${P}`, 'AAAA', NODATA],
    [`10-244-1-7.default.${P}`, 'TXT', NODATA],
    [`fd00--1.default.${P}`, 'A', NODATA],
    // Malformed: wrong dash count, octets out of range, not hex, empty groups.
    [`10-244-1.default.${P}`, 'A', NXDOMAIN],
    [`10-244-1-999.default.${P}`, 'A', NXDOMAIN],
    [`a-b-c-d.default.${P}`, 'A', NXDOMAIN],
    [`10-244-1-7-8.default.${P}`, 'A', NXDOMAIN],
    // `--` makes it IPv6 (10::244:1:7), so it has no A record.
    [`10--244-1-7.default.${P}`, 'A', NODATA],
    [`fd00---1.default.${P}`, 'AAAA', NXDOMAIN],
    [`zz00--1.default.${P}`, 'AAAA', NXDOMAIN],
    [`garbage.default.${P}`, 'A', NXDOMAIN],
    // Namespace that does not exist.
    [`10-244-1-7.nosuch.${P}`, 'A', NXDOMAIN],
  ] as const)('%s %s -> %s', async (name, type, code) => {
    await negative(srv.port, name, type, code);
  });

  test('mixed case echoes the query spelling', async () => {
    const spelled = `10-244-1-7.DeFault.POD.Cluster.Local`;
    const { packet } = await ask(srv.port, spelled, 'A');
    expectPositive(packet);
    expect(packet.answers?.map((r) => `${r.name} ${(r as { data: string }).data}`)).toEqual([`${spelled} 10.244.1.7`]);
  });
});

describe('disabled', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer(CLUSTER, { pods: 'disabled' });
  });
  afterAll(() => srv?.close());

  test.each([
    [`10-244-1-7.default.${P}`, 'A'],
    [`1-2-3-4.default.${P}`, 'A'],
    [`fd00--1.default.${P}`, 'AAAA'],
    [`10-244-10-1.secret.${P}`, 'A'],
  ] as const)('%s %s -> NXDOMAIN', async (name, type) => {
    await negative(srv.port, name, type, NXDOMAIN);
  });

  test('pod.<zone> itself stays an empty non-terminal', async () => {
    await negative(srv.port, P, 'A', NODATA);
  });
});

describe('verified (answers only addresses of pods in that namespace)', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer(CLUSTER, { pods: 'verified' });
  });
  afterAll(() => srv?.close());

  test.each([
    [`10-244-1-7.default.${P}`, 'A', '10.244.1.7'],
    [`10-244-11-1.default.${P}`, 'A', '10.244.11.1'],
    // The second address of a dual-stack pod (status.podIPs).
    [`fd00-244--11-1.default.${P}`, 'AAAA', 'fd00:244::11:1'],
    [`10-244-10-1.secret.${P}`, 'A', '10.244.10.1'],
  ] as const)('%s %s -> %s', async (name, type, ip) => {
    expect(await positive(srv.port, name, type)).toEqual([`${name} ${type} ${ip}`]);
  });

  test.each([
    [`1-2-3-4.default.${P}`, 'A', NXDOMAIN], // no pod has it
    [`10-244-10-1.default.${P}`, 'A', NXDOMAIN], // a pod has it, in another namespace
    [`10-244-1-7.secret.${P}`, 'A', NXDOMAIN],
    [`10-244-1-7.quiet.${P}`, 'A', NXDOMAIN],
    [`fd00--1.default.${P}`, 'AAAA', NXDOMAIN],
    [`10-244-1-7.default.${P}`, 'AAAA', NODATA], // the pod exists, not with that family
  ] as const)('%s %s -> %s', async (name, type, code) => {
    await negative(srv.port, name, type, code);
  });
});
