// Each directive's setup: the Corefile line -> the typed config of config/plan.ts and
// plugins/types.ts, with CoreDNS's defaults where the line is silent.
import { block, compile } from './helpers';

const b = (body: string, files: Record<string, string> = {}) => block(`cluster.local:53 {\n${body}\n}\n`, files);

describe('kubernetes', () => {
  test('defaults: the block zones, ttl 5, pods disabled', () => {
    expect(b('kubernetes').kubernetes).toEqual({
      origin: expect.stringMatching(/Corefile:2$/),
      zones: ['cluster.local'],
      ttl: 5,
      pods: 'disabled',
      namespaces: null,
      namespaceLabels: null,
      labels: null,
      endpointPodNames: false,
      ignoreEmptyService: false,
      noEndpoints: false,
      fallthrough: null,
    });
  });

  test('every option', () => {
    const c = compile(
      '. {\n kubernetes cluster.local 10.0.0.0/16 ip6.arpa {\n  kubeconfig kube.conf ctx1\n  namespaces default kube-system\n  namespace_labels team=a\n  labels app in (a, b),tier=web\n  pods verified\n  endpoint_pod_names\n  ttl 30\n  noendpoints\n  fallthrough in-addr.arpa\n  ignore empty_service\n  startup_timeout 10s\n }\n}\n',
    );
    expect(c.plan.blocks[0].kubernetes).toMatchObject({
      zones: ['cluster.local', '0.10.in-addr.arpa', 'ip6.arpa'],
      ttl: 30,
      pods: 'verified',
      namespaces: ['default', 'kube-system'],
      namespaceLabels: 'team=a',
      labels: 'app in (a, b),tier=web',
      endpointPodNames: true,
      ignoreEmptyService: true,
      noEndpoints: true,
      fallthrough: ['in-addr.arpa'],
    });
    expect(c.options).toMatchObject({
      kubeconfig: `${c.dir}/kube.conf`,
      context: 'ctx1',
      namespaces: ['default', 'kube-system'],
      serviceSelector: 'app in (a, b),tier=web',
      namespaceSelector: 'team=a',
      pods: 'verified',
      endpointPodNames: true,
      clusterDomain: 'cluster.local',
      startupTimeoutMs: 10000,
    });
  });

  test('fallthrough without zones is every zone; endpoint goes to the options', () => {
    const c = compile('cluster.local {\n kubernetes {\n  endpoint http://127.0.0.1:8001\n  fallthrough\n }\n}\n');
    expect(c.plan.blocks[0].kubernetes?.fallthrough).toEqual([]);
    expect(c.options.kubeEndpoint).toBe('http://127.0.0.1:8001');
  });

  test('legacy options are warnings naming what replaced them', () => {
    const c = compile('. {\n kubernetes cluster.local {\n  upstream\n  resyncperiod 5m\n }\n}\n');
    expect(c.warnings).toEqual([
      "DIR/Corefile:3: kubernetes/upstream: ignored: removed from CoreDNS (1.7); ExternalName targets are resolved through the block's forward",
      'DIR/Corefile:4: kubernetes/resyncperiod: ignored: removed from CoreDNS (1.7); the watch keeps the view current without a resync',
    ]);
  });
});

describe('forward', () => {
  test('resolv.conf and options', () => {
    expect(b('forward . /etc/resolv.conf {\n except a.com B.com.\n force_tcp\n prefer_udp\n expire 5s\n max_fails 3\n health_check 1s\n policy sequential\n max_concurrent 1000\n}').forward).toEqual({
      origin: expect.stringMatching(/Corefile:2$/),
      from: '',
      to: null,
      resolvConf: '/etc/resolv.conf',
      except: ['a.com', 'b.com'],
      forceTcp: true,
      // CoreDNS: force_tcp wins over prefer_udp.
      preferUdp: false,
      policy: 'sequential',
      maxConcurrent: 1000,
      timeoutMs: 2000,
      maxFails: 3,
      healthCheckMs: 1000,
      expireMs: 5000,
    });
  });

  test('addresses: port, dns://, IPv6 with and without brackets; CoreDNS defaults', () => {
    expect(b('forward example.org 10.0.0.1 dns://10.0.0.2:1053 [fd00::1]:5353 fd00::2').forward).toMatchObject({
      from: 'example.org',
      to: [
        { host: '10.0.0.1', port: 53 },
        { host: '10.0.0.2', port: 1053 },
        { host: 'fd00::1', port: 5353 },
        { host: 'fd00::2', port: 53 },
      ],
      policy: 'random',
      maxConcurrent: 0,
      maxFails: 2,
      healthCheckMs: 500,
      expireMs: 10000,
    });
  });

  test('a resolv.conf beside addresses is read now and listed for reload', () => {
    const c = compile('. {\n forward . 10.0.0.1 my-resolv.conf\n}\n', { 'my-resolv.conf': 'nameserver 10.0.0.9\nnameserver 10.0.0.8\n' });
    expect(c.plan.blocks[0].forward?.to).toEqual([
      { host: '10.0.0.1', port: 53 },
      { host: '10.0.0.9', port: 53 },
      { host: '10.0.0.8', port: 53 },
    ]);
    expect(c.files).toEqual([`${c.dir}/Corefile`, `${c.dir}/my-resolv.conf`]);
  });

  test('proxy is read as forward, with a warning naming forward', () => {
    const c = compile('. {\n proxy . 10.0.0.1 {\n  policy first\n  fail_timeout 5s\n }\n}\n');
    expect(c.plan.blocks[0].forward).toMatchObject({ to: [{ host: '10.0.0.1', port: 53 }], policy: 'sequential' });
    expect(c.warnings).toEqual([
      'DIR/Corefile:2: proxy: proxy was removed in CoreDNS 1.6; read as forward with the same FROM TO (write forward instead)',
      'DIR/Corefile:4: proxy/fail_timeout: ignored (no forward equivalent)',
    ]);
  });
});

describe('cache', () => {
  test('defaults', () => {
    expect(b('cache').cache).toEqual({
      origin: expect.stringMatching(/Corefile:2$/),
      zones: ['cluster.local'],
      success: { capacity: 9984, maxTtl: 3600, minTtl: 5 },
      denial: { capacity: 9984, maxTtl: 1800, minTtl: 5 },
      prefetch: null,
      serveStale: null,
      disableSuccess: [],
      disableDenial: [],
    });
  });

  test.each<[string, object]>([
    ['cache 30', { success: { capacity: 9984, maxTtl: 30, minTtl: 5 }, denial: { capacity: 9984, maxTtl: 30, minTtl: 5 } }],
    ['cache 3', { success: { capacity: 9984, maxTtl: 3, minTtl: 3 } }],
    ['cache 30 a.com b.com', { zones: ['a.com', 'b.com'] }],
    ['cache example.org', { zones: ['example.org'], success: { capacity: 9984, maxTtl: 3600, minTtl: 5 } }],
    ['cache {\n success 5000\n denial 2500 60 1\n}', { success: { capacity: 5000, maxTtl: 3600, minTtl: 5 }, denial: { capacity: 2500, maxTtl: 60, minTtl: 1 } }],
    ['cache {\n prefetch 10\n}', { prefetch: { amount: 10, durationMs: 60000, percentage: 10 } }],
    ['cache {\n prefetch 2 30s 50%\n}', { prefetch: { amount: 2, durationMs: 30000, percentage: 50 } }],
    ['cache {\n serve_stale\n}', { serveStale: { durationMs: 3600000, refresh: 'immediate' } }],
    ['cache {\n serve_stale 10m verify\n}', { serveStale: { durationMs: 600000, refresh: 'verify' } }],
    ['cache 30 {\n disable success cluster.local\n disable denial\n}', { disableSuccess: ['cluster.local'], disableDenial: ['cluster.local'] }],
  ])('%s', (line, want) => {
    expect(b(line).cache).toMatchObject(want);
  });
});

describe('hosts', () => {
  test('file, zones, inline lines and options', () => {
    const c = compile('. {\n hosts NodeHosts example.org {\n  10.0.0.1 a.example.org a\n  fd00::1 b.example.org\n  ttl 60\n  reload 15s\n  no_reverse\n  fallthrough\n }\n}\n', { NodeHosts: '10.0.0.2 node\n' });
    expect(c.plan.blocks[0].hosts).toEqual({
      origin: `${c.dir}/Corefile:2`,
      file: `${c.dir}/NodeHosts`,
      zones: ['example.org'],
      inline: ['10.0.0.1 a.example.org a', 'fd00::1 b.example.org'],
      ttl: 60,
      reloadMs: 15000,
      noReverse: true,
      fallthrough: [],
    });
    expect(c.warnings).toEqual([]);
  });

  test('defaults: /etc/hosts, block zones, ttl 3600, reload 5s; a missing file is a warning', () => {
    const c = compile('. {\n hosts missing.hosts\n}\n');
    expect(c.plan.blocks[0].hosts).toMatchObject({ file: `${c.dir}/missing.hosts`, zones: [''], ttl: 3600, reloadMs: 5000, noReverse: false, fallthrough: null });
    expect(c.warnings).toEqual([`DIR/Corefile:2: hosts: DIR/missing.hosts does not exist (yet); nothing serves until it appears`]);
    expect(block('. {\n hosts\n}\n').hosts?.file).toBe('/etc/hosts');
  });
});

describe('rewrite', () => {
  test('rules in order, every field and match kind, answer rewrites', () => {
    const r = b(
      [
        'rewrite name db.example.com. postgres.default.svc.cluster.local',
        'rewrite continue name suffix .example.com .svc.cluster.local answer auto',
        'rewrite stop name regex (.*)-us\\.example\\.org {1}.svc.cluster.local answer name (.*)\\.svc\\.cluster\\.local {1}-us.example.org answer value (.*)\\.svc\\.cluster\\.local {1}.example.org',
        'rewrite name prefix Old new',
        'rewrite name substring mid MID',
        'rewrite type ANY hinfo',
        'rewrite class CH IN',
        'rewrite ttl regex (.*)\\.example\\.org 15',
        'rewrite ttl exact a.example.org 30-300',
        'rewrite stop {\n  name regex (.*)\\.a\\.io {1}.default.svc.cluster.local\n  answer name (.*)\\.default\\.svc\\.cluster\\.local {1}.a.io\n}',
      ].join('\n'),
    ).rewrite;
    expect(r?.rules.map(({ origin, ...rest }) => rest)).toEqual([
      { mode: 'stop', field: 'name', match: 'exact', from: 'db.example.com', to: 'postgres.default.svc.cluster.local', answer: null },
      { mode: 'continue', field: 'name', match: 'suffix', from: '.example.com', to: '.svc.cluster.local', answer: { kind: 'auto' } },
      {
        mode: 'stop',
        field: 'name',
        match: 'regex',
        from: '(.*)-us\\.example\\.org',
        to: '{1}.svc.cluster.local',
        answer: [
          { kind: 'name', from: '(.*)\\.svc\\.cluster\\.local', to: '{1}-us.example.org' },
          { kind: 'value', from: '(.*)\\.svc\\.cluster\\.local', to: '{1}.example.org' },
        ],
      },
      { mode: 'stop', field: 'name', match: 'prefix', from: 'old', to: 'new', answer: null },
      { mode: 'stop', field: 'name', match: 'substring', from: 'mid', to: 'mid', answer: null },
      { mode: 'stop', field: 'type', match: 'exact', from: 'ANY', to: 'HINFO', answer: null },
      { mode: 'stop', field: 'class', match: 'exact', from: 'CH', to: 'IN', answer: null },
      { mode: 'stop', field: 'ttl', match: 'regex', from: '(.*)\\.example\\.org', to: '15', answer: null },
      { mode: 'stop', field: 'ttl', match: 'exact', from: 'a.example.org', to: '30-300', answer: null },
      {
        mode: 'stop',
        field: 'name',
        match: 'regex',
        from: '(.*)\\.a\\.io',
        to: '{1}.default.svc.cluster.local',
        answer: [{ kind: 'name', from: '(.*)\\.default\\.svc\\.cluster\\.local', to: '{1}.a.io' }],
      },
    ]);
  });
});

describe('template', () => {
  test('several templates keep their order; class/type ANY are null', () => {
    const bp = b(
      'template IN A example.org {\n match "^ip-(?P<a>[0-9]+)-(?P<b>[0-9]+)[.]example[.]org[.]$"\n answer "{{ .Name }} 60 IN A 10.0.{{ .Group.a }}.{{ .Group.b }}"\n additional "ns.example.org. 60 IN A 10.0.0.53"\n authority "example.org. 60 IN NS ns.example.org."\n fallthrough\n}\ntemplate ANY ANY invalid {\n rcode NXDOMAIN\n}',
    );
    expect(bp.templates.map(({ origin, ...rest }) => rest)).toEqual([
      {
        qclass: 1,
        qtype: 1,
        zones: ['example.org'],
        match: ['^ip-(?P<a>[0-9]+)-(?P<b>[0-9]+)[.]example[.]org[.]$'],
        answer: ['{{ .Name }} 60 IN A 10.0.{{ .Group.a }}.{{ .Group.b }}'],
        additional: ['ns.example.org. 60 IN A 10.0.0.53'],
        authority: ['example.org. 60 IN NS ns.example.org.'],
        rcode: 0,
        fallthrough: [],
      },
      { qclass: null, qtype: null, zones: ['invalid'], match: [], answer: [], additional: [], authority: [], rcode: 3, fallthrough: null },
    ]);
  });
});

describe('the other plugins', () => {
  test('switches', () => {
    const bp = b('errors\nlog\nloadbalance round_robin\nloop\nany\nwhoami');
    expect([bp.errors, bp.log, bp.loadbalance, bp.loop, bp.any, bp.whoami]).toEqual([true, true, true, true, true, true]);
    const none = b('');
    expect([none.errors, none.log, none.loadbalance, none.loop, none.any, none.whoami]).toEqual([false, false, false, false, false, false]);
  });

  test('health, ready, prometheus, reload: process-wide; absent means off', () => {
    expect(compile('. {\n health :8080 {\n  lameduck 5s\n }\n ready\n prometheus :9153\n reload 10s\n}\n').options).toMatchObject({
      health: { host: '0.0.0.0', port: 8080 },
      lameDuckMs: 5000,
      ready: { host: '0.0.0.0', port: 8181 },
      metrics: { host: '0.0.0.0', port: 9153 },
      reloadIntervalMs: 10000,
    });
    expect(compile('. {\n health\n prometheus\n reload\n}\n').options).toMatchObject({
      health: { host: '0.0.0.0', port: 8080 },
      lameDuckMs: 0,
      metrics: { host: '127.0.0.1', port: 9153 },
      reloadIntervalMs: 30000,
      ready: null,
    });
    expect(compile('. {\n whoami\n}\n').options).toMatchObject({ health: null, ready: null, metrics: null, lameDuckMs: 0, reloadIntervalMs: 0 });
  });

  test('health and prometheus in several blocks: one address; a different one is a warning', () => {
    const c = compile('a.com {\n prometheus :9253\n health 127.0.0.1:8080\n}\nb.com {\n prometheus :9253\n health 127.0.0.1:8081\n}\n');
    expect(c.options.health).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(c.warnings).toEqual(['DIR/Corefile:7: health: health is process-wide and already set at DIR/Corefile:3 to {"host":"127.0.0.1","port":8080}; {"host":"127.0.0.1","port":8081} is ignored']);
  });

  test('bind: addresses and interfaces, repeated lines add up, except removes', () => {
    expect(b('bind 127.0.0.1 ::1\nbind 127.0.0.2').listen).toEqual([
      { host: '127.0.0.1', port: 53 },
      { host: '::1', port: 53 },
      { host: '127.0.0.2', port: 53 },
    ]);
    expect(b('bind lo {\n except ::1\n}').listen).toEqual([{ host: '127.0.0.1', port: 53 }]);
    expect(b('whoami').listen).toEqual([{ host: '0.0.0.0', port: 53 }]);
  });

  test('k8s_external', () => {
    expect(b('k8s_external example.org {\n apex ns\n ttl 10\n headless\n fallthrough\n}').k8sExternal).toMatchObject({ zones: ['example.org'], apex: 'ns', ttl: 10, headless: true, fallthrough: [] });
    expect(b('k8s_external').k8sExternal).toMatchObject({ zones: ['cluster.local'], apex: 'dns', ttl: 5, headless: false, fallthrough: null });
  });

  test('autopath @kubernetes: from the kubernetes plugin of the block, whatever the order', () => {
    const c = compile('. {\n autopath @kubernetes\n kubernetes cluster.local in-addr.arpa {\n  pods verified\n }\n}\n');
    expect(c.plan.blocks[0].autopath).toEqual({ origin: `${c.dir}/Corefile:2`, zone: 'cluster.local', searchDomains: null, verified: true });
    expect(c.options.autopath).toBe(true);
    const insecure = compile('. {\n autopath @kubernetes\n kubernetes cluster.local\n}\n');
    expect(insecure.plan.blocks[0].autopath?.verified).toBe(false);
    expect(insecure.warnings).toEqual([`DIR/Corefile:2: autopath: CoreDNS only walks the search path with "pods verified" (kubernetes at DIR/Corefile:3 has pods disabled)`]);
  });

  test('file', () => {
    const c = compile('example.org {\n file db.example.org\n file db.other other.org\n}\n');
    expect(c.plan.blocks[0].zoneFiles).toEqual([
      { origin: `${c.dir}/Corefile:2`, path: `${c.dir}/db.example.org`, zones: ['example.org'] },
      { origin: `${c.dir}/Corefile:3`, path: `${c.dir}/db.other`, zones: ['other.org'] },
    ]);
  });

  test('ignored plugins are warnings', () => {
    const c = compile('. {\n cancel\n bufsize 1232\n whoami\n}\n');
    expect(c.warnings).toEqual(['DIR/Corefile:2: cancel: ignored (queries are always bounded by the upstream timeout)', 'DIR/Corefile:3: bufsize: ignored (the EDNS buffer size is fixed at 1232 (DNS flag day 2020))']);
  });

  test('debug sets the log level', () => {
    expect(compile('. {\n debug\n}\n').options.logLevel).toBe('debug');
  });

  test('loadbalance in any block turns the process switch on', () => {
    expect(compile('. {\n loadbalance\n}\n').options.loadbalance).toBe(true);
    expect(compile('. {\n whoami\n}\n').options.loadbalance).toBe(false);
  });
});

describe('blocks', () => {
  test('zones, ports, and a block per port', () => {
    const c = compile('cluster.local 10.0.0.0/24 {\n whoami\n}\na.com:53 b.com:5353 {\n errors\n}\n');
    expect(c.plan.blocks.map((x) => [x.zones, x.listen])).toEqual([
      [['cluster.local', '0.0.10.in-addr.arpa'], [{ host: '0.0.0.0', port: 53 }]],
      [['a.com'], [{ host: '0.0.0.0', port: 53 }]],
      [['b.com'], [{ host: '0.0.0.0', port: 5353 }]],
    ]);
    expect(c.plan.blocks[2].errors).toBe(true);
  });

  test('-dns.port is the port of keys without one', () => {
    const dir = require('./stage').writeTree({ Corefile: '. {\n whoami\n}\nx.com:53 {\n}\n' });
    const c = require('../../src/corefile/compile').loadCorefile(`${dir}/Corefile`, {}, { dnsPort: 1053 });
    expect(c.plan.blocks.map((x: { listen: { port: number }[] }) => x.listen[0].port)).toEqual([1053, 53]);
  });

  test('the same zone on the same port in two blocks is an error unless bind sets them apart', () => {
    expect(compile('. {\n bind 127.0.0.1\n}\n.:53 {\n bind 127.0.0.2\n}\n').plan.blocks).toHaveLength(2);
    expect(compile('.:53 {\n}\n.:54 {\n}\n').plan.blocks).toHaveLength(2);
  });

  test('env substitution in keys and arguments', () => {
    const c = compile('.:{$PORT} {\n forward . {$UPSTREAM}\n}\n', {}, { PORT: '1053', UPSTREAM: '10.0.0.1' });
    expect(c.plan.blocks[0].listen).toEqual([{ host: '0.0.0.0', port: 1053 }]);
    expect(c.plan.blocks[0].forward?.to).toEqual([{ host: '10.0.0.1', port: 53 }]);
  });
});
