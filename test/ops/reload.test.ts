// Config reload under load (issue 5, item 4): a good file is applied without losing a query,
// a bad one is refused with code, file, field and value while the running config keeps
// serving; settings that need a restart are reported and left alone. The config directory is
// laid out as kubelet mounts a ConfigMap (..data symlink swapped atomically).
import { DEFAULTS } from '../../src/config/options';
import fs from 'node:fs';
import path from 'node:path';
import { resolveOptions, type OptionsLayer } from '../../src/config/file';
import { startServing, type Serving } from '../../src/ops/serve';
import { FakeUpstream } from '../support/fake-upstream';
import { captureLogger, get, parseProm, queryLoop, tempDir, total, waitFor, SNAPSHOT, type LogLine, type Sent } from './helpers';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A ConfigMap volume: `config.yaml -> ..data/config.yaml`, `..data -> ..<version>`. */
class ConfigMapDir {
  private version = 0;
  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }
  get file(): string {
    return path.join(this.dir, 'config.yaml');
  }
  /** kubelet's atomic update: new version dir, new symlink, rename over ..data, old dir removed. */
  write(text: string): void {
    const old = this.version;
    const v = `..2026_11_21_00_00_0${++this.version}`;
    fs.mkdirSync(path.join(this.dir, v));
    fs.writeFileSync(path.join(this.dir, v, 'config.yaml'), text);
    fs.symlinkSync(v, path.join(this.dir, '..data_tmp'));
    fs.renameSync(path.join(this.dir, '..data_tmp'), path.join(this.dir, '..data'));
    if (old === 0) fs.symlinkSync('..data/config.yaml', this.file);
    else fs.rmSync(path.join(this.dir, `..2026_11_21_00_00_0${old}`), { recursive: true });
  }
}

async function serve(configText: string, extraFlags: OptionsLayer = {}): Promise<{ s: Serving; cm: ConfigMapDir; lines: LogLine[]; flags: OptionsLayer }> {
  const dir = tempDir();
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'snapshot.yaml'), SNAPSHOT);
  const cm = new ConfigMapDir(path.join(dir, 'config'));
  cm.write(configText);
  // The command-line layer: what cli.ts gets from flagsToOptions; it stays on top of the file.
  const flags: OptionsLayer = {
    listen: [{ host: '127.0.0.1', port: 0 }],
    snapshot: path.join(dir, 'snapshot.yaml'),
    health: null,
    ready: null,
    metrics: { host: '127.0.0.1', port: 0 },
    config: cm.file,
    lameDuckMs: 0,
    ...extraFlags,
  };
  const { log, lines } = captureLogger();
  const s = await startServing(resolveOptions(flags), log, { flags, reloadDebounceMs: 50, processMetrics: false });
  cleanups.push(() => s.shutdown());
  return { s, cm, lines, flags };
}

const ttlOf = (q: Sent) => (q.reply?.answers?.[0] as { ttl?: number } | undefined)?.ttl;
const reloads = (lines: LogLine[]) => lines.filter((l) => l.stage === 'config');

test('good, bad, good config under 2,000 queries: none lost, ttl 30 -> 7 -> (refused 7200) -> 9', async () => {
  const up = await FakeUpstream.start();
  cleanups.push(() => up.close());
  const { s, cm, lines } = await serve(`ttl: 30\nupstream: ["${up.key}"]\n`);
  const port = s.running.ports[0];
  const waitReload = async (n: number) => waitFor(() => reloads(lines).length >= n, 3000, `config reload #${n}`);

  const sent = await queryLoop({
    port,
    name: 'web.default.svc.cluster.local',
    count: 2000,
    intervalMs: 1,
    waitMs: 2000,
    onEach: async (i) => {
      if (i === 400) {
        cm.write(`ttl: 7\nupstream: ["${up.key}"]\n`);
        await waitReload(1);
      } else if (i === 900) {
        cm.write(`ttl: 7200\nupstream: ["${up.key}"]\n`);
        await waitReload(2);
      } else if (i === 1400) {
        cm.write(`# the same upstream, a new ttl\nupstream: ["${up.key}"]\nttl: 9\n`);
        await waitReload(3);
      }
    },
  });

  expect(sent).toHaveLength(2000);
  const lost = sent.filter((q) => q.reply === null);
  expect(lost.map((q) => q.id)).toEqual([]);
  expect(sent.every((q) => q.reply!.answers?.[0]?.type === 'A' && (q.reply as { rcode?: string }).rcode === 'NOERROR')).toBe(true);
  // TTLs only move forward through the applied configs: 30, then 7, then 9.
  const ttls = sent.map(ttlOf);
  expect(ttls[0]).toBe(30);
  expect(ttls.slice(0, 400).every((t) => t === 30)).toBe(true);
  expect(ttls.slice(400, 1400).every((t) => t === 7)).toBe(true); // through the refused 7200
  expect(ttls.slice(1400).every((t) => t === 9)).toBe(true);
  expect(s.running.opts.ttl).toBe(9);

  const [applied1, refused, applied2] = reloads(lines);
  expect(applied1).toMatchObject({ level: 'info', changed: ['ttl'] });
  expect(refused).toMatchObject({ level: 'error', code: 'CDNS_CONFIG_RANGE', file: cm.file, line: 1, field: 'ttl' });
  expect(refused.msg).toContain(`${cm.file}:1: ttl: expected an integer 0-3600, got 7200`);
  expect(refused.msg).toMatch(/still running the previous config/);
  expect(applied2).toMatchObject({ level: 'info', changed: ['ttl'] });

  const p = parseProm((await get(s.opsPorts.metrics, '/metrics')).body);
  expect(total(p, 'clusterdns_config_reloads_total', { result: 'applied' })).toBe(2);
  expect(total(p, 'clusterdns_config_reloads_total', { result: 'rejected' })).toBe(1);
});

test('upstreams switch under forwarded load: in-flight queries finish on the old forwarder, none lost', async () => {
  const up1 = await FakeUpstream.start({ answerIp: '192.0.2.1', mode: 'delay', delayMs: 20 });
  cleanups.push(() => up1.close());
  const up2 = await FakeUpstream.start({ answerIp: '192.0.2.2' });
  cleanups.push(() => up2.close());
  const conf = (up: FakeUpstream) => `upstream: ["${up.key}"]\ncache: { enabled: false }\n`;
  const { s, cm, lines } = await serve(conf(up1));
  const sent = await queryLoop({
    port: s.running.ports[0],
    name: 'example.org',
    count: 300,
    intervalMs: 2,
    waitMs: 3000,
    onEach: async (i) => {
      if (i === 150) {
        cm.write(conf(up2));
        await waitFor(() => reloads(lines).length >= 1, 3000, 'the reload');
      }
    },
  });
  expect(sent.filter((q) => q.reply === null).map((q) => q.id)).toEqual([]);
  const ips = sent.map((q) => (q.reply!.answers?.[0] as { data?: string } | undefined)?.data);
  expect(ips.every((ip) => ip === '192.0.2.1' || ip === '192.0.2.2')).toBe(true);
  expect(ips.slice(0, 150).every((ip) => ip === '192.0.2.1')).toBe(true);
  expect(ips.slice(150).every((ip) => ip === '192.0.2.2')).toBe(true);
  expect(reloads(lines)[0]).toMatchObject({ changed: ['upstream'] });
  // Identical questions in flight share one upstream exchange, so fewer than 150 may reach up2.
  expect(up2.received.filter((r) => r.name === 'example.org').length).toBeGreaterThan(0);
});

test('restart-only settings are reported and not applied; the rest is; SIGHUP re-reads', async () => {
  const up = await FakeUpstream.start();
  cleanups.push(() => up.close());
  const { s, cm, lines } = await serve(`upstream: ["${up.key}"]\n`);
  const before = s.running.opts;
  cm.write(`upstream: ["${up.key}"]\nworkers: ${DEFAULTS.workers + 1}\ntcp: { idleTimeoutMs: 3000 }\nlogQueries: true\nttl: 5\n`);
  await waitFor(() => reloads(lines).length >= 2, 3000, 'the reload and its warning');
  const [applied, warning] = reloads(lines);
  expect(applied).toMatchObject({ level: 'info', changed: ['ttl', 'logQueries'] });
  expect(warning).toMatchObject({ level: 'warn', code: 'CDNS_OPS_RESTART_REQUIRED', file: cm.file, settings: ['tcp', 'workers'].sort() });
  expect(warning.msg).toMatch(/NOT applied until restart: /);
  expect(warning.msg).toContain(`workers (running ${DEFAULTS.workers}, file asks ${DEFAULTS.workers + 1})`);
  expect(s.running.opts.workers).toBe(before.workers);
  expect(s.running.opts.tcp).toEqual(before.tcp);
  expect(s.running.opts.ttl).toBe(5);
  // logQueries took effect: the handler logs each query now.
  const [q] = await queryLoop({ port: s.running.ports[0], name: 'web.default.svc.cluster.local', count: 1, intervalMs: 0 });
  expect(ttlOf(q)).toBe(5);
  expect(lines.find((l) => l.msg === 'query')).toMatchObject({ stage: 'server', proto: 'udp', name: 'web.default.svc.cluster.local.', type: 'A', rcode: 'NOERROR' });

  // SIGHUP with the same file: nothing changes, the restart warning is repeated.
  const out = s.reload();
  expect(out).toMatchObject({ result: 'unchanged', changed: [], restart: ['tcp', 'workers'].sort() });
  const p = parseProm((await get(s.opsPorts.metrics, '/metrics')).body);
  expect(total(p, 'clusterdns_config_restart_pending')).toBe(1);
  expect(total(p, 'clusterdns_config_reloads_total', { result: 'applied' })).toBe(1);
  expect(total(p, 'clusterdns_config_reloads_total', { result: 'unchanged' })).toBe(1);
});

test('a deleted config file is refused with CDNS_CONFIG_READ; flags stay on top of the file', async () => {
  const up = await FakeUpstream.start();
  cleanups.push(() => up.close());
  const { s, cm, lines } = await serve(`upstream: ["${up.key}"]\nttl: 12\n`, { ttl: 3 });
  expect(s.running.opts.ttl).toBe(3); // the flag wins
  cm.write(`upstream: ["${up.key}"]\nttl: 20\npods: disabled\n`);
  await waitFor(() => reloads(lines).length >= 1, 3000, 'the reload');
  expect(reloads(lines)[0]).toMatchObject({ changed: ['pods'] });
  expect(s.running.opts.ttl).toBe(3);
  fs.rmSync(cm.file);
  const out = s.reload();
  expect(out).toMatchObject({ result: 'rejected', error: { code: 'CDNS_CONFIG_READ' } });
  expect(reloads(lines)[1]).toMatchObject({ level: 'error', code: 'CDNS_CONFIG_READ', file: cm.file });
  expect(reloads(lines)[1].msg).toContain('ENOENT');
  expect(s.running.opts.pods).toBe('disabled');
});

test('zone files: a watched reload is counted; the config file swaps one zone file for another', async () => {
  const up = await FakeUpstream.start({ answerIp: '192.0.2.99' });
  cleanups.push(() => up.close());
  const zdir = tempDir();
  cleanups.push(() => fs.rmSync(zdir, { recursive: true, force: true }));
  const zone = (origin: string, ip: string) => `$ORIGIN ${origin}.\n$TTL 300\n@ IN SOA ns.${origin}. h.${origin}. 1 7200 1800 86400 60\n@ IN NS ns\nns IN A 192.0.2.53\nwww IN A ${ip}\n`;
  const a = path.join(zdir, 'a.zone');
  const b = path.join(zdir, 'b.zone');
  fs.writeFileSync(a, zone('a.test', '192.0.2.10'));
  fs.writeFileSync(b, zone('b.test', '192.0.2.20'));
  const { s, cm, lines } = await serve(`upstream: ["${up.key}"]\nzoneFiles: ["${a}"]\ncache: { enabled: false }\n`);
  const ask = async (name: string) => {
    const [q] = await queryLoop({ port: s.running.ports[0], name, count: 1, intervalMs: 0 });
    return (q.reply?.answers?.[0] as { data?: string } | undefined)?.data;
  };
  expect(await ask('www.a.test')).toBe('192.0.2.10');
  fs.writeFileSync(a, zone('a.test', '192.0.2.11'));
  await waitFor(() => lines.some((l) => l.stage === 'zonefile' && l.msg === 'zone files reloaded'), 3000, 'the zone reload');
  expect(await ask('www.a.test')).toBe('192.0.2.11');
  cm.write(`upstream: ["${up.key}"]\nzoneFiles: ["${b}"]\ncache: { enabled: false }\n`);
  await waitFor(() => reloads(lines).length >= 1, 3000, 'the config reload');
  expect(reloads(lines)[0]).toMatchObject({ changed: ['zoneFiles'] });
  expect(await ask('www.b.test')).toBe('192.0.2.20');
  expect(await ask('www.a.test')).toBe('192.0.2.99'); // no longer ours: forwarded
  const p = parseProm((await get(s.opsPorts.metrics, '/metrics')).body);
  expect(total(p, 'clusterdns_source_reloads_total', { source: 'zonefile', result: 'applied' })).toBe(1);
  expect(total(p, 'coredns_plugin_enabled', { name: 'file' })).toBe(1);
});
