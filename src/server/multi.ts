// The primary's side of --workers N > 1 (issue 6). It runs what there must be one of per pod:
// the source (one API watch), the operations endpoints (/ready = synced and every worker
// listening; /metrics = the sum of the workers' counters), the config reloader (a good new
// config goes to every worker) and the lame duck on SIGTERM before the workers are stopped.
import type { Options } from '../config/options';
import type { OptionsLayer } from '../config/file';
import type { Logger } from '../ops/log';
import { startEndpoints } from '../ops/endpoints';
import { enabledPlugins, Metrics, type MetricsView } from '../ops/metrics';
import { ConfigReloader } from '../ops/reload';
import { startPrimary, type Primary } from './workers';

export async function runMulti(opts: Options, log: Logger, flags: OptionsLayer): Promise<void> {
  let primary: Primary | null = null;
  let current = opts;
  let lameDuck = false;
  const metrics = new Metrics({
    server: () => `dns://:${opts.listen[0].port}`,
    read: () => (primary ? view(primary, current) : idle()),
    processMetrics: opts.metrics !== null,
  });
  const { servers: ops } = await startEndpoints(opts, metrics, () =>
    lameDuck ? 'shutting down' : primary?.ready() ? null : 'not ready',
  );
  let ports: number[];
  try {
    primary = await startPrimary(opts, log, {
      kubernetesObserver: metrics.kubernetesObserver(),
      reloaded: (source, ok) => metrics.sourceReloaded(source, ok),
    });
    ports = await primary.ports();
  } catch (e) {
    await primary?.stop(0);
    await Promise.all(ops.map((s) => s.close()));
    throw e;
  }
  const p = primary;
  const reloader = opts.config
    ? new ConfigReloader({
        file: opts.config,
        flags,
        current: () => current,
        apply: (plan) => {
          current = plan.apply;
          log.setLevel(plan.apply.logLevel);
          p.reconfigure(plan.apply);
        },
        log,
        onResult: (result, restartPending) => metrics.configReloaded(result, restartPending),
      })
    : null;
  reloader?.start();

  log.info('clusterdns serving', {
    listen: opts.listen.map((a, i) => `${a.host}:${ports[i]}`),
    workers: opts.workers,
    domain: opts.clusterDomain,
    source: opts.snapshot ? `snapshot ${opts.snapshot}` : 'kubernetes API',
  });
  if (opts.demoHint) {
    process.stderr.write(`\nTry:  dig @${opts.listen[0].host} -p ${ports[0]} web.default.svc.${opts.clusterDomain}\n\n`);
  }
  process.on('SIGHUP', () => {
    log.info('SIGHUP: reloading');
    p.reload();
    reloader?.reload();
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    lameDuck = true;
    log.info(`${signal}: lame duck: still answering, /ready is 503`, { ms: current.lameDuckMs });
    await new Promise((r) => setTimeout(r, current.lameDuckMs));
    reloader?.close();
    await p.stop(1000);
    await Promise.all(ops.map((s) => s.close()));
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

async function view(p: Primary, o: Options): Promise<MetricsView> {
  const c = await p.collect();
  const s = p.store;
  return {
    stats: c.stats,
    cache: c.cache,
    panics: c.panics,
    forward: c.forward.upstreams.size > 0 ? c.forward : null,
    cluster: {
      generation: s.generation,
      synced: s.synced,
      objects: { services: s.services.size, endpointsets: s.endpointSets.size, pods: s.pods.size, namespaces: s.namespaces.size },
    },
    plugins: enabledPlugins(o, { forwarder: c.forward.upstreams.size > 0, cache: o.cache.enabled }),
  };
}

async function idle(): Promise<MetricsView> {
  const { QueryStats } = await import('./stats');
  return { stats: new QueryStats(), cache: null, panics: 0, forward: null, cluster: null, plugins: [] };
}
