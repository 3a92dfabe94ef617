// Servers started from a hand-built ServerPlan (config/plan.ts), as a Corefile compiles to:
// the real server (app.ts startServer) on 127.0.0.1, a snapshot source, no ops endpoints.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import dgram from 'node:dgram';
import { DEFAULTS, type Options } from '../../src/config/options';
import { mergeOptions, type OptionsLayer } from '../../src/config/file';
import type { BlockPlan, ServerPlan } from '../../src/config/plan';
import { planFromOptions } from '../../src/config/plan-from-options';
import { emptyBlock } from '../../src/config/plan';
import { startServer, type Running } from '../../src/app';
import { silentLogger, type Logger } from '../../src/ops/log';
import { snapshotDir } from './server';

export const LOCAL = { host: '127.0.0.1', port: 0 };

export function optionsFor(dir: string, layer: OptionsLayer = {}): Options {
  return mergeOptions(DEFAULTS, {
    listen: [LOCAL],
    snapshot: path.join(dir, 'snapshot.yaml'),
    health: null,
    ready: null,
    metrics: null,
    upstream: [],
    ...layer,
  });
}

/** A block of `zones` on `listen` with the given plugins; everything else off. */
export function block(zones: string[], parts: Partial<BlockPlan> = {}, listen = [LOCAL]): BlockPlan {
  return { ...emptyBlock('test', zones, listen), ...parts };
}

/** The kubernetes plan the flags build for `layer` (cluster.local, catch-all reverse). */
export function kubernetesOf(opts: Options): NonNullable<BlockPlan['kubernetes']> {
  return planFromOptions(opts).blocks[0].kubernetes!;
}

export function forwardTo(hostPort: { host: string; port: number }, extra: Partial<NonNullable<BlockPlan['forward']>> = {}): NonNullable<BlockPlan['forward']> {
  return { ...planFromOptions({ ...DEFAULTS, upstream: [hostPort] }).blocks[0].forward!, to: [hostPort], timeoutMs: 500, ...extra };
}

export interface PlanServer {
  running: Running;
  opts: Options;
  dir: string;
  close(): Promise<void>;
}

export async function startPlanServer(yaml: string, plan: (opts: Options) => ServerPlan, layer: OptionsLayer = {}, log: Logger = silentLogger): Promise<PlanServer> {
  const dir = snapshotDir(yaml);
  const opts = optionsFor(dir, layer);
  const running = await startServer(opts, log, { onLoop: () => undefined }, plan(opts));
  return {
    running,
    opts,
    dir,
    async close() {
      await running.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A port free for both UDP and TCP on 127.0.0.1 right now (for a block on a fixed second port). */
export async function freeDnsPort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const ok = await new Promise<boolean>((resolve) => {
      const u = dgram.createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free port for UDP and TCP');
}
