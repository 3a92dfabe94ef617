// The process lifecycle around the server: operations endpoints, signals (SIGTERM lame duck,
// SIGHUP reload), and the start-up hint. cli.ts calls runServe once options are valid.
import type { Options } from '../config/options';
import { startServer, type Running } from '../app';
import type { Logger } from './log';
import { OpsServer, text } from './http';

export interface Serving {
  running: Running;
  ops: OpsServer[];
  /** Ports the ops servers bound: health, ready, metrics (0 when off). */
  opsPorts: { health: number; ready: number; metrics: number };
  /** Begin the lame duck: /ready 503, keep answering for lameDuckMs, then close. */
  shutdown(): Promise<void>;
}

export async function startServing(opts: Options, log: Logger): Promise<Serving> {
  const running = await startServer(opts, log);
  let lameDuck = false;
  const ops: OpsServer[] = [];
  const opsPorts = { health: 0, ready: 0, metrics: 0 };
  const start = async (addr: Options['health'], key: keyof typeof opsPorts, routes: ConstructorParameters<typeof OpsServer>[1]) => {
    if (!addr) return;
    const s = new OpsServer(addr, routes);
    opsPorts[key] = await s.listen();
    ops.push(s);
  };
  try {
    await start(opts.health, 'health', { '/health': (_q, res) => text(res, 200, 'OK') });
    await start(opts.ready, 'ready', {
      '/ready': (_q, res) => (running.synced() && !lameDuck ? text(res, 200, 'OK') : text(res, 503, lameDuck ? 'shutting down' : 'not synced')),
    });
  } catch (e) {
    await Promise.all(ops.map((s) => s.close()));
    await running.close();
    throw e;
  }
  let closing: Promise<void> | null = null;
  return {
    running,
    ops,
    opsPorts,
    shutdown() {
      if (closing) return closing;
      lameDuck = true;
      closing = (async () => {
        log.info('lame duck: still answering, /ready is 503', { ms: opts.lameDuckMs });
        await new Promise((r) => setTimeout(r, opts.lameDuckMs));
        await running.close(1000);
        await Promise.all(ops.map((s) => s.close()));
      })();
      return closing;
    },
  };
}

export async function runServe(opts: Options, log: Logger, _flags: Record<string, unknown>): Promise<void> {
  const s = await startServing(opts, log);
  const addrs = opts.listen.map((a, i) => `${a.host}:${s.running.ports[i]}`);
  log.info('clusterdns serving', { listen: addrs, domain: opts.clusterDomain, source: opts.snapshot ? `snapshot ${opts.snapshot}` : 'kubernetes API' });
  if (opts.demoHint) {
    const a = opts.listen[0];
    process.stderr.write(`\nTry:  dig @${a.host} -p ${s.running.ports[0]} web.default.svc.${opts.clusterDomain}\n\n`);
  }
  process.on('SIGHUP', () => {
    log.info('SIGHUP: reloading');
    s.running.reload();
  });
  const stop = () => {
    s.shutdown().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
