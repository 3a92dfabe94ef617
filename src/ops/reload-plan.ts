// Which settings a config reload can change in a running process (issue 5, item 4).
//
// Hot: everything the resolver chain reads (app.ts reconfigure builds a new chain on the same
// store and sockets and swaps it in), plus the log level and the lame-duck length, which ops/
// reads when it needs them. Restart: what is bound or started once -- sockets, the source,
// the ops endpoints, the worker processes. A reload never half-applies a setting: a restart
// setting keeps its running value, and the plan lists it so the operator is told.
import type { Options } from '../config/options';
import { show } from '../config/errors';

/** Settings read once at start-up; a changed value is reported and not applied. */
const RESTART: ReadonlySet<string> = new Set([
  'listen',
  'snapshot',
  'kubeconfig',
  'context',
  'serviceSelector',
  'namespaceSelector',
  'startupTimeoutMs',
  'health',
  'ready',
  'metrics',
  'workers',
  'tcp',
  'config',
]);

/** Start-up conveniences with no effect later: ignored by a reload. */
const IGNORED: ReadonlySet<string> = new Set(['demoHint']);

export interface RestartSetting {
  setting: string;
  running: unknown;
  requested: unknown;
}

export interface ReloadPlan {
  /** The options to run with: the requested ones, except restart settings keep their running value. */
  apply: Options;
  /** Settings that change in place (`cache.maxTtl` for nested ones). */
  changed: string[];
  /** Settings the file changes that only a restart applies. */
  restart: RestartSetting[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The pods watch is started with the source (sources/start.ts): its need must not change. */
const watchesPods = (o: Options) => o.pods === 'verified' || o.endpointPodNames;

export function planReload(running: Options, requested: Options): ReloadPlan {
  const apply = { ...requested, cache: { ...requested.cache }, tcp: { ...requested.tcp } } as Options;
  const target = apply as unknown as Record<string, unknown>;
  const changed: string[] = [];
  const restart: RestartSetting[] = [];
  const keepRunning = (key: keyof Options) => {
    restart.push({ setting: key, running: running[key], requested: requested[key] });
    target[key] = running[key];
  };

  for (const key of Object.keys(requested) as (keyof Options)[]) {
    if (same(running[key], requested[key])) continue;
    if (IGNORED.has(key)) {
      target[key] = running[key];
    } else if (RESTART.has(key)) {
      keepRunning(key);
    } else if (key === 'cache') {
      for (const k of Object.keys(requested.cache) as (keyof Options['cache'])[]) {
        if (!same(running.cache[k], requested.cache[k])) changed.push(`cache.${k}`);
      }
    } else {
      changed.push(key);
    }
  }

  // With the API as source, pods are watched only when a mode needs them: turning that need
  // on or off takes a new source, so both pod settings keep their running values.
  if (running.snapshot === null && watchesPods(running) !== watchesPods(apply)) {
    for (const key of ['pods', 'endpointPodNames'] as const) {
      const i = changed.indexOf(key);
      if (i < 0) continue;
      changed.splice(i, 1);
      keepRunning(key);
    }
  }
  return { apply, changed, restart };
}

/** `listen: running ["0.0.0.0:53"], file asks ["0.0.0.0:5353"]` for the log line. */
export function describeRestart(r: RestartSetting[]): string {
  return r.map((x) => `${x.setting} (running ${show(x.running)}, file asks ${show(x.requested)})`).join('; ');
}
