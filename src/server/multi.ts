// The primary's side of --workers N > 1: the operations endpoints answer for the whole pod
// (ready = synced and every worker listening), and SIGTERM runs the lame duck here before the
// workers are told to stop (SPEC §5).
import type { Options } from '../config/options';
import type { Logger } from '../ops/log';
import { OpsServer, text } from '../ops/http';
import { startPrimary } from './workers';

export async function runMulti(opts: Options, log: Logger): Promise<void> {
  const primary = await startPrimary(opts, log);
  let lameDuck = false;
  const ops: OpsServer[] = [];
  if (opts.health) ops.push(new OpsServer(opts.health, { '/health': (_q, res) => text(res, 200, 'OK') }));
  if (opts.ready) {
    ops.push(new OpsServer(opts.ready, {
      '/ready': (_q, res) => (primary.ready() && !lameDuck ? text(res, 200, 'OK') : text(res, 503, lameDuck ? 'shutting down' : 'not ready')),
    }));
  }
  let ports: number[];
  try {
    ports = await primary.ports();
  } catch (e) {
    await primary.stop(0);
    throw e;
  }
  for (const s of ops) await s.listen();
  log.info('clusterdns serving', {
    listen: opts.listen.map((a, i) => `${a.host}:${ports[i]}`),
    workers: opts.workers,
    domain: opts.clusterDomain,
    source: opts.snapshot ? `snapshot ${opts.snapshot}` : 'kubernetes API',
  });
  if (opts.demoHint) {
    process.stderr.write(`\nTry:  dig @${opts.listen[0].host} -p ${ports[0]} web.default.svc.${opts.clusterDomain}\n\n`);
  }
  process.on('SIGHUP', () => primary.reload());
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    lameDuck = true;
    log.info('lame duck: still answering, /ready is 503', { ms: opts.lameDuckMs });
    await new Promise((r) => setTimeout(r, opts.lameDuckMs));
    await primary.stop(1000);
    await Promise.all(ops.map((s) => s.close()));
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
