// convertObject (sources/convert.ts): API object -> slim record, one table row per rule, and
// FieldError naming the first bad field with what was expected and what was found.
import { rowsOf } from '../../src/cluster/endpoint-set';
import { packIP } from '../../src/cluster/ip';
import type { EndpointSetRecord } from '../../src/cluster/types';
import { convertObject, FieldError } from '../../src/sources/convert';

const svc = (spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: 'web', namespace: 'default' }) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata,
  spec,
});
const slice = (o: Record<string, unknown>, labels: Record<string, string> = { 'kubernetes.io/service-name': 'web' }) => ({
  apiVersion: 'discovery.k8s.io/v1',
  kind: 'EndpointSlice',
  metadata: { name: 'web-abc', namespace: 'default', labels },
  addressType: 'IPv4',
  ...o,
});

describe('Service', () => {
  test.each([
    [
      'ClusterIP with clusterIPs',
      svc({ clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),
      { kind: 'ClusterIP', clusterIPs: ['10.96.0.1'], externalName: '', ports: [{ name: 'http', protocol: 'tcp', port: 80 }], publishNotReadyAddresses: false },
    ],
    [
      'dual-stack, IPv6 normalised (RFC 5952)',
      svc({ clusterIPs: ['10.96.0.2', 'FD00:0:0:0::0020'] }),
      { kind: 'ClusterIP', clusterIPs: ['10.96.0.2', 'fd00::20'] },
    ],
    ['spec.clusterIP alone (no clusterIPs)', svc({ clusterIP: '10.96.0.3' }), { kind: 'ClusterIP', clusterIPs: ['10.96.0.3'] }],
    ['no ClusterIP at all (not yet allocated)', svc({}), { kind: 'ClusterIP', clusterIPs: [] }],
    ['empty clusterIP string', svc({ clusterIP: '' }), { kind: 'ClusterIP', clusterIPs: [] }],
    ['headless: clusterIP None', svc({ clusterIP: 'None' }), { kind: 'Headless', clusterIPs: [] }],
    ['headless: clusterIPs [None]', svc({ clusterIPs: ['None'] }), { kind: 'Headless', clusterIPs: [] }],
    ['NodePort is a ClusterIP Service for DNS', svc({ type: 'NodePort', clusterIP: '10.96.0.4' }), { kind: 'ClusterIP', clusterIPs: ['10.96.0.4'] }],
    ['LoadBalancer likewise', svc({ type: 'LoadBalancer', clusterIP: '10.96.0.5' }), { kind: 'ClusterIP' }],
    [
      'ExternalName: trailing dot dropped, lower-cased',
      svc({ type: 'ExternalName', externalName: 'API.Example.COM.' }),
      { kind: 'ExternalName', clusterIPs: [], externalName: 'api.example.com' },
    ],
    ['publishNotReadyAddresses', svc({ clusterIP: 'None', publishNotReadyAddresses: true }), { publishNotReadyAddresses: true }],
    [
      'ports: protocol defaults to TCP, lower-cased; unnamed port has name ""',
      svc({ clusterIP: '10.96.0.6', ports: [{ port: 8080 }, { name: 'dns', port: 53, protocol: 'UDP' }, { name: 's', port: 9, protocol: 'sctp' }] }),
      { ports: [{ name: '', protocol: 'tcp', port: 8080 }, { name: 'dns', protocol: 'udp', port: 53 }, { name: 's', protocol: 'sctp', port: 9 }] },
    ],
    ['namespace defaults to default', svc({ clusterIP: '10.96.0.7' }, { name: 'x' }), { namespace: 'default', name: 'x' }],
  ])('%s', (_n, input, want) => {
    const c = convertObject(input);
    expect(c?.kind).toBe('Service');
    expect(c?.record).toMatchObject(want);
  });

  test.each([
    ['port 70000', svc({ clusterIP: '10.96.0.1', ports: [{ name: 'a', port: 80 }, { name: 'b', port: 70000 }] }), 'spec.ports[1].port', '1-65535', '70000'],
    ['port 0', svc({ clusterIP: '10.96.0.1', ports: [{ port: 0 }] }), 'spec.ports[0].port', '1-65535', '0'],
    ['port missing', svc({ clusterIP: '10.96.0.1', ports: [{ name: 'a' }] }), 'spec.ports[0].port', '1-65535', 'nothing'],
    ['port as a string', svc({ clusterIP: '10.96.0.1', ports: [{ port: '80' }] }), 'spec.ports[0].port', '1-65535', '"80"'],
    ['bad protocol', svc({ clusterIP: '10.96.0.1', ports: [{ port: 80, protocol: 'ICMP' }] }), 'spec.ports[0].protocol', 'TCP, UDP or SCTP', '"ICMP"'],
    ['bad type', svc({ type: 'Weird' }), 'spec.type', 'ClusterIP, NodePort, LoadBalancer or ExternalName', '"Weird"'],
    ['bad clusterIP', svc({ clusterIP: '10.96.0.300' }), 'spec.clusterIP', 'an IP address', '"10.96.0.300"'],
    ['bad clusterIPs entry', svc({ clusterIPs: ['10.96.0.1', 'nope'] }), 'spec.clusterIPs[1]', 'an IP address', '"nope"'],
    ['clusterIPs not a list', svc({ clusterIPs: '10.96.0.1' }), 'spec.clusterIPs', 'a list', '"10.96.0.1"'],
    ['ports not a list', svc({ ports: { port: 80 } }), 'spec.ports', 'a list', '{"port":80}'],
    ['ExternalName without a name', svc({ type: 'ExternalName' }), 'spec.externalName', 'a string', 'nothing'],
    ['ExternalName empty', svc({ type: 'ExternalName', externalName: '' }), 'spec.externalName', 'a DNS name', '""'],
    ['no spec', { kind: 'Service', metadata: { name: 'web' } }, 'spec', 'an object', 'nothing'],
    ['no metadata', { kind: 'Service', spec: {} }, 'metadata', 'an object', 'nothing'],
    ['no name', { kind: 'Service', metadata: {}, spec: {} }, 'metadata.name', 'a string', 'nothing'],
    ['upper-case name', svc({}, { name: 'Web', namespace: 'default' }), 'metadata.name', 'a DNS label', '"Web"'],
    ['name longer than 63', svc({}, { name: 'a'.repeat(64), namespace: 'default' }), 'metadata.name', 'a DNS label', '"aaaa'],
    ['bad namespace', svc({}, { name: 'web', namespace: 'Default' }), 'metadata.namespace', 'a DNS label', '"Default"'],
  ])('%s -> FieldError', (_n, input, field, expected, got) => {
    let err: unknown;
    try {
      convertObject(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FieldError);
    const fe = err as FieldError;
    expect(fe.code).toBe('CDNS_SNAPSHOT_FIELD');
    expect(fe.field).toBe(field);
    expect(fe.message).toContain(field);
    expect(fe.message).toContain(expected);
    expect(fe.message).toContain(`got ${got}`);
  });
});

describe('EndpointSlice', () => {
  test('ready: absent or null means ready, false means not (discovery.k8s.io/v1)', () => {
    const c = convertObject(
      slice({
        endpoints: [
          { addresses: ['10.244.0.1'] },
          { addresses: ['10.244.0.2'], conditions: { ready: true } },
          { addresses: ['10.244.0.3'], conditions: { ready: false } },
          { addresses: ['10.244.0.4'], conditions: { ready: null } },
          { addresses: ['10.244.0.5'], conditions: {} },
        ],
      }),
    );
    expect(c?.kind).toBe('EndpointSet');
    expect(rowsOf(c?.record as EndpointSetRecord).map((e) => e.ready)).toEqual([true, true, false, true, true]);
  });

  test('set fields: source, service from the label, hostname, pod name, ports, trigger time', () => {
    const c = convertObject({
      ...slice({
        endpoints: [
          { addresses: ['10.244.0.1'], hostname: 'db-0', targetRef: { kind: 'Pod', name: 'db-0', namespace: 'default' } },
          { addresses: ['10.244.0.2'], targetRef: { kind: 'Node', name: 'n1' } },
        ],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'all' }],
      }),
      metadata: {
        name: 'web-abc',
        namespace: 'shop',
        labels: { 'kubernetes.io/service-name': 'web' },
        annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': '2026-01-02T03:04:05Z' },
      },
    });
    expect(c).toEqual({
      kind: 'EndpointSet',
      record: {
        source: 'slice',
        namespace: 'shop',
        name: 'web-abc',
        service: 'web',
        // A port without a number (all ports) is dropped.
        ports: [{ name: 'http', protocol: 'tcp', port: 8080 }],
        // Columns, one row per address (issue 13): IPv4 packed into an int32, names joined.
        addresses: [packIP('10.244.0.1'), packIP('10.244.0.2')],
        notReady: null,
        hostnames: 'db-0\n',
        podNames: 'db-0\n',
        triggerTime: Date.parse('2026-01-02T03:04:05Z'),
      },
    });
    expect(rowsOf(c?.record as EndpointSetRecord)).toEqual([
      { address: '10.244.0.1', ready: true, hostname: 'db-0', podName: 'db-0' },
      { address: '10.244.0.2', ready: true, hostname: '', podName: '' },
    ]);
  });

  test('IPv6 slice: addresses normalised', () => {
    const c = convertObject(slice({ addressType: 'IPv6', endpoints: [{ addresses: ['2001:DB8:0:0:0:0:0:0'] }, { addresses: ['5678:abcd:0::1'] }] }));
    expect(rowsOf(c?.record as EndpointSetRecord).map((e) => e.address)).toEqual(['2001:db8::', '5678:abcd::1']);
  });

  test.each([
    ['no service-name label: belongs to no Service', slice({ endpoints: [] }, {})],
    ['FQDN address type: not served', slice({ addressType: 'FQDN', endpoints: [{ addresses: ['example.com'] }] })],
  ])('%s -> null', (_n, input) => {
    expect(convertObject(input)).toBeNull();
  });

  test.each([
    ['an IPv6 address in an IPv4 slice', slice({ endpoints: [{ addresses: ['fd00::1'] }] }), 'endpoints[0].addresses[0]', 'an IPv4 address'],
    ['an IPv4 address in an IPv6 slice', slice({ addressType: 'IPv6', endpoints: [{}, { addresses: ['10.0.0.1'] }] }), 'endpoints[1].addresses[0]', 'an IPv6 address'],
    ['bad address type', slice({ addressType: 'IPv5' }), 'addressType', 'IPv4, IPv6 or FQDN'],
    ['bad hostname', slice({ endpoints: [{ addresses: ['10.0.0.1'], hostname: 'DB_0' }] }), 'endpoints[0].hostname', 'a DNS label'],
    ['port out of range', slice({ ports: [{ name: 'x', port: 65536 }] }), 'ports[0].port', '1-65535'],
    ['endpoints not a list', slice({ endpoints: 'x' }), 'endpoints', 'a list'],
  ])('%s -> FieldError', (_n, input, field, expected) => {
    expect(() => convertObject(input)).toThrow(FieldError);
    try {
      convertObject(input);
    } catch (e) {
      expect((e as FieldError).field).toBe(field);
      expect((e as FieldError).message).toContain(expected);
    }
  });
});

describe('Endpoints (core/v1)', () => {
  test('addresses ready, notReadyAddresses not; ports are the union over subsets', () => {
    const c = convertObject({
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'web', namespace: 'default' },
      subsets: [
        {
          addresses: [{ ip: '10.244.0.1', hostname: 'web-0', targetRef: { kind: 'Pod', name: 'web-0' } }],
          notReadyAddresses: [{ ip: '10.244.0.2', hostname: '' }],
          ports: [{ name: 'http', port: 8080 }],
        },
        { addresses: [{ ip: 'fd00::0:1' }], ports: [{ name: 'http', port: 8080 }, { name: 'dns', port: 53, protocol: 'UDP' }] },
      ],
    });
    expect(c).toEqual({
      kind: 'EndpointSet',
      record: {
        source: 'endpoints',
        namespace: 'default',
        name: 'web',
        service: 'web',
        ports: [{ name: 'http', protocol: 'tcp', port: 8080 }, { name: 'dns', protocol: 'udp', port: 53 }],
        // A mixed-family set: IPv4 packed, IPv6 as canonical text.
        addresses: [packIP('10.244.0.1'), packIP('10.244.0.2'), 'fd00::1'],
        notReady: [1],
        hostnames: 'web-0\n\n',
        podNames: 'web-0\n\n',
        triggerTime: 0,
      },
    });
    expect(rowsOf(c?.record as EndpointSetRecord)).toEqual([
      { address: '10.244.0.1', ready: true, hostname: 'web-0', podName: 'web-0' },
      { address: '10.244.0.2', ready: false, hostname: '', podName: '' },
      { address: 'fd00::1', ready: true, hostname: '', podName: '' },
    ]);
  });

  test('no subsets: an empty set', () => {
    expect(convertObject({ kind: 'Endpoints', metadata: { name: 'x', namespace: 'a' } })?.record).toMatchObject({ addresses: [], notReady: null, hostnames: '', podNames: '', ports: [] });
  });

  test('a bad ip names its place', () => {
    expect(() => convertObject({ kind: 'Endpoints', metadata: { name: 'x' }, subsets: [{ notReadyAddresses: [{ ip: '1.2.3' }] }] })).toThrow(
      /subsets\[0\]\.notReadyAddresses\[0\]\.ip must be an IP address, got "1\.2\.3"/,
    );
  });
});

describe('Pod, Namespace, other kinds', () => {
  test.each([
    ['status.podIPs', { status: { podIP: '10.0.0.1', podIPs: [{ ip: '10.0.0.1' }, { ip: 'fd00::0001' }] } }, ['10.0.0.1', 'fd00::1']],
    ['status.podIP alone', { status: { podIP: '10.0.0.2' } }, ['10.0.0.2']],
    ['no IP yet (pending)', { status: { phase: 'Pending' } }, []],
    ['no status', {}, []],
  ])('Pod with %s', (_n, extra, ips) => {
    expect(convertObject({ kind: 'Pod', metadata: { name: 'p', namespace: 'ns1' }, ...extra })).toEqual({ kind: 'Pod', record: { namespace: 'ns1', name: 'p', ips } });
  });

  test('Namespace', () => {
    expect(convertObject({ kind: 'Namespace', metadata: { name: 'shop' } })).toEqual({ kind: 'Namespace', record: { name: 'shop' } });
    expect(() => convertObject({ kind: 'Namespace', metadata: { name: 'Shop' } })).toThrow(/metadata\.name must be a DNS label/);
  });

  test.each(['ConfigMap', 'Deployment', 'Secret', 'Node'])('%s is ignored (null)', (kind) => {
    expect(convertObject({ kind, metadata: { name: 'x' } })).toBeNull();
  });

  test.each([
    ['not an object', 'hello', '(object)'],
    ['a list', [1, 2], '(object)'],
    ['null', null, '(object)'],
    ['no kind', { metadata: { name: 'x' } }, 'kind'],
    ['kind not a string', { kind: 3 }, 'kind'],
  ])('%s -> FieldError on %s', (_n, input, field) => {
    try {
      convertObject(input);
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(FieldError);
      expect((e as FieldError).field).toBe(field);
    }
  });
});
