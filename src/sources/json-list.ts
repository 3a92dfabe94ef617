// A JSON List read one `items` element at a time (issue 13), from a snapshot file or from an
// API server's list response: a 36 MB List parsed whole with JSON.parse holds every raw object
// at once (hundreds of MB, and the heap V8 grew for them stays grown). Here only the bytes of
// one element and one read chunk exist at a time; each element is handed to JSON.parse alone,
// so the parser still validates everything inside it. Between elements the scanner checks the
// structure itself (keys, colons, commas, brackets).
import fs from 'node:fs';

/** A syntax error, with the 1-based line where it is. */
export class JsonListSyntaxError extends SyntaxError {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = 'JsonListSyntaxError';
  }
}

/** What the scan found besides the items: every other top-level field, parsed. */
export interface JsonListResult {
  /** The top-level fields other than a streamed `items` (the whole object when it had no `items` array). */
  fields: Record<string, unknown>;
  /** Whether an `items` array was streamed to onItem. */
  streamedItems: boolean;
}

type Mode = 'key' | 'value' | 'items' | 'afterItems';

const countLines = (s: string, to = s.length): number => {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1 && i < to; i = s.indexOf('\n', i + 1)) n++;
  return n;
};

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * Fed chunk by chunk (push), calls onItem(value, index) for each element of the top-level
 * object's `items` array as soon as the element is complete; end() returns the other fields.
 * push() returns false when the input is not a JSON object at all (the caller parses it whole,
 * which reports the error). Throws JsonListSyntaxError.
 */
export class JsonListScanner {
  private readonly fields: Record<string, unknown> = {};
  // One buffer, reused: what the current span still needs is moved to its front and the next
  // chunk copied in behind it. A new buffer per chunk (and a concat per push) put tens of MB
  // of short-lived 1 MB blocks through malloc on every load, which then held them as RSS.
  private buf: Buffer = Buffer.alloc(0);
  private len = 0; // bytes of buf in use
  private base = 0; // input offset of buf[0]
  private pos = 0; // input offset of the next byte to scan
  private depth = 0;
  private inStr = false;
  private esc = false;
  private mode: Mode = 'key';
  private start = 0; // input offset where the current key, value or item began
  private startLine = 1;
  private line = 1;
  private key = '';
  private index = 0;
  private streamed = false;
  private done = false;
  private sawObject = false;
  private notObject = false;

  /**
   * onItem gets each element parsed. onItemBytes, when given, sees each element's bytes first
   * and returns true when it has dealt with them itself: the element is then not parsed (a
   * snapshot reload recognises the items it read last time, sources/item-memo.ts).
   */
  constructor(
    private readonly onItem: (value: unknown, index: number) => void,
    private readonly onItemBytes?: (bytes: Buffer, index: number) => boolean,
  ) {}

  push(chunk: Buffer): boolean {
    if (this.notObject) return false;
    // Keep what the current span needs, drop the rest.
    const keep = this.done ? this.pos : Math.min(this.start, this.pos);
    const drop = keep - this.base;
    const rest = this.len - drop;
    if (rest + chunk.length > this.buf.length) {
      // Grows only for a span longer than the buffer (one huge item): doubling, never per chunk.
      const bigger = Buffer.allocUnsafeSlow(Math.max(2 * this.buf.length, rest + chunk.length, 1 << 16));
      this.buf.copy(bigger, 0, drop, this.len);
      this.buf = bigger;
    } else if (drop > 0 && rest > 0) this.buf.copyWithin(0, drop, this.len);
    chunk.copy(this.buf, rest);
    this.len = rest + chunk.length;
    this.base = keep;
    this.scan();
    return !this.notObject;
  }

  /** The fields besides the items; null when the input was not a JSON object. */
  end(): JsonListResult | null {
    if (this.notObject || !this.sawObject) return null;
    if (!this.done || this.inStr) this.fail('unexpected end of the input');
    return { fields: this.fields, streamedItems: this.streamed };
  }

  private fail(msg: string, at = this.line): never {
    throw new JsonListSyntaxError(msg, at);
  }

  private text(from: number, to: number): string {
    return this.buf.toString('utf8', from - this.base, to - this.base);
  }

  /** Parses a value or item span; a JSON.parse error is placed on its line. */
  private parse(raw: string, firstLine: number): unknown {
    try {
      return JSON.parse(raw);
    } catch (e) {
      const pos = /position (\d+)/.exec((e as Error).message);
      // Without a position (V8 says so only for some errors): the line where the span starts.
      this.fail((e as Error).message, firstLine + countLines(raw, pos ? Number(pos[1]) : raw.length - raw.trimStart().length));
    }
  }

  private begin(mode: Mode): void {
    this.mode = mode;
    this.start = this.pos;
    this.startLine = this.line;
  }

  private endValue(at: number): void {
    const raw = this.text(this.start, at);
    if (this.mode === 'value') {
      if (raw.trim() === '') this.fail(`no value for "${this.key}"`);
      this.fields[this.key] = this.parse(raw, this.startLine);
    } else if (this.mode === 'key') {
      if (raw.trim() !== '') this.fail(`expected "key": value, got ${JSON.stringify(raw.trim().slice(0, 40))}`);
    } else if (this.mode === 'afterItems') {
      if (raw.trim() !== '') this.fail(`unexpected ${JSON.stringify(raw.trim().slice(0, 40))} after items`);
    }
  }

  private endItem(at: number, closing: boolean): void {
    if (this.onItemBytes !== undefined) {
      // The element without the whitespace around it: its place in the layout is not its content.
      let from = this.start - this.base;
      let to = at - this.base;
      while (from < to && isSpace(this.buf[from])) from++;
      while (to > from && isSpace(this.buf[to - 1])) to--;
      if (from < to && this.onItemBytes(this.buf.subarray(from, to), this.index)) {
        this.index++;
        return;
      }
    }
    const raw = this.text(this.start, at);
    if (raw.trim() === '') {
      if (closing && this.index === 0) return; // []
      this.fail(`an empty element in items (after items[${this.index - 1}])`);
    }
    this.onItem(this.parse(raw, this.startLine), this.index++);
  }

  private scan(): void {
    const buf = this.buf.subarray(0, this.len);
    const end = this.base + buf.length;
    while (this.pos < end) {
      const c = buf[this.pos - this.base];
      this.pos++;
      if (this.inStr) {
        if (this.esc) this.esc = false;
        else if (c === 0x5c) this.esc = true;
        else if (c === 0x22) this.inStr = false;
        continue;
      }
      if (this.depth === 0 && !isSpace(c)) {
        if (this.done) this.fail('unexpected data after the end of the object');
        if (c !== 0x7b) {
          this.notObject = true; // not an object: parsed whole by the caller
          return;
        }
      }
      if (this.done) {
        if (c === 0x0a) this.line++;
        continue;
      }
      switch (c) {
        case 0x0a:
          this.line++;
          break;
        case 0x22: {
          // Strings are most of the bytes: find the closing quote with indexOf, not byte by
          // byte. A quote after an odd run of backslashes is escaped. A string running past the
          // chunk is finished byte by byte after the next push.
          const from = this.pos - this.base;
          let q = buf.indexOf(0x22, from);
          while (q !== -1) {
            let bs = 0;
            while (q - 1 - bs >= from && buf[q - 1 - bs] === 0x5c) bs++;
            if (bs % 2 === 0) break;
            q = buf.indexOf(0x22, q + 1);
          }
          if (q !== -1) {
            this.pos = this.base + q + 1;
            break;
          }
          this.inStr = true;
          let bs = 0;
          while (buf.length - 1 - bs >= from && buf[buf.length - 1 - bs] === 0x5c) bs++;
          this.esc = bs % 2 === 1;
          this.pos = end;
          break;
        }
        case 0x7b: // {
        case 0x5b: // [
          if (this.depth === 0) {
            this.sawObject = true;
            this.begin('key');
          } else if (this.depth === 1 && this.mode === 'value' && this.key === 'items' && c === 0x5b && this.text(this.start, this.pos - 1).trim() === '') {
            this.streamed = true;
            this.begin('items');
          }
          this.depth++;
          break;
        case 0x2c: // ,
          if (this.depth === 1) {
            this.endValue(this.pos - 1);
            this.begin('key');
          } else if (this.depth === 2 && this.mode === 'items') {
            this.endItem(this.pos - 1, false);
            this.begin('items');
          }
          break;
        case 0x3a: // :
          if (this.depth === 1 && this.mode === 'key') {
            const k = this.parse(this.text(this.start, this.pos - 1), this.startLine);
            if (typeof k !== 'string') this.fail('an object key must be a string');
            this.key = k as string;
            this.begin('value');
          }
          break;
        case 0x7d: // }
        case 0x5d: // ]
          this.depth--;
          if (this.depth < 0) this.fail('unbalanced brackets');
          if (this.depth === 0) {
            if (c !== 0x7d) this.fail('unbalanced brackets');
            this.endValue(this.pos - 1);
            this.done = true;
          } else if (this.depth === 1 && this.mode === 'items') {
            if (c !== 0x5d) this.fail('unbalanced brackets');
            this.endItem(this.pos - 1, true);
            this.begin('afterItems');
          }
          break;
      }
    }
  }
}

// 256 KB: a read per chunk costs nothing next to the scan, and the chunk and the scanner's
// buffer (about twice the chunk) are part of every load's peak RSS.
const CHUNK = 1 << 18;

/**
 * Reads `file` in chunks through a JsonListScanner. Returns null when the file is not a JSON
 * object. Throws JsonListSyntaxError, or the fs error of an unreadable file.
 */
export function scanJsonList(
  file: string,
  onItem: (value: unknown, index: number) => void,
  onItemBytes?: (bytes: Buffer, index: number) => boolean,
): JsonListResult | null {
  const fd = fs.openSync(file, 'r');
  try {
    const s = new JsonListScanner(onItem, onItemBytes);
    const chunk = Buffer.allocUnsafeSlow(CHUNK); // one read buffer per file: push() copies
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, CHUNK, null);
      if (n === 0) break;
      if (!s.push(chunk.subarray(0, n))) return null;
    }
    return s.end();
  } finally {
    fs.closeSync(fd);
  }
}
