// Structured logs (issue 5): JSON lines through pino, one logger per stage prefix
// (`upstream:`, `sources:`, ... STYLE rule 2), and consolidation so a flood of one failure is
// one line per interval with a count, not thousands (like CoreDNS's errors plugin).
import pino from 'pino';

export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string, fields?: object): void;
  info(msg: string, fields?: object): void;
  warn(msg: string, fields?: object): void;
  error(msg: string, fields?: object): void;
  /** A logger whose lines carry `stage: <name>` (the folder name). */
  stage(name: string): Logger;
  /**
   * Config reload: changes the level of this logger and of every stage logger made from it
   * (pino children read the level through their prototype until one sets its own).
   */
  setLevel(level: Level): void;
}

export function createLogger(level: Level, destination: pino.DestinationStream | number = 1): Logger {
  const dest = typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination;
  const root = pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } }, dest);
  return wrap(root, root);
}

function wrap(p: pino.Logger, root: pino.Logger): Logger {
  // One child per stage name: stage() may be called again on every reload, and each pino
  // child costs its serialised bindings.
  const stages = new Map<string, Logger>();
  return {
    debug: (msg, f) => p.debug(f ?? {}, msg),
    info: (msg, f) => p.info(f ?? {}, msg),
    warn: (msg, f) => p.warn(f ?? {}, msg),
    error: (msg, f) => p.error(f ?? {}, msg),
    stage(name) {
      let s = stages.get(name);
      if (s === undefined) stages.set(name, (s = wrap(p.child({ stage: name }), root)));
      return s;
    },
    setLevel(level) {
      root.level = level;
    },
  };
}

/** A logger that drops everything (tests, and `--log-level` above a call's level). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  stage: () => silentLogger,
  setLevel() {},
};

/**
 * Consolidates repeats: the first occurrence of a key is logged at once, later ones within
 * `intervalMs` are counted and summarised in one line when the interval ends.
 */
export class Consolidator {
  private readonly counts = new Map<string, { n: number; msg: string; fields?: object }>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly log: Logger,
    intervalMs = 10_000,
  ) {
    this.timer = setInterval(() => this.flush(), intervalMs);
    this.timer.unref();
  }

  error(key: string, msg: string, fields?: object): void {
    const c = this.counts.get(key);
    if (c) {
      c.n++;
      return;
    }
    this.counts.set(key, { n: 0, msg, fields });
    this.log.error(msg, fields);
  }

  flush(): void {
    for (const [key, c] of this.counts) {
      if (c.n > 0) this.log.error(`${c.msg} (repeated ${c.n} more times)`, { ...c.fields, repeated: c.n });
      this.counts.delete(key);
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
