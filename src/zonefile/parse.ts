// RFC 1035 §5 master files -> records. tokens.ts splits entries; this file applies the
// directives and the owner/TTL/class/type rules; rdata.ts reads each type's fields.
import { ZoneFileError } from './errors';
import { isKnownType, isSupportedType, parseRdata, SUPPORTED_TYPES } from './rdata';
import { tokenize, type Entry, type Token } from './tokens';
import { looksLikeTtl, parseName, parseTtl } from './values';

export interface ZoneRecord {
  /** Lower-case FQDN, no trailing dot. */
  name: string;
  /** dns-packet type name: 'A', 'MX', ... */
  type: string;
  ttl: number;
  /** dns-packet's `data` shape for the type (TXT: an array of Buffers). */
  data: unknown;
  /** Line of the record in its file, for the zone checks' messages. */
  line: number;
}

export interface ParsedZone {
  /** The owner of the (first) SOA record; without one, the first origin in effect. */
  origin: string;
  records: ZoneRecord[];
}

// RFC 1035 §3.2.4 classes: only IN is served (SPEC §3 answers other classes REFUSED).
const CLASS_WORD = /^(IN|CH|CS|HS|NONE|ANY|CLASS\d+)$/;

/**
 * Parses a master file. `file` is only used in messages. `defaultOrigin` (absolute, with or
 * without the trailing dot) is the origin before any $ORIGIN, as a server's zone statement
 * gives it; without it, relative names before a $ORIGIN are an error.
 */
export function parseZoneFile(text: string, file: string, defaultOrigin?: string): ParsedZone {
  let origin: string | null = defaultOrigin === undefined ? null : absolute(defaultOrigin);
  let firstOrigin = origin;
  let defaultTtl: number | null = null; // $TTL (RFC 2308 §4)
  let lastTtl: number | null = null; // RFC 1035 §5.1: an omitted TTL is the last one stated
  let owner: string | null = null;
  let soaOwner: string | null = null;
  const records: ZoneRecord[] = [];

  for (const entry of tokenize(text, file)) {
    const first = entry.tokens[0];
    if (!entry.ownerOmitted && !first.quoted && first.text.startsWith('$')) {
      const dir = first.text.toUpperCase();
      if (dir === '$ORIGIN') {
        const arg = onlyArgument(entry, file, 'a domain name such as example.org.');
        origin = parseName(arg, origin, file, '$ORIGIN');
        firstOrigin ??= origin;
      } else if (dir === '$TTL') {
        defaultTtl = parseTtl(onlyArgument(entry, file, 'a TTL such as 3600 or 1h'), file, '$TTL');
      } else if (dir === '$INCLUDE') {
        throw new ZoneFileError('CDNS_ZONEFILE_DIRECTIVE', file, first.line,
          '$INCLUDE is not supported: put the records in this file, or pass each file with its own --zone-file',
          first.text);
      } else {
        throw new ZoneFileError('CDNS_ZONEFILE_DIRECTIVE', file, first.line,
          'unsupported directive: expected $ORIGIN or $TTL', first.text);
      }
      continue;
    }

    let i = 0;
    if (entry.ownerOmitted) {
      if (owner === null) {
        throw new ZoneFileError('CDNS_ZONEFILE_SYNTAX', file, entry.line,
          'this line starts with a blank, so it reuses the previous owner name, but there is none yet', first.text);
      }
    } else {
      owner = parseName(first, origin, file, 'owner name');
      i = 1;
    }

    // [<TTL>] [<class>] <type> or [<class>] [<TTL>] <type> (RFC 1035 §5.1).
    let ttl: number | null = null;
    let sawClass = false;
    let typeTok: Token | undefined;
    for (; i < entry.tokens.length; i++) {
      const tok = entry.tokens[i];
      const upper = tok.text.toUpperCase();
      if (looksLikeTtl(tok)) {
        if (ttl !== null) {
          throw new ZoneFileError('CDNS_ZONEFILE_SYNTAX', file, tok.line, 'a second TTL: expected a class or the record type', tok.text);
        }
        ttl = parseTtl(tok, file, 'TTL');
      } else if (!tok.quoted && CLASS_WORD.test(upper)) {
        if (sawClass) {
          throw new ZoneFileError('CDNS_ZONEFILE_SYNTAX', file, tok.line, 'a second class: expected a TTL or the record type', tok.text);
        }
        if (upper !== 'IN') {
          throw new ZoneFileError('CDNS_ZONEFILE_CLASS', file, tok.line,
            'class not supported: static zones hold IN records only (expected IN or nothing)', tok.text);
        }
        sawClass = true;
      } else {
        typeTok = tok;
        break;
      }
    }
    if (typeTok === undefined) {
      throw new ZoneFileError('CDNS_ZONEFILE_SYNTAX', file, entry.tokens[entry.tokens.length - 1].line,
        `expected a record type (${SUPPORTED_TYPES.join(', ')}) after the owner, TTL and class`,
        entry.tokens[entry.tokens.length - 1].text);
    }
    const type = typeTok.text.toUpperCase();
    if (!isSupportedType(type) || typeTok.quoted) {
      const why = isKnownType(type)
        ? `record type ${type} is not served by static zones`
        : entry.ownerOmitted
          ? 'unknown record type (this line starts with a blank, so its first word is not an owner name)'
          : 'unknown record type';
      throw new ZoneFileError('CDNS_ZONEFILE_TYPE', file, typeTok.line,
        `${why}: expected one of ${SUPPORTED_TYPES.join(', ')}`, typeTok.text);
    }

    if (ttl !== null) {
      lastTtl = ttl;
    } else {
      ttl = defaultTtl ?? lastTtl;
      if (ttl === null) {
        throw new ZoneFileError('CDNS_ZONEFILE_SYNTAX', file, entry.line,
          'no TTL for this record: expected $TTL at the top of the file or a TTL before the type', typeTok.text);
      }
    }

    const data = parseRdata(type, entry.tokens.slice(i + 1), origin, file, entry.line);
    if (type === 'SOA') soaOwner ??= owner;
    records.push({ name: owner, type, ttl, data, line: entry.line });
  }

  return { origin: soaOwner ?? firstOrigin ?? '', records };
}

function onlyArgument(entry: Entry, file: string, expected: string): Token {
  const [dir, arg, extra] = entry.tokens;
  if (arg === undefined) {
    throw new ZoneFileError('CDNS_ZONEFILE_SYNTAX', file, entry.line, `${dir.text}: expected ${expected}`, dir.text);
  }
  if (extra !== undefined) {
    throw new ZoneFileError('CDNS_ZONEFILE_SYNTAX', file, extra.line,
      `${dir.text}: expected only ${expected}, then the end of the line`, extra.text);
  }
  return arg;
}

/** A default origin as given by code: trailing dot optional, lower-cased. */
function absolute(name: string): string {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  return n.toLowerCase();
}
