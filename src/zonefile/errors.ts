// Errors of the zonefile stage. Every one carries a stable code (STYLE rule 11), the file, the
// line when there is one, and the offending token, so an operator can go straight to the spot.

export type ZoneFileCode =
  /** The file cannot be read (missing, permissions, a directory). */
  | 'CDNS_ZONEFILE_READ'
  /** Tokens, names, numbers, addresses, TTLs, parentheses and quotes. */
  | 'CDNS_ZONEFILE_SYNTAX'
  /** A class other than IN. */
  | 'CDNS_ZONEFILE_CLASS'
  /** An unknown record type, or one static zones do not serve. */
  | 'CDNS_ZONEFILE_TYPE'
  /** $INCLUDE, $GENERATE and unknown `$` directives. */
  | 'CDNS_ZONEFILE_DIRECTIVE'
  /** The records parse but do not make a zone: SOA, NS, CNAME rules, out-of-zone data. */
  | 'CDNS_ZONEFILE_ZONE'
  /** Two zone files declare the same origin. */
  | 'CDNS_ZONEFILE_DUPLICATE';

export const ZONEFILE_CODES: readonly ZoneFileCode[] = [
  'CDNS_ZONEFILE_READ',
  'CDNS_ZONEFILE_SYNTAX',
  'CDNS_ZONEFILE_CLASS',
  'CDNS_ZONEFILE_TYPE',
  'CDNS_ZONEFILE_DIRECTIVE',
  'CDNS_ZONEFILE_ZONE',
  'CDNS_ZONEFILE_DUPLICATE',
];

export class ZoneFileError extends Error {
  readonly code: ZoneFileCode;
  readonly file: string;
  /** 1-based line of the problem; null when it concerns the whole file. */
  readonly line: number | null;
  /** The token as written in the file, when one is to blame. */
  readonly token: string | null;

  /** Message: `CODE: file:line: what (got 'token')`. */
  constructor(code: ZoneFileCode, file: string, line: number | null, what: string, token?: string) {
    const where = line === null ? file : `${file}:${line}`;
    const got = token === undefined ? '' : ` (got '${token}')`;
    super(`${code}: ${where}: ${what}${got}`);
    this.name = 'ZoneFileError';
    this.code = code;
    this.file = file;
    this.line = line;
    this.token = token ?? null;
  }
}
