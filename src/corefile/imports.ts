// `import PATTERN` (coredns-import(7)): the tokens of a snippet, a file, or every file a glob
// matches take the place of the import line, as if written there. Paths are relative to the
// folder of the file that holds the `import` (Caddy v1 does the same, so an imported file's own
// imports resolve next to it). A named file that is missing is an error; a glob that matches
// nothing is only a warning (k3s imports /etc/coredns/custom/*.server, usually empty). An import
// that leads back to a file or snippet it came from is an error instead of a hang.
import fs from 'node:fs';
import path from 'node:path';
import { CorefileError, quote } from './errors';
import type { Env } from './env';
import { glob, hasMagic } from './glob';
import { lex, type Token } from './lexer';

export interface ImportContext {
  env: Env;
  /** Snippets defined so far: name without parentheses -> body tokens. */
  snippets: Map<string, Token[]>;
  /** Every file read, in order (the Corefile first). */
  files: string[];
  warnings: string[];
}

/** Reads and lexes one file (the Corefile itself, or an import). */
export function readTokens(file: string, ctx: ImportContext, place?: Token): Token[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? String(e);
    if (place === undefined) throw new CorefileError('CDNS_COREFILE_READ', `cannot read the Corefile (${why})`, { file, line: 0 });
    throw new CorefileError('CDNS_COREFILE_READ', `cannot read ${file} (${why})`, { file: place.file, line: place.line, directive: 'import' });
  }
  if (!ctx.files.includes(file)) ctx.files.push(file);
  return lex(text, file, ctx.env);
}

/** The tokens that replace `import ARG`, each marked with the import chain that produced it. */
export function importTokens(imp: Token, arg: Token, ctx: ImportContext): Token[] {
  const chain = [...(imp.via ?? []), imp.file];
  const place = { file: imp.file, line: imp.line, directive: 'import' };
  const snippet = ctx.snippets.get(arg.text);
  if (snippet !== undefined) {
    const mark = `(${arg.text})`;
    if (chain.includes(mark)) throw new CorefileError('CDNS_COREFILE_IMPORT', `snippet ${mark} imports itself (${cycle(chain, mark)})`, place);
    const via = [...chain, mark];
    return snippet.map((t) => ({ ...t, via }));
  }
  if (arg.text === '') throw new CorefileError('CDNS_COREFILE_IMPORT', 'expected a file, glob or snippet name, got ""', place);
  const pattern = path.resolve(path.dirname(imp.file), arg.text);
  let files: string[];
  if (hasMagic(arg.text)) {
    files = glob(pattern);
    if (files.length === 0) ctx.warnings.push(`${imp.file}:${imp.line}: import: no files match ${quote(arg.text)} (${pattern}); nothing imported`);
  } else {
    if (!fs.existsSync(pattern)) {
      const hint = /^[\w-]+$/.test(arg.text) ? ` and no snippet (${arg.text}) is defined before this line` : '';
      throw new CorefileError('CDNS_COREFILE_IMPORT', `file ${pattern} not found${hint}; expected an existing file, a glob or a snippet name`, place);
    }
    files = [pattern];
  }
  const out: Token[] = [];
  for (const f of files) {
    if (chain.includes(f)) throw new CorefileError('CDNS_COREFILE_IMPORT', `import cycle: ${cycle(chain, f)}`, place);
    const via = chain;
    for (const t of readTokens(f, ctx, imp)) out.push({ ...t, via });
  }
  return out;
}

function cycle(chain: string[], back: string): string {
  return [...chain.slice(chain.indexOf(back)), back].join(' -> ');
}
