// The scalar fields of a master file: domain names, TTLs, integers and character-strings.
// Each parser takes the token it reads, so an error can name the file, the line and the text.
import { ZoneFileError } from './errors';
import type { Token } from './tokens';

/** RFC 2181 §8: a TTL is 0 .. 2^31-1 seconds. */
export const MAX_TTL = 2147483647;

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/**
 * `3600`, or BIND's units `1h`, `2d`, `1w`, `1h30m` (case-insensitive). Also used for the SOA
 * timers, as BIND and Knot accept there.
 */
export function parseTtl(tok: Token, file: string, what: string): number {
  const t = tok.text.toLowerCase();
  let total = 0;
  if (/^\d+$/.test(t)) {
    total = Number(t);
  } else if (/^(\d+[smhdw])+$/.test(t)) {
    for (const m of t.matchAll(/(\d+)([smhdw])/g)) total += Number(m[1]) * UNIT_SECONDS[m[2]];
  } else {
    throw new ZoneFileError('CDNS_ZONEFILE_SYNTAX', file, tok.line,
      `${what}: expected seconds or a duration such as 30m, 1h, 2d, 1w`, tok.text);
  }
  if (total > MAX_TTL) {
    throw new ZoneFileError('CDNS_ZONEFILE_SYNTAX', file, tok.line,
      `${what}: expected at most ${MAX_TTL} seconds (RFC 2181 §8)`, tok.text);
  }
  return total;
}

/** A token that is a TTL rather than a class or a type: types and classes start with a letter. */
export function looksLikeTtl(tok: Token): boolean {
  const c = tok.text.charCodeAt(0);
  return !tok.quoted && c >= 48 && c <= 57;
}

export function parseUint(tok: Token, file: string, what: string, max: number): number {
  if (!/^\d+$/.test(tok.text) || Number(tok.text) > max) {
    throw new ZoneFileError('CDNS_ZONEFILE_SYNTAX', file, tok.line, `${what}: expected an integer 0-${max}`, tok.text);
  }
  return Number(tok.text);
}

// Letters, digits, `-`, `_` (SRV and DKIM owners, RFC 2782), `/` (RFC 2317 classless reverse
// zones); `*` only as a whole label (RFC 4592 wildcards).
const LABEL = /^(?:[a-z0-9_/-]+|\*)$/;

/**
 * An owner or rdata name as a lower-case FQDN without the trailing dot (`''` is the root):
 * `@` is the origin, a name ending in `.` is absolute, any other is relative to the origin.
 */
export function parseName(tok: Token, origin: string | null, file: string, what: string): string {
  const t = tok.text;
  const bad = (expected: string): ZoneFileError =>
    new ZoneFileError('CDNS_ZONEFILE_SYNTAX', file, tok.line, `${what}: ${expected}`, tok.quoted ? `"${t}"` : t);
  if (tok.quoted) throw bad('expected a domain name, not a quoted string');
  // Escaped characters in names (`\.` inside a label, `\032`) have no use in a cluster's zones
  // and would need a label-list representation everywhere; reject them plainly.
  if (tok.escaped) throw bad('expected a domain name without backslash escapes');
  let name: string;
  if (t === '@') {
    if (origin === null) throw bad("'@' needs an origin: add $ORIGIN <zone>. before this line");
    name = origin;
  } else if (t === '.') {
    name = '';
  } else if (t.endsWith('.')) {
    name = t.slice(0, -1).toLowerCase();
  } else {
    if (origin === null) {
      throw bad(`a relative name needs an origin: add $ORIGIN <zone>. before this line, or write '${t}.'`);
    }
    name = origin === '' ? t.toLowerCase() : `${t}.${origin}`.toLowerCase();
  }
  if (name.length > 253) throw bad('expected a name of at most 253 characters (RFC 1035 §2.3.4)');
  if (name !== '') {
    for (const label of name.split('.')) {
      if (label === '') throw bad("expected a name without empty labels ('..' or a leading '.')");
      if (label.length > 63) throw bad(`expected labels of at most 63 characters, '${label}' has ${label.length}`);
      if (!LABEL.test(label)) {
        throw bad(`label '${label}' may hold only letters, digits, '-', '_', '/', or be a lone '*'`);
      }
    }
  }
  return name;
}

/**
 * A <character-string> (RFC 1035 §3.3): the token's bytes with `\X` and `\DDD` decoded; at
 * most 255 bytes, since its length goes in one octet.
 */
export function parseCharString(tok: Token, file: string, what: string): Buffer {
  const t = tok.text;
  let out: Buffer;
  if (!tok.escaped) {
    out = Buffer.from(t, 'utf8');
  } else {
    const bytes: number[] = [];
    for (let i = 0; i < t.length; ) {
      if (t.charCodeAt(i) !== 92) {
        const cp = t.codePointAt(i)!;
        const ch = String.fromCodePoint(cp);
        for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
        i += ch.length;
        continue;
      }
      const digits = t.slice(i + 1, i + 4);
      if (/^\d/.test(digits)) {
        if (!/^\d{3}$/.test(digits) || Number(digits) > 255) {
          throw new ZoneFileError('CDNS_ZONEFILE_SYNTAX', file, tok.line,
            `${what}: expected '\\DDD' with three digits 000-255`, `\\${digits}`);
        }
        bytes.push(Number(digits));
        i += 4;
      } else {
        const ch = String.fromCodePoint(t.codePointAt(i + 1)!);
        for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
        i += 1 + ch.length;
      }
    }
    out = Buffer.from(bytes);
  }
  if (out.length > 255) {
    throw new ZoneFileError('CDNS_ZONEFILE_SYNTAX', file, tok.line,
      `${what}: a string holds at most 255 bytes, this one ${out.length}; split it into several quoted strings`,
      t.length > 40 ? `${t.slice(0, 37)}...` : t);
  }
  return out;
}
