// The three operations endpoints of SPEC §5 (ops/serve.ts): what "ready" means is the caller's.
import { performance } from 'node:perf_hooks';
import type { Options } from '../config/options';
import { startOps, text, type OpsServer } from './http';
import type { Metrics } from './metrics';

/** Why /ready says 503, or null when it says 200. */
export type NotReady = () => string | null;

export async function startEndpoints(
  opts: Pick<Options, 'health' | 'ready' | 'metrics'>,
  /** Null when /metrics is off (ops/serve.ts). */
  metrics: Metrics | null,
  notReady: NotReady,
): Promise<{ servers: OpsServer[]; ports: { health: number; ready: number; metrics: number } }> {
  const { servers, ports } = await startOps([
    {
      addr: opts.health,
      path: '/health',
      route: (_q, res) => {
        const t = performance.now();
        text(res, 200, 'OK');
        metrics?.observeHealth((performance.now() - t) / 1000);
      },
    },
    {
      addr: opts.ready,
      path: '/ready',
      route: (_q, res) => {
        const why = notReady();
        text(res, why === null ? 200 : 503, why ?? 'OK');
      },
    },
    {
      addr: opts.metrics,
      path: '/metrics',
      route: async (_q, res) => {
        const m = metrics!; // opts.metrics is set, so serve.ts built one
        const body = await m.render();
        res.writeHead(200, { 'content-type': m.contentType }).end(body);
      },
    },
  ]);
  return { servers, ports: { health: ports['/health'] ?? 0, ready: ports['/ready'] ?? 0, metrics: ports['/metrics'] ?? 0 } };
}
