// The defaults `clusterdns serve --help` prints, read from DEFAULTS (config/options.ts) so that
// help, README and code cannot disagree again (issue 10 item 6: help said --workers defaults to
// 1 while the server used the usable CPUs). cli.ts declares its flags without default text and
// calls withDefaults(); test/config/help-defaults.test.ts checks help and README against this.
import type { Command } from 'commander';
import { DEFAULTS, type HostPort, type Options } from './options';

const hostPort = (h: HostPort | null): string => (h === null ? 'off' : `${h.host === '0.0.0.0' ? '' : h.host}:${h.port}`);

/** commander attribute name -> the default as help shows it. */
export const DEFAULT_TEXT: Readonly<Record<string, (d: Options) => string>> = {
  listen: (d) => d.listen.map((l) => `${l.host}:${l.port}`).join(','),
  clusterDomain: (d) => d.clusterDomain,
  ttl: (d) => String(d.ttl),
  pods: (d) => d.pods,
  resolvConf: (d) => d.resolvConf,
  upstreamPolicy: (d) => d.upstreamPolicy,
  upstreamTimeout: (d) => String(d.upstreamTimeoutMs),
  maxConcurrentForwards: (d) => String(d.maxConcurrentForwards),
  cacheSize: (d) => String(d.cache.maxEntries),
  serveStale: (d) => (d.cache.serveStaleSeconds === 0 ? '0: off' : String(d.cache.serveStaleSeconds)),
  health: (d) => hostPort(d.health),
  ready: (d) => hostPort(d.ready),
  metrics: (d) => hostPort(d.metrics),
  startupTimeout: (d) => String(d.startupTimeoutMs),
  lameDuck: (d) => String(d.lameDuckMs),
  // config/cpus.ts: the cgroup quota in a pod, else the OS's count (help adds this machine's).
  workers: () => 'the usable CPUs',
  logLevel: (d) => d.logLevel,
  autopathNamespaces: (d) => d.autopathNamespaces?.join(',') ?? 'all',
};

/** What help adds for defaults that depend on the machine it runs on. */
const HERE: Readonly<Record<string, (d: Options) => string>> = {
  workers: (d) => `${d.workers} here`,
};

/** The default of a flag as the README says it, or undefined for flags without one. */
export function defaultText(attribute: string, d: Options = DEFAULTS): string | undefined {
  return DEFAULT_TEXT[attribute]?.(d);
}

/** The default of a flag as help prints it (with this machine's value where it varies). */
export function helpDefaultText(attribute: string, d: Options = DEFAULTS): string | undefined {
  const text = defaultText(attribute, d);
  const here = HERE[attribute]?.(d);
  return text === undefined || here === undefined ? text : `${text}; ${here}`;
}

/** Appends `(default X)` to the description of every option of `cmd` that has a default. */
export function withDefaults(cmd: Command, d: Options = DEFAULTS): Command {
  for (const o of cmd.options) {
    const text = helpDefaultText(o.attributeName(), d);
    if (text !== undefined) o.description = `${o.description} (default ${text})`;
  }
  return cmd;
}
