// Which settings a reload applies in place and which wait for a restart (ops/reload-plan.ts),
// the logger's level change on reload, and the per-query log switch.
import { DEFAULTS, type Options } from '../../src/config/options';
import { mergeOptions, type OptionsLayer } from '../../src/config/file';
import { planReload, describeRestart } from '../../src/ops/reload-plan';
import { queryLog } from '../../src/ops/query-log';
import { DenialSplit } from '../../src/ops/cache-split';
import { QueryStats } from '../../src/server/stats';
import { captureLogger } from './helpers';

const snapshotRun = mergeOptions(DEFAULTS, { snapshot: '/tmp/s.yaml' });
const apiRun = mergeOptions(DEFAULTS, {});

const rows: [string, Options, OptionsLayer, string[], string[]][] = [
  ['nothing changed', snapshotRun, {}, [], []],
  ['ttl', snapshotRun, { ttl: 7 }, ['ttl'], []],
  ['cache fields are listed one by one', snapshotRun, { cache: { ...DEFAULTS.cache, maxTtl: 60, minTtl: 5 } }, ['cache.minTtl', 'cache.maxTtl'], []],
  ['upstreams, stub domains, policy', snapshotRun, { upstream: [{ host: '192.0.2.1', port: 53 }], stubDomains: [{ domain: 'acme.local', servers: [{ host: '192.0.2.2', port: 53 }] }], upstreamPolicy: 'sequential' }, ['upstream', 'stubDomains', 'upstreamPolicy'], []],
  ['namespaces, reverse zones, zone files, log', snapshotRun, { namespaces: ['a'], reverseZones: ['10.in-addr.arpa'], zoneFiles: ['/z'], logLevel: 'debug', logQueries: true, lameDuckMs: 1 }, ['namespaces', 'reverseZones', 'zoneFiles', 'lameDuckMs', 'logLevel', 'logQueries'], []],
  ['listen and ops addresses need a restart', snapshotRun, { listen: [{ host: '0.0.0.0', port: 5353 }], metrics: null }, [], ['listen', 'metrics']],
  ['sources need a restart', apiRun, { kubeconfig: '/k', serviceSelector: 'a=b', startupTimeoutMs: 1 }, [], ['kubeconfig', 'serviceSelector', 'startupTimeoutMs']],
  ['workers and tcp need a restart', snapshotRun, { workers: snapshotRun.workers + 1, tcp: { idleTimeoutMs: 1, maxConnections: 1 } }, [], ['tcp', 'workers']],
  ['demoHint is ignored', snapshotRun, { demoHint: true }, [], []],
  ['pods mode from a snapshot: in place', snapshotRun, { pods: 'verified' }, ['pods'], []],
  ['pods verified with the API: needs the pods watch, restart', apiRun, { pods: 'verified', ttl: 9 }, ['ttl'], ['pods']],
  ['pods insecure -> disabled with the API: no watch change, in place', apiRun, { pods: 'disabled' }, ['pods'], []],
  ['endpointPodNames with the API: restart', apiRun, { endpointPodNames: true }, [], ['endpointPodNames']],
];

test.each(rows)('%s', (_name, running, layer, changed, restart) => {
  const requested = mergeOptions(running, layer);
  const plan = planReload(running, requested);
  expect(plan.changed.sort()).toEqual([...changed].sort());
  expect(plan.restart.map((r) => r.setting).sort()).toEqual([...restart].sort());
  // Restart settings keep their running values; the rest is what the file asks.
  for (const r of plan.restart) expect(plan.apply[r.setting as keyof Options]).toEqual(running[r.setting as keyof Options]);
  for (const c of plan.changed) if (!c.includes('.')) expect(plan.apply[c as keyof Options]).toEqual(requested[c as keyof Options]);
  expect(plan.apply.demoHint).toBe(running.demoHint);
});

test('the restart line names each setting with both values', () => {
  const plan = planReload(snapshotRun, mergeOptions(snapshotRun, { workers: snapshotRun.workers + 2, listen: [{ host: '0.0.0.0', port: 5353 }] }));
  expect(describeRestart(plan.restart)).toBe(`listen (running [{"host":"0.0.0.0","port":53}], file asks [{"host":"0.0.0.0","port":5353}]); workers (running ${snapshotRun.workers}, file asks ${snapshotRun.workers + 2})`);
});

test('setLevel on reload reaches stage loggers made before it', () => {
  const { log, lines } = captureLogger('info');
  const up = log.stage('upstream');
  expect(log.stage('upstream')).toBe(up); // one child per stage
  up.debug('hidden');
  log.setLevel('debug');
  up.debug('shown');
  log.setLevel('error');
  up.warn('hidden too');
  expect(lines.map((l) => l.msg)).toEqual(['shown']);
  expect(lines[0]).toMatchObject({ level: 'debug', stage: 'upstream' });
});

test('query log: a shared no-op when off, one JSON line per query when on', () => {
  const { log, lines } = captureLogger();
  expect(queryLog(false, log)).toBe(queryLog(false, log));
  // Off: the name is never read (reading it would build a string per query).
  const untouched = { get name(): string { throw new Error('name read with the log off'); }, qtype: 1 };
  queryLog(false, log)(0, untouched, 0);
  expect(lines).toHaveLength(0);
  queryLog(true, log)(1, { name: 'a.example', qtype: 28 }, 3);
  expect(lines).toEqual([expect.objectContaining({ level: 'info', msg: 'query', proto: 'tcp', name: 'a.example.', type: 'AAAA', rcode: 'NXDOMAIN' })]);
});

test('cache success/denial split: follows the NXDOMAIN share of forwarded answers, counters never go down', () => {
  const stats = new QueryStats();
  const split = new DenialSplit();
  const forwarded = (rcode: number, n: number) => {
    for (let i = 0; i < n; i++) stats.response(0, 1, rcode, 3 /* forward */, 100, 0.001);
  };
  forwarded(0, 3);
  forwarded(3, 1); // a quarter of upstream answers are NXDOMAIN
  split.update({ size: 8, hits: 100, misses: 4, servedStale: 0 }, stats);
  expect(split.share).toBe(0.25);
  expect([split.success, split.denial]).toEqual([75, 25]);
  forwarded(3, 4); // this interval: all NXDOMAIN
  split.update({ size: 8, hits: 120, misses: 8, servedStale: 0 }, stats);
  expect([split.success, split.denial]).toEqual([75, 45]);
  split.update({ size: 8, hits: 50, misses: 8, servedStale: 0 }, stats); // a worker restarted: flat, then from there
  expect([split.success, split.denial]).toEqual([75, 45]);
  split.update({ size: 8, hits: 60, misses: 8, servedStale: 0 }, stats);
  expect(split.success + split.denial).toBe(130);
  expect(split.success).toBeGreaterThanOrEqual(75);
  expect(split.denial).toBeGreaterThanOrEqual(45);
  expect(split.update(null, stats)).toBeUndefined();
});
