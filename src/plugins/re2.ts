// Go RE2 regular expressions (what Corefiles are written in) as JavaScript RegExps, compiled
// once at configuration. The translation covers what real Corefiles use: `(?P<name>...)` named
// groups, leading flag groups `(?i)` `(?s)` `(?m)`, `\A` and `\z`, POSIX classes `[[:alpha:]]`.
// What RE2 refuses (lookaround, backreferences) is refused here too, and what would silently
// mean something else in JavaScript (`(?i:...)` in the middle, `\Q..\E`, `\pL`) is refused with
// a message, never mistranslated.
import { pluginError } from './errors';

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9', graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~', space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

/** The JS source and flags of a Go regexp, or what is wrong with it. */
export function translateRe2(src: string): { source: string; flags: string } | { error: string } {
  let flags = '';
  let i = 0;
  const lead = /^\(\?([imsU]+)\)/.exec(src);
  if (lead) {
    if (lead[1].includes('U')) return { error: 'the U (ungreedy) flag has no JavaScript equivalent' };
    flags = [...new Set(lead[1])].join('');
    i = lead[0].length;
  }
  let out = '';
  let inClass = false;
  while (i < src.length) {
    const c = src[i];
    if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined) return { error: 'trailing backslash' };
      if (!inClass && n === 'A') out += '^';
      else if (!inClass && n === 'z') out += '$';
      else if (n === 'Q') return { error: '\\Q...\\E quoting is not supported: escape the characters one by one' };
      else if (n === 'p' || n === 'P') return { error: 'Unicode classes (\\p, \\P) are not supported' };
      else if (/[1-9]/.test(n)) return { error: 'backreferences (\\1) are not RE2 syntax' };
      else out += c + n;
      i += 2;
      continue;
    }
    if (inClass) {
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(src.slice(i));
      if (posix) {
        const set = POSIX[posix[2]];
        if (set === undefined) return { error: `unknown POSIX class [:${posix[2]}:]` };
        if (posix[1]) return { error: `negated POSIX class [:^${posix[2]}:] is not supported` };
        out += set;
        i += posix[0].length;
        continue;
      }
      if (c === ']') inClass = false;
      out += c;
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      i++;
      // A `]` (or `^]`) right after the opening bracket is a literal in RE2 and JS alike.
      if (src[i] === '^') out += src[i++];
      if (src[i] === ']') { out += '\\]'; i++; }
      continue;
    }
    if (c === '(' && src[i + 1] === '?') {
      const rest = src.slice(i + 2);
      if (rest.startsWith('P<')) { out += '(?<'; i += 4; continue; }
      if (rest.startsWith(':')) { out += '(?:'; i += 3; continue; }
      if (/^(=|!|<=|<!)/.test(rest)) return { error: 'lookaround ((?=, (?!, (?<=, (?<!) is not RE2 syntax' };
      if (rest.startsWith('<')) { out += '(?<'; i += 3; continue; } // Go 1.22 accepts (?<name>) too
      return { error: `flag groups are only supported at the very start (got "(?${rest.slice(0, 4)}")` };
    }
    out += c;
    i++;
  }
  return { source: out, flags };
}

/** Compiles a Go regexp or throws CDNS_PLUGIN_REGEX naming the directive, its origin and the fault. */
export function compileRe2(src: string, origin: string, directive: string): RegExp {
  const t = translateRe2(src);
  if ('error' in t) throw pluginError('CDNS_PLUGIN_REGEX', origin, directive, `${JSON.stringify(src)}: expected a Go regular expression: ${t.error}`);
  try {
    return new RegExp(t.source, t.flags);
  } catch (e) {
    const why = (e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '');
    throw pluginError('CDNS_PLUGIN_REGEX', origin, directive, `${JSON.stringify(src)}: expected a Go regular expression: ${why}`);
  }
}

/** CoreDNS rewrite's `{1}`-style references to a match's groups (`{0}` is the whole match). */
export function expandGroups(template: string, m: RegExpExecArray): string {
  return template.replace(/\{(\d+)\}/g, (all, n: string) => (Number(n) < m.length ? (m[Number(n)] ?? '') : all));
}
