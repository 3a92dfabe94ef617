// GET /metrics: the exposition parses, carries CoreDNS's names and label sets, and its
// counters move by exactly the queries sent over real UDP and TCP sockets.
import fs from 'node:fs';
import * as dnsPacket from 'dns-packet';
import { startServing, type Serving } from '../../src/ops/serve';
import { Metrics, type MetricsView } from '../../src/ops/metrics';
import { ForwardStats } from '../../src/ops/forward-stats';
import { QueryStats } from '../../src/server/stats';
import { FakeUpstream } from '../support/fake-upstream';
import { encodeQuery, tcpRaw, udpRaw } from '../support/server';
import { captureLogger, familyOf, get, parseProm, pick, tempDir, testOptions, total, waitFor, type PromText } from './helpers';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function serveWith(upstream: FakeUpstream, layer: Parameters<typeof testOptions>[1] = {}, log = captureLogger().log): Promise<Serving> {
  const dir = tempDir();
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const s = await startServing(testOptions(dir, { upstream: [upstream.hostPort], lameDuckMs: 0, ...layer }), log);
  cleanups.push(() => s.shutdown());
  return s;
}

async function scrape(s: Serving): Promise<PromText> {
  const r = await get(s.opsPorts.metrics, '/metrics');
  expect(r.status).toBe(200);
  return parseProm(r.body);
}

async function udp(port: number, name: string, type: dnsPacket.RecordType): Promise<string> {
  const reply = await udpRaw(port, encodeQuery({ name, type }), 2000);
  if (reply === null) throw new Error(`no UDP reply for ${name} ${type}`);
  return (dnsPacket.decode(reply) as { rcode?: string }).rcode ?? 'NOERROR';
}

/** Label names each family must carry, exactly (CoreDNS 1.11 metrics, cache and forward docs). */
const LABELS: Record<string, string[]> = {
  coredns_build_info: ['goversion', 'revision', 'version'],
  coredns_panics_total: [],
  coredns_plugin_enabled: ['name', 'server', 'view', 'zone'],
  coredns_dns_requests_total: ['family', 'proto', 'server', 'type', 'view', 'zone'],
  coredns_dns_responses_total: ['plugin', 'rcode', 'server', 'view', 'zone'],
  coredns_dns_request_duration_seconds: ['server', 'type', 'view', 'zone'],
  coredns_dns_request_size_bytes: ['proto', 'server', 'view', 'zone'],
  coredns_dns_response_size_bytes: ['proto', 'server', 'view', 'zone'],
  coredns_cache_entries: ['server', 'type', 'view', 'zones'],
  coredns_cache_hits_total: ['server', 'type', 'view', 'zones'],
  coredns_cache_misses_total: ['server', 'view', 'zones'],
  coredns_forward_requests_total: ['to'],
  coredns_forward_responses_total: ['rcode', 'to'],
  coredns_forward_request_duration_seconds: ['rcode', 'to'],
  coredns_forward_healthcheck_failures_total: ['to'],
  coredns_forward_healthcheck_broken_total: [],
  coredns_forward_max_concurrent_rejects_total: [],
  coredns_health_request_duration_seconds: [],
  process_resident_memory_bytes: [],
  process_cpu_seconds_total: [],
  clusterdns_cluster_generation: [],
  clusterdns_cluster_objects: ['kind'],
  clusterdns_config_reloads_total: ['result'],
};

const TYPES: Record<string, string> = {
  coredns_dns_requests_total: 'counter',
  coredns_dns_responses_total: 'counter',
  coredns_dns_request_duration_seconds: 'histogram',
  coredns_dns_request_size_bytes: 'histogram',
  coredns_dns_response_size_bytes: 'histogram',
  coredns_cache_entries: 'gauge',
  coredns_cache_hits_total: 'counter',
  coredns_forward_request_duration_seconds: 'histogram',
  coredns_kubernetes_dns_programming_duration_seconds: 'histogram',
  coredns_health_request_duration_seconds: 'histogram',
  coredns_build_info: 'gauge',
  coredns_panics_total: 'counter',
};

/** Histograms: buckets cumulative and ending in +Inf, which equals _count. */
function checkHistograms(p: PromText): void {
  for (const [fam, type] of p.types) {
    if (type !== 'histogram') continue;
    const series = new Map<string, { le: number; v: number }[]>();
    for (const s of pick(p, `${fam}_bucket`)) {
      const { le, ...rest } = s.labels;
      const key = JSON.stringify(rest);
      series.set(key, [...(series.get(key) ?? []), { le: le === '+Inf' ? Infinity : Number(le), v: s.value }]);
    }
    for (const [key, buckets] of series) {
      for (let i = 1; i < buckets.length; i++) {
        expect(buckets[i].le).toBeGreaterThan(buckets[i - 1].le);
        expect(buckets[i].v).toBeGreaterThanOrEqual(buckets[i - 1].v);
      }
      expect(buckets[buckets.length - 1].le).toBe(Infinity);
      const count = p.samples.find((s) => s.name === `${fam}_count` && JSON.stringify(s.labels) === key);
      expect(count?.value).toBe(buckets[buckets.length - 1].v);
    }
  }
}

test('exposition: CoreDNS names, label sets and types; counters move by exactly the queries sent', async () => {
  const up = await FakeUpstream.start({ answerIp: '192.0.2.7' });
  cleanups.push(() => up.close());
  const s = await serveWith(up);
  const port = s.running.ports[0];
  const server = `dns://:${port}`;
  // The loop probe goes upstream at start; take the baseline after it.
  await waitFor(() => up.received.length >= 1, 3000, 'the loop probe');
  await waitFor(() => s.forward.upstreams.size === 1, 3000, 'the loop probe answer');
  const before = await scrape(s);

  for (let i = 0; i < 5; i++) expect(await udp(port, 'web.default.svc.cluster.local', 'A')).toBe('NOERROR');
  for (let i = 0; i < 3; i++) expect(await udp(port, 'web.default.svc.cluster.local', 'AAAA')).toBe('NOERROR');
  for (let i = 0; i < 4; i++) expect(await udp(port, 'nope.default.svc.cluster.local', 'A')).toBe('NXDOMAIN');
  for (let i = 0; i < 3; i++) expect(await udp(port, 'example.org', 'A')).toBe('NOERROR');
  const tcpReplies = await tcpRaw(port, [encodeQuery({ name: 'web.default.svc.cluster.local', type: 'A' }), encodeQuery({ name: 'web.default.svc.cluster.local', type: 'SRV' })]);
  expect(tcpReplies).toHaveLength(2);
  const after = await scrape(s);
  const delta = (name: string, where: Record<string, string> = {}) => total(after, name, where) - total(before, name, where);

  // Every sample belongs to a family with a TYPE line; the families are the CoreDNS ones.
  for (const x of after.samples) expect(familyOf(after, x.name)).toBeDefined();
  for (const [fam, labels] of Object.entries(LABELS)) {
    const samples = after.samples.filter((x) => familyOf(after, x.name) === fam);
    expect({ fam, n: samples.length > 0 }).toEqual({ fam, n: true });
    for (const x of samples) {
      const keys = Object.keys(x.labels).filter((k) => k !== 'le').sort();
      expect({ fam, keys }).toEqual({ fam, keys: labels });
    }
  }
  for (const [fam, type] of Object.entries(TYPES)) expect({ fam, type: after.types.get(fam) }).toEqual({ fam, type });
  checkHistograms(after);

  // Requests: 15 over UDP/IPv4 (12 A, 3 AAAA), 2 over TCP (A, SRV).
  const req = { server, zone: '.', view: '', family: '1' };
  expect(delta('coredns_dns_requests_total', { ...req, proto: 'udp', type: 'A' })).toBe(12);
  expect(delta('coredns_dns_requests_total', { ...req, proto: 'udp', type: 'AAAA' })).toBe(3);
  expect(delta('coredns_dns_requests_total', { ...req, proto: 'tcp', type: 'A' })).toBe(1);
  expect(delta('coredns_dns_requests_total', { ...req, proto: 'tcp', type: 'SRV' })).toBe(1);
  expect(delta('coredns_dns_requests_total')).toBe(17);
  // Responses: 4 NXDOMAIN, 13 NOERROR; exactly one answer came from upstream, the next two from the cache.
  expect(delta('coredns_dns_responses_total', { server, rcode: 'NXDOMAIN' })).toBe(4);
  expect(delta('coredns_dns_responses_total', { server, rcode: 'NOERROR' })).toBe(13);
  expect(delta('coredns_dns_responses_total', { rcode: 'NOERROR', plugin: 'forward' })).toBe(1);
  expect(delta('coredns_dns_responses_total', { plugin: 'kubernetes' }) + delta('coredns_dns_responses_total', { plugin: 'cache' })).toBe(16);
  // Histograms count every query once.
  expect(delta('coredns_dns_request_duration_seconds_count', { server })).toBe(17);
  expect(delta('coredns_dns_request_size_bytes_count', { proto: 'udp' })).toBe(15);
  expect(delta('coredns_dns_request_size_bytes_count', { proto: 'tcp' })).toBe(2);
  expect(delta('coredns_dns_response_size_bytes_count', { proto: 'udp' })).toBe(15);
  expect(delta('coredns_dns_response_size_bytes_count', { proto: 'tcp' })).toBe(2);
  // Cache: the forwarded name is one miss then two hits; one entry, a success.
  expect(delta('coredns_cache_hits_total')).toBe(2);
  expect(total(after, 'coredns_cache_entries', { server, type: 'success' }) + total(after, 'coredns_cache_entries', { type: 'denial' })).toBe(s.running.cache!.size);
  // Forward: one upstream exchange, NOERROR, with its latency.
  expect(delta('coredns_forward_requests_total', { to: up.key })).toBe(1);
  expect(delta('coredns_forward_responses_total', { to: up.key, rcode: 'NOERROR' })).toBe(1);
  expect(delta('coredns_forward_request_duration_seconds_count', { to: up.key, rcode: 'NOERROR' })).toBe(1);
  // The rest.
  expect(pick(after, 'coredns_build_info')[0]).toMatchObject({ value: 1, labels: { version: expect.stringMatching(/^\d+\.\d+\.\d+/) } });
  expect(total(after, 'coredns_panics_total')).toBe(0);
  const plugins = pick(after, 'coredns_plugin_enabled', { server, zone: '.' }).map((x) => x.labels.name);
  expect(plugins).toEqual(expect.arrayContaining(['kubernetes', 'forward', 'cache', 'health', 'ready', 'prometheus']));
  expect(total(after, 'clusterdns_cluster_objects', { kind: 'services' })).toBe(1);
  expect(total(after, 'clusterdns_cluster_synced')).toBe(1);
  expect(total(after, 'process_resident_memory_bytes')).toBeGreaterThan(10e6);
});

test('upstream failures: counted by reason and logged once through the consolidator, not once per query', async () => {
  const up = await FakeUpstream.start({ mode: 'drop' });
  cleanups.push(() => up.close());
  const { log, lines } = captureLogger();
  const s = await serveWith(up, { upstreamTimeoutMs: 100, cache: { ...testOptions(tempDir()).cache, enabled: false } }, log);
  const port = s.running.ports[0];
  for (let i = 0; i < 4; i++) expect(await udp(port, `x${i}.example.org`, 'A')).toBe('SERVFAIL');
  const p = await scrape(s);
  // 4 queries + the loop probe, each one timed-out attempt on the only upstream.
  expect(total(p, 'clusterdns_forward_failures_total', { to: up.key, reason: 'timeout' })).toBeGreaterThanOrEqual(4);
  expect(total(p, 'coredns_forward_requests_total', { to: up.key })).toBe(total(p, 'clusterdns_forward_failures_total', { to: up.key, reason: 'timeout' }));
  expect(total(p, 'coredns_dns_responses_total', { rcode: 'SERVFAIL', plugin: 'forward' })).toBe(4);
  const attempts = () => lines.filter((l) => l.code === 'CDNS_UPSTREAM_ATTEMPT');
  expect(attempts()).toHaveLength(1);
  expect(attempts()[0]).toMatchObject({ level: 'error', stage: 'upstream', to: up.key, reason: 'timeout' });
  expect(lines.some((l) => l.level === 'warn' && /marked down/.test(l.msg))).toBe(true);
  await s.shutdown();
  // The summary line at close carries the count of the repeats.
  const summary = attempts().find((l) => typeof l.repeated === 'number');
  expect(summary?.repeated).toBeGreaterThanOrEqual(3);
  expect(summary?.msg).toMatch(/repeated \d+ more times/);
});

test('rendered from the view it is given: a primary summing worker snapshots', async () => {
  const a = new QueryStats();
  const b = new QueryStats();
  a.request(0, 0, 1, 40);
  a.response(0, 1, 0, 1, 80, 0.0001);
  b.request(1, 1, 28, 40);
  b.response(1, 28, 3, 0, 120, 0.01);
  const sum = new QueryStats();
  sum.add(a.snapshot());
  sum.add(b.snapshot());
  const fa = new ForwardStats();
  fa.request('192.0.2.1:53', 'udp', 0, 0.002);
  const fsum = new ForwardStats();
  fsum.add(fa.snapshot());
  fsum.add(fa.snapshot());
  const view: MetricsView = { stats: sum, cache: { size: 3, hits: 5, misses: 2, servedStale: 0 }, panics: 1, forward: fsum, cluster: null, plugins: ['kubernetes'] };
  const m = new Metrics({ server: () => 'dns://:53', read: async () => view, processMetrics: false });
  m.observeProgramming('headless_with_selector', 0.3);
  m.kubernetesObserver().programmingLatency(2);
  const p = parseProm(await m.render());
  expect(total(p, 'coredns_dns_requests_total', { server: 'dns://:53', proto: 'udp', family: '1', type: 'A' })).toBe(1);
  expect(total(p, 'coredns_dns_requests_total', { proto: 'tcp', family: '2', type: 'AAAA' })).toBe(1);
  expect(total(p, 'coredns_dns_responses_total', { rcode: 'NXDOMAIN', plugin: 'cache' })).toBe(1);
  expect(total(p, 'coredns_dns_responses_total', { rcode: 'NOERROR', plugin: 'kubernetes' })).toBe(1);
  expect(total(p, 'coredns_dns_request_duration_seconds_bucket', { le: '0.00025' })).toBe(1);
  expect(total(p, 'coredns_dns_request_duration_seconds_bucket', { le: '0.016' })).toBe(2);
  expect(total(p, 'coredns_panics_total')).toBe(1);
  expect(total(p, 'coredns_cache_misses_total')).toBe(2);
  expect(total(p, 'coredns_forward_responses_total', { to: '192.0.2.1:53', rcode: 'NOERROR' })).toBe(2);
  expect(total(p, 'coredns_kubernetes_dns_programming_duration_seconds_count', { service_kind: 'headless_with_selector' })).toBe(2);
  expect(pick(p, 'process_resident_memory_bytes')).toHaveLength(0);
  checkHistograms(p);
});
