// Tokens to server blocks (corefile(5), Caddy v1 `parse.go`). A block is its keys on one line
// (a trailing comma continues them on the next), then `{`, then directive lines, then `}`. A
// directive line is a name and the arguments on the same line; a `{` ending the line opens a
// block of sub-directive lines, which may nest. `(name) { ... }` at the top defines a snippet;
// `import` as the first token of a line splices in a snippet or files (imports.ts), at the top
// (whole blocks) or inside blocks (directives). Nothing here knows any plugin: compile.ts does.
import { CorefileError } from './errors';
import { importTokens, readTokens, type ImportContext } from './imports';
import type { Token } from './lexer';

export interface Directive {
  name: Token;
  args: Token[];
  /** Sub-directive lines of a `{ ... }` block; null when the line has none. */
  block: Directive[] | null;
}

export interface ServerBlockAst {
  keys: Token[];
  directives: Directive[];
  /** The `{` that opens the block. */
  open: Token;
}

export interface ParsedCorefile {
  blocks: ServerBlockAst[];
  files: string[];
  warnings: string[];
}

const isBrace = (t: Token | undefined, b: '{' | '}') => t !== undefined && !t.quoted && t.text === b;
const sameLine = (a: Token, b: Token) => a.file === b.file && a.endLine === b.line && a.via === b.via;

class Stream {
  private i = 0;
  constructor(private tokens: Token[]) {}
  peek(): Token | undefined {
    return this.tokens[this.i];
  }
  next(): Token | undefined {
    return this.tokens[this.i++];
  }
  /** Replaces the `import` line just read (the import token and its argument) with `tokens`. */
  splice(tokens: Token[]): void {
    this.tokens.splice(this.i, 0, ...tokens);
  }
}

export function parseCorefile(file: string, ctx: ImportContext): ParsedCorefile {
  const s = new Stream(readTokens(file, ctx));
  const blocks: ServerBlockAst[] = [];
  for (let t = s.next(); t !== undefined; t = s.next()) {
    if (isImport(t)) {
      doImport(s, t, ctx);
      continue;
    }
    if (isBrace(t, '{') || isBrace(t, '}')) throw syntax(t, `unexpected '${t.text}'; expected a server block key such as .:53`);
    const snippet = /^\((.+)\)$/.exec(t.text);
    if (snippet !== null && !t.quoted && isBrace(s.peek(), '{')) {
      defineSnippet(s, t, snippet[1], ctx);
      continue;
    }
    blocks.push(serverBlock(s, t, ctx));
  }
  return { blocks, files: ctx.files, warnings: ctx.warnings };
}

function serverBlock(s: Stream, first: Token, ctx: ImportContext): ServerBlockAst {
  const keys: Token[] = [];
  let last = first;
  let more = true;
  for (let t: Token | undefined = first; t !== undefined; ) {
    let text = t.text;
    const comma = text.endsWith(',');
    if (comma) text = text.slice(0, -1);
    for (const k of text.split(',')) if (k !== '') keys.push({ ...t, text: k });
    more = comma;
    last = t;
    const n = s.peek();
    if (n === undefined || isBrace(n, '{') || isBrace(n, '}') || (!more && !sameLine(last, n))) break;
    t = s.next();
  }
  const open = s.next();
  if (open === undefined || !isBrace(open, '{')) {
    const got = open === undefined ? 'the end of the file' : `'${open.text}'`;
    throw syntax(open ?? last, `expected '{' to open the server block ${keys.map((k) => k.text).join(' ')}, got ${got}`);
  }
  return { keys, directives: lines(s, open, ctx), open };
}

/** Directive lines up to the `}` that closes `open`. */
function lines(s: Stream, open: Token, ctx: ImportContext): Directive[] {
  const out: Directive[] = [];
  for (;;) {
    const t = s.next();
    if (t === undefined) throw syntax(open, `expected '}' to close the block opened here, got the end of the file`);
    if (isBrace(t, '}')) return out;
    if (isBrace(t, '{')) throw syntax(t, `unexpected '{'; a block opens at the end of its directive's line`);
    if (isImport(t)) {
      doImport(s, t, ctx);
      continue;
    }
    const d: Directive = { name: t, args: [], block: null };
    let last = t;
    for (;;) {
      const n = s.peek();
      if (n === undefined || !sameLine(last, n) || isBrace(n, '}')) break;
      s.next();
      if (isBrace(n, '{')) {
        d.block = lines(s, n, ctx);
        break;
      }
      d.args.push(n);
      last = n;
    }
    out.push(d);
  }
}

function isImport(t: Token): boolean {
  return !t.quoted && t.text === 'import';
}

function doImport(s: Stream, imp: Token, ctx: ImportContext): void {
  const arg = s.peek();
  if (arg === undefined || !sameLine(imp, arg) || isBrace(arg, '{') || isBrace(arg, '}')) {
    throw new CorefileError('CDNS_COREFILE_IMPORT', 'expected one argument: a file, a glob or a snippet name', { file: imp.file, line: imp.line, directive: 'import' });
  }
  s.next();
  const extra = s.peek();
  if (extra !== undefined && sameLine(arg, extra) && !isBrace(extra, '}')) {
    throw new CorefileError('CDNS_COREFILE_IMPORT', `expected one argument, got also '${extra.text}'`, { file: imp.file, line: imp.line, directive: 'import' });
  }
  s.splice(importTokens(imp, arg, ctx));
}

function defineSnippet(s: Stream, name: Token, snippet: string, ctx: ImportContext): void {
  const open = s.next() as Token;
  if (ctx.snippets.has(snippet)) throw syntax(name, `snippet (${snippet}) is defined twice`);
  const body: Token[] = [];
  let depth = 1;
  for (;;) {
    const t = s.next();
    if (t === undefined) throw syntax(open, `expected '}' to close snippet (${snippet})`);
    if (isBrace(t, '{')) depth++;
    if (isBrace(t, '}') && --depth === 0) break;
    body.push(t);
  }
  ctx.snippets.set(snippet, body);
}

function syntax(t: Token, detail: string): CorefileError {
  return new CorefileError('CDNS_COREFILE_SYNTAX', detail, { file: t.file, line: t.line });
}
