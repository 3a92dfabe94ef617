// What a directive setup may touch: the block being built, the block's zones (the default
// ZONES of most plugins), the process-wide settings some directives imply (health, ready,
// prometheus, reload, the kubernetes API connection), and the warnings list.
import path from 'node:path';
import type { HostPort } from '../config/options';
import type { BlockPlan } from '../config/plan';
import type { Line } from './args';
import type { ProcessSettings } from './process';

export interface BlockContext {
  plan: BlockPlan;
  /** Every zone of the block's keys (all ports), as CoreDNS's ServerBlockKeys. */
  zones: string[];
  /** `bind` addresses gathered so far. */
  binds: HostPort[];
  process: ProcessSettings;
  warnings: string[];
  /** Files read while compiling (a resolv.conf named beside addresses), for reload watching. */
  files: string[];
}

export type Setup = (line: Line, ctx: BlockContext) => void;

export interface DirectiveSpec {
  setup: Setup;
  /** CoreDNS allows the directive more than once per block (template, rewrite, bind, log). */
  repeat?: boolean;
}

/** `file:line` of a line, the origin every config carries. */
export function origin(line: Line): string {
  return `${line.d.name.file}:${line.d.name.line}`;
}

/** A path argument, resolved against the folder of the file that holds it. */
export function filePath(line: Line, text: string): string {
  return path.resolve(path.dirname(line.d.name.file), text);
}

export function warn(ctx: BlockContext, line: Line, text: string): void {
  ctx.warnings.push(`${origin(line)}: ${line.path}: ${text}`);
}
