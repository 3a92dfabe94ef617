// Errors of the config stage (STYLE rule 11). Every one carries a stable code, the place (file
// and line for the config file, the option or flag name otherwise) and the value that was
// refused, so one stderr line tells the operator what to change:
//   CDNS_CONFIG_RANGE: /etc/clusterdns/config.yaml:4: ttl: expected an integer 0-3600, got 7200
// Callers branch on `.code`, never on the message.

export const CONFIG_ERROR_CODES = [
  /** The config file cannot be read (missing, permissions, a directory). */
  'CDNS_CONFIG_READ',
  /** The file is not one YAML document: syntax, duplicate keys, several documents. */
  'CDNS_CONFIG_YAML',
  /** A key that is not an option name (typo, or a kube-dns key clusterdns does not support). */
  'CDNS_CONFIG_KEY',
  /** A value of the wrong type: a list where a number belongs, a map where a string belongs. */
  'CDNS_CONFIG_TYPE',
  /** A number (or port) outside its range. */
  'CDNS_CONFIG_RANGE',
  /** A value of the right type that is not valid: a name, an address, a CIDR, an enum value. */
  'CDNS_CONFIG_VALUE',
  /** Two settings that cannot be used together. */
  'CDNS_CONFIG_CONFLICT',
  // Raised by the Corefile plugins' factories (plugins/), placed at the directive's file:line.
  /** A regular expression that does not compile (rewrite, template `match`). */
  'CDNS_PLUGIN_REGEX',
  /** A Go template outside the supported subset, or an RR text that cannot be a record. */
  'CDNS_PLUGIN_TEMPLATE',
  /** A hosts file that exists but cannot be read. */
  'CDNS_PLUGIN_HOSTS',
  /** Any other plugin value refused at configuration: a name, a type, a TTL range, an address. */
  'CDNS_PLUGIN_VALUE',
] as const;

export type ConfigErrorCode = (typeof CONFIG_ERROR_CODES)[number];

export interface ConfigPlace {
  file?: string;
  /** 1-based line in `file`. */
  line?: number;
  /** Option path (`cache.maxTtl`, `listen[1]`) or flag (`--ttl`). */
  field?: string;
}

export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  readonly file?: string;
  readonly line?: number;
  readonly field?: string;
  /** What is wrong, without code and place: `expected an integer 0-3600, got 7200`. */
  readonly detail: string;

  /** Message: `CODE: file[:line]: field: detail`, each place part only when known. */
  constructor(code: ConfigErrorCode, detail: string, place: ConfigPlace = {}) {
    const where =
      (place.file === undefined ? '' : place.line === undefined ? `${place.file}: ` : `${place.file}:${place.line}: `) +
      (place.field === undefined ? '' : `${place.field}: `);
    super(`${code}: ${where}${detail}`);
    this.name = 'ConfigError';
    this.code = code;
    this.detail = detail;
    if (place.file !== undefined) this.file = place.file;
    if (place.line !== undefined) this.line = place.line;
    if (place.field !== undefined) this.field = place.field;
  }

  /** The same error placed in a file; the config file loader adds where it was read. */
  at(file: string, line?: number): ConfigError {
    return new ConfigError(this.code, this.detail, { file, line, field: this.field });
  }
}

/** `<what was expected>, got <value>`, the shape of every value error. */
export function expected(code: ConfigErrorCode, field: string, what: string, value: unknown): ConfigError {
  return new ConfigError(code, `${what}, got ${show(value)}`, { field });
}

const SHOW_MAX = 60;

/** A value as the user wrote it, short enough for one line: strings quoted, the rest as JSON. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  let s: string;
  try {
    s = JSON.stringify(value) ?? String(value);
  } catch {
    s = String(value);
  }
  return s.length > SHOW_MAX ? s.slice(0, SHOW_MAX - 3) + '...' : s;
}
