// Go RE2 patterns (what CoreDNS's rewrite and template take) as JavaScript RegExps. The
// differences that Corefiles actually use: named groups `(?P<name>...)`, leading inline flags
// `(?i)`/`(?s)`/`(?m)`, `\A` and `\z`, and POSIX classes `[[:digit:]]`. RE2 has no
// backreferences or lookaround, so a pattern valid in Go and refused here is one of those: the
// error says so. Checked once at configuration time (STYLE rule 9).
const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  digit: '0-9',
  lower: 'a-z',
  upper: 'A-Z',
  space: '\\t\\n\\v\\f\\r ',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
  punct: '!-\\/:-@\\[-`{-~',
};

/** The JavaScript source and flags of a Go regexp; throws Error with the reason if invalid. */
export function goRegex(source: string): RegExp {
  let flags = '';
  let s = source;
  const lead = /^\(\?([imsU]+)\)/.exec(s);
  if (lead !== null) {
    if (lead[1].includes('U')) throw new Error('the (?U) flag is not supported');
    flags = [...new Set(lead[1])].join('');
    s = s.slice(lead[0].length);
  }
  s = s
    .replace(/\(\?P</g, '(?<')
    .replace(/\\A/g, '^')
    .replace(/\\z/g, '$')
    .replace(/\[:(\^?)([a-z]+):\]/g, (m, neg: string, name: string) => {
      const cls = POSIX[name];
      if (cls === undefined) throw new Error(`unknown character class [:${name}:]`);
      if (neg !== '') throw new Error(`negated class [:^${name}:] is not supported`);
      return cls;
    });
  if (/\(\?<[=!]|\(\?[=!]|\\[1-9]/.test(s)) throw new Error('lookaround and backreferences are not RE2 syntax');
  return new RegExp(s, flags);
}
