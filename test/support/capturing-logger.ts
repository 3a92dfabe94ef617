// A Logger (src/ops/log.ts) for tests that assert on log lines: it keeps every line, debug
// included, with its stage prefix (STYLE rule 2), fields and time, shared by all its stages.
import { performance } from 'node:perf_hooks';
import type { Level, Logger } from '../../src/ops/log';

export interface LogLine {
  level: Level;
  /** The stage prefix (STYLE rule 2): `sources`, `server`, ...; '' for the root logger. */
  stage: string;
  msg: string;
  fields: Record<string, unknown>;
  /** performance.now() when it was logged. */
  at: number;
}

/** A Logger (src/ops/log.ts) that keeps every line, debug included, shared by its stages. */
export class CapturingLogger implements Logger {
  constructor(
    readonly lines: LogLine[] = [],
    private readonly stageName = '',
  ) {}
  debug(msg: string, fields?: object): void {
    this.push('debug', msg, fields);
  }
  info(msg: string, fields?: object): void {
    this.push('info', msg, fields);
  }
  warn(msg: string, fields?: object): void {
    this.push('warn', msg, fields);
  }
  error(msg: string, fields?: object): void {
    this.push('error', msg, fields);
  }
  stage(name: string): Logger {
    return new CapturingLogger(this.lines, name);
  }
  setLevel(): void {}
  /** Lines whose message matches; with `level`, only that level. */
  matching(re: RegExp, level?: Level): LogLine[] {
    return this.lines.filter((l) => re.test(l.msg) && (level === undefined || l.level === level));
  }
  /** Lines carrying this error code. */
  withCode(code: string): LogLine[] {
    return this.lines.filter((l) => l.fields.code === code);
  }
  /** Every line at warn or error, for failure messages. */
  problems(): string {
    return this.lines.filter((l) => l.level === 'warn' || l.level === 'error').map((l) => `${l.level} ${l.stage}: ${l.msg}`).join('\n');
  }
  private push(level: Level, msg: string, fields?: object): void {
    this.lines.push({ level, stage: this.stageName, msg, fields: { ...(fields as Record<string, unknown>) }, at: performance.now() });
  }
}
