// Reading one directive line: argument counts, numbers, durations, addresses and the
// sub-directives of its block, each failure a CorefileError that names the file, the line, the
// directive and what was expected (STYLE rule 11). Directive setups (directives/*.ts) use only
// this, so every plugin reports bad input the same way.
import type { HostPort } from '../config/options';
import { parseHostPort } from '../config/values';
import { parseDuration } from './duration';
import { CorefileError, quote, type CorefileErrorCode } from './errors';
import { parseZone } from './keys';
import type { Token } from './lexer';
import type { Directive } from './parse';

export class Line {
  /** `forward`, or `forward/policy` for a sub-directive. */
  readonly path: string;
  constructor(
    readonly d: Directive,
    parent?: string,
  ) {
    this.path = parent === undefined ? d.name.text : `${parent}/${d.name.text}`;
  }

  get name(): string {
    return this.d.name.text;
  }
  get args(): Token[] {
    return this.d.args;
  }

  fail(detail: string, at: Token = this.d.name, code: CorefileErrorCode = 'CDNS_COREFILE_OPTION'): CorefileError {
    return new CorefileError(code, detail, { file: at.file, line: at.line, directive: this.path });
  }

  /** Checks the argument count; `usage` is the syntax shown in the error. */
  count(min: number, max: number, usage: string): Token[] {
    const n = this.d.args.length;
    if (n < min || n > max) {
      const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min}-${max}`;
      throw this.fail(`expected ${want} argument${max === 1 && min <= 1 ? '' : 's'} (${usage}), got ${n}`, this.d.args[max] ?? this.d.name);
    }
    return this.d.args;
  }

  noBlock(): void {
    if (this.d.block !== null) throw this.fail('takes no { } block');
  }

  /** The sub-directive lines of the block (none when there is no block). */
  block(): Line[] {
    return (this.d.block ?? []).map((s) => new Line(s, this.path));
  }

  /** An unknown sub-directive, with the ones this directive takes. */
  unknown(known: string[]): CorefileError {
    return this.fail(`unknown option; expected one of ${known.join(', ')}`);
  }

  int(t: Token, min: number, max: number, what: string): number {
    if (!/^-?\d+$/.test(t.text) || Number(t.text) < min || Number(t.text) > max) {
      throw this.fail(`expected ${what} (an integer ${min}-${max === Number.MAX_SAFE_INTEGER ? '...' : max}), got ${quote(t.text)}`, t);
    }
    return Number(t.text);
  }

  /** A Go duration, in ms. */
  duration(t: Token, what: string, minMs = 0): number {
    const ms = parseDuration(t.text);
    if (ms === null || ms < minMs) throw this.fail(`expected ${what} (a duration such as 5s, 300ms or 1m${minMs > 0 ? `, at least ${minMs}ms` : ''}), got ${quote(t.text)}`, t);
    return ms;
  }

  oneOf<T extends string>(t: Token, values: readonly T[]): T {
    const v = t.text.toLowerCase() as T;
    if (!values.includes(v)) throw this.fail(`expected one of ${values.join(', ')}, got ${quote(t.text)}`, t);
    return v;
  }

  zones(tokens: Token[]): string[] {
    return [...new Set(tokens.flatMap((t) => parseZone(t, this.path)))];
  }

  /** `host[:port]` of an HTTP listener; `:8080` means every address. */
  listen(t: Token, defaultPort: number): HostPort {
    try {
      const text = t.text.startsWith('localhost') ? '127.0.0.1' + t.text.slice('localhost'.length) : t.text;
      const hp = parseHostPort(text, defaultPort, this.path);
      return hp;
    } catch {
      throw this.fail(`expected an address such as :8080 or 127.0.0.1:8080, got ${quote(t.text)}`, t);
    }
  }
}
