// Errors of the Corefile front end (STYLE rule 11). One line says where (file:line), which
// directive, and what was expected, as CoreDNS's setup errors carry the Corefile line:
//   CDNS_COREFILE_OPTION: /etc/coredns/Corefile:9: cache: expected a TTL in seconds 1-..., got "x"
// Callers branch on `.code`, never on the message. At start-up the process exits 1; on a
// reload the running configuration stays and the line is logged.

export const COREFILE_ERROR_CODES = [
  /** The Corefile (or an imported file) cannot be read. */
  'CDNS_COREFILE_READ',
  /** Tokens that do not make server blocks: an unclosed quote or brace, a stray `}`. */
  'CDNS_COREFILE_SYNTAX',
  /** A server block key that is not `[dns://]ZONE[:PORT]` or a CIDR, or a zone:port given twice. */
  'CDNS_COREFILE_KEY',
  /** `import` of a named file that is missing, a snippet used before it is defined, a cycle. */
  'CDNS_COREFILE_IMPORT',
  /** A directive no CoreDNS build knows (a typo). */
  'CDNS_COREFILE_UNKNOWN',
  /** A CoreDNS plugin or transport clusterdns does not implement (etcd, dnssec, tls://, ...). */
  'CDNS_COREFILE_UNSUPPORTED',
  /** A plugin given twice in one server block where CoreDNS allows it once. */
  'CDNS_COREFILE_DUPLICATE',
  /** A bad argument or sub-directive of a plugin: wrong count, not a number, unknown option. */
  'CDNS_COREFILE_OPTION',
  /** A `match`/`rewrite ... regex` pattern that does not compile. */
  'CDNS_COREFILE_REGEX',
  /** A template `answer`/`additional`/`authority` that is not a valid Go template of an RR. */
  'CDNS_COREFILE_TEMPLATE',
] as const;

export type CorefileErrorCode = (typeof COREFILE_ERROR_CODES)[number];

export interface CorefilePlace {
  file: string;
  line: number;
  /** The directive (`forward`, `cache`), or the sub-directive path (`forward/policy`). */
  directive?: string;
}

export class CorefileError extends Error {
  readonly code: CorefileErrorCode;
  readonly file: string;
  readonly line: number;
  readonly directive?: string;
  /** What is wrong, without code and place. */
  readonly detail: string;

  /** Message: `CODE: file:line: directive: detail`. */
  constructor(code: CorefileErrorCode, detail: string, place: CorefilePlace) {
    super(`${code}: ${place.file}:${place.line}: ${place.directive === undefined ? '' : `${place.directive}: `}${detail}`);
    this.name = 'CorefileError';
    this.code = code;
    this.file = place.file;
    this.line = place.line;
    this.detail = detail;
    if (place.directive !== undefined) this.directive = place.directive;
  }
}

/** A value as the user wrote it, quoted, short enough for one line. */
export function quote(text: string): string {
  const s = JSON.stringify(text);
  return s.length > 60 ? s.slice(0, 56) + '..."' : s;
}
