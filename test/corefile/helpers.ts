// Compiles Corefile text written into a temp dir (with extra files beside it), and shows
// errors and warnings with the temp dir replaced by DIR so tests can compare exact lines.
import fs from 'node:fs';
import { loadCorefile, type LoadedCorefile } from '../../src/corefile/compile';
import type { Env } from '../../src/corefile/env';
import { writeTree } from './stage';

export interface Compiled extends LoadedCorefile {
  dir: string;
}

export function compile(text: string, files: Record<string, string> = {}, env: Env = {}): Compiled {
  const dir = writeTree({ Corefile: text, ...files });
  try {
    const out = loadCorefile(`${dir}/Corefile`, env);
    return { ...out, dir, warnings: out.warnings.map((w) => w.replaceAll(dir, 'DIR')) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The error message of compiling `text`, DIR for the temp dir; throws if it compiles. */
export function compileError(text: string, files: Record<string, string> = {}, env: Env = {}): string {
  const dir = writeTree({ Corefile: text, ...files });
  try {
    loadCorefile(`${dir}/Corefile`, env);
  } catch (e) {
    return (e as Error).message.replaceAll(dir, 'DIR');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  throw new Error(`expected an error from:\n${text}`);
}

/** The first block's plan. */
export function block(text: string, files: Record<string, string> = {}, env: Env = {}) {
  return compile(text, files, env).plan.blocks[0];
}
