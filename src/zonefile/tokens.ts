// Splits an RFC 1035 §5.1 master file into entries (one resource record or directive each)
// made of tokens. What the RFC asks of this layer:
//  - a line that starts with a blank has no owner name: it reuses the previous one;
//  - `(` ... `)` lets one entry span lines (no nesting);
//  - `;` starts a comment up to the end of the line, except inside quotes;
//  - `"..."` is one token that may hold blanks, `;` and parentheses;
//  - `\X` quotes the character X and `\DDD` is the byte DDD (decimal), in and out of quotes.
// Escapes are kept as written in `text`; rdata.ts decodes them where they are allowed.
import { ZoneFileError } from './errors';

export interface Token {
  /** As written, without the surrounding quotes; escapes not decoded. */
  text: string;
  line: number;
  quoted: boolean;
  /** Holds at least one backslash escape. */
  escaped: boolean;
}

export interface Entry {
  /** Line of the first token. */
  line: number;
  /** The entry's first line started with a blank: the owner is the previous one. */
  ownerOmitted: boolean;
  tokens: Token[];
}

const NL = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;
const QUOTE = 34;
const SEMI = 59;
const LPAREN = 40;
const RPAREN = 41;
const BACKSLASH = 92;

function isDelimiter(c: number): boolean {
  return c === SPACE || c === TAB || c === NL || c === CR || c === SEMI || c === LPAREN || c === RPAREN || c === QUOTE;
}

export function tokenize(text: string, file: string): Entry[] {
  const entries: Entry[] = [];
  let tokens: Token[] = [];
  let ownerOmitted = false;
  let line = 1;
  let parenLine = 0; // line of the open `(`, 0 when none is open
  let atLineStart = true;
  const n = text.length;
  let i = 0;

  const flush = (): void => {
    if (tokens.length > 0) entries.push({ line: tokens[0].line, ownerOmitted, tokens });
    tokens = [];
  };

  while (i < n) {
    const c = text.charCodeAt(i);
    if (atLineStart) {
      atLineStart = false;
      // Only the first physical line of an entry decides whether the owner is omitted.
      if (parenLine === 0 && tokens.length === 0) ownerOmitted = c === SPACE || c === TAB;
    }
    if (c === NL) {
      if (parenLine === 0) flush();
      line++;
      atLineStart = true;
      i++;
    } else if (c === SPACE || c === TAB || c === CR) {
      i++;
    } else if (c === SEMI) {
      while (i < n && text.charCodeAt(i) !== NL) i++;
    } else if (c === LPAREN) {
      if (parenLine !== 0) {
        throw new ZoneFileError('CDNS_ZONEFILE_SYNTAX', file, line,
          `nested '(': the '(' of line ${parenLine} is still open, expected ')' first`, '(');
      }
      parenLine = line;
      i++;
    } else if (c === RPAREN) {
      if (parenLine === 0) {
        throw new ZoneFileError('CDNS_ZONEFILE_SYNTAX', file, line, "')' without an open '('", ')');
      }
      parenLine = 0;
      i++;
    } else if (c === QUOTE) {
      const start = i + 1;
      let escaped = false;
      let j = start;
      for (;;) {
        if (j >= n || text.charCodeAt(j) === NL) {
          throw new ZoneFileError('CDNS_ZONEFILE_SYNTAX', file, line,
            'unterminated quoted string: expected a closing \'"\' on the same line', text.slice(i, j));
        }
        const d = text.charCodeAt(j);
        if (d === QUOTE) break;
        if (d === BACKSLASH) {
          escaped = true;
          // The escaped character, whatever it is, but never the end of the line (reported above).
          j += j + 1 < n && text.charCodeAt(j + 1) !== NL ? 2 : 1;
        } else {
          j++;
        }
      }
      tokens.push({ text: text.slice(start, j), line, quoted: true, escaped });
      i = j + 1;
    } else {
      const start = i;
      let escaped = false;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) {
          const next = i + 1 < n ? text.charCodeAt(i + 1) : NL;
          if (next === NL || next === CR) {
            throw new ZoneFileError('CDNS_ZONEFILE_SYNTAX', file, line,
              "'\\' at the end of a line: expected a character or three digits after it", text.slice(start, i + 1));
          }
          escaped = true;
          i += 2;
        } else if (isDelimiter(d)) {
          break;
        } else {
          i++;
        }
      }
      tokens.push({ text: text.slice(start, i), line, quoted: false, escaped });
    }
  }
  if (parenLine !== 0) {
    throw new ZoneFileError('CDNS_ZONEFILE_SYNTAX', file, parenLine,
      "'(' is never closed: expected ')' before the end of the file", '(');
  }
  flush();
  return entries;
}
