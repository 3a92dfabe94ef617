// The Corefile lexer (corefile(5), Caddy v1 `lexer.go`): whitespace separates tokens; a `"`
// at the start of a token quotes up to the next unescaped `"` (newlines included, `\"` is a
// quote); `#` outside quotes starts a comment to the end of the line, even mid-token; `{` and
// `}` are ordinary tokens that the parser reads as braces only when unquoted and alone. Every
// token keeps its file and line so errors and `-validate` can point at it.
import { CorefileError } from './errors';
import { expandEnv, type Env } from './env';

export interface Token {
  text: string;
  file: string;
  /** 1-based line where the token starts, and where it ends (a quoted token may span lines). */
  line: number;
  endLine: number;
  /** Written in quotes: never a brace, `import` or directive keyword. */
  quoted: boolean;
  /** The imports that brought this token in: files and `(snippet)` names, outermost first. */
  via?: readonly string[];
}

export function lex(source: string, file: string, env: Env): Token[] {
  const out: Token[] = [];
  let line = 1;
  let val = '';
  let start = 0;
  let quoted = false;
  let inQuote = false;
  let comment = false;
  const emit = () => {
    out.push({ text: expandEnv(val, env), file, line: start, endLine: line, quoted });
    val = '';
    quoted = false;
  };
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (inQuote) {
      if (ch === '\\' && source[i + 1] === '"') {
        val += '"';
        i++;
        continue;
      }
      if (ch === '"') {
        inQuote = false;
        emit();
        continue;
      }
      if (ch === '\n') line++;
      val += ch;
      continue;
    }
    if (ch === '\n' || ch === ' ' || ch === '\t' || ch === '\r' || ch === '\f' || ch === '\v') {
      if (val !== '') emit();
      if (ch === '\n') {
        line++;
        comment = false;
      }
      continue;
    }
    if (comment) continue;
    if (ch === '#') {
      comment = true;
      continue;
    }
    if (val === '') {
      start = line;
      if (ch === '"') {
        inQuote = true;
        quoted = true;
        continue;
      }
    }
    val += ch;
  }
  if (inQuote) throw new CorefileError('CDNS_COREFILE_SYNTAX', 'unterminated quoted string; expected a closing "', { file, line: start });
  if (val !== '') emit();
  return out;
}
