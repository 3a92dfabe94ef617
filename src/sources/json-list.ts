// A JSON snapshot file read in chunks, one `items` element at a time (issue 13): a 36 MB List
// parsed whole with JSON.parse holds every raw object at once (hundreds of MB, and the heap V8
// grew for them stays). Here only one chunk and one element exist at a time; each element is
// handed to JSON.parse alone, so the parser still does all validation of what is inside.
// Between elements the scanner checks the structure itself (keys, colons, commas, brackets).
import fs from 'node:fs';

const CHUNK = 1 << 20;

/** A syntax error, with the 1-based line of the file where it is. */
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
  /** The top-level fields other than `items` (the whole object when it had no `items` array). */
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

/**
 * Reads `file`, a JSON object, calling onItem(value, index) for each element of its top-level
 * `items` array as soon as the element is complete. Returns null when the file is not a JSON
 * object (the caller parses it whole, which reports the error). Throws JsonListSyntaxError.
 * `chunk` is called with every chunk read (a digest of the file, for instance).
 */
export function scanJsonList(file: string, onItem: (value: unknown, index: number) => void, chunk?: (b: Buffer) => void): JsonListResult | null {
  const fd = fs.openSync(file, 'r');
  try {
    const fields: Record<string, unknown> = {};
    let buf = Buffer.alloc(0);
    let base = 0; // file offset of buf[0]
    let depth = 0;
    let inStr = false;
    let esc = false;
    let mode: Mode = 'key';
    let start = 0; // file offset where the current key, value or item began
    let startLine = 1;
    let line = 1;
    let key = '';
    let index = 0;
    let streamed = false;
    let done = false;
    let sawObject = false;
    const text = (from: number, to: number) => buf.toString('utf8', from - base, to - base);
    const fail = (msg: string, at = line): never => {
      throw new JsonListSyntaxError(msg, at);
    };
    /** Parses a value or item span; a JSON.parse error is placed on its line of the file. */
    const parse = (raw: string, firstLine: number): unknown => {
      try {
        return JSON.parse(raw);
      } catch (e) {
        const pos = /position (\d+)/.exec((e as Error).message);
        fail((e as Error).message, firstLine + (pos ? countLines(raw, Number(pos[1])) : 0));
      }
    };
    const endValue = (at: number) => {
      const raw = text(start, at);
      if (mode === 'value') {
        if (raw.trim() === '') fail(`no value for "${key}"`);
        fields[key] = parse(raw, startLine);
      } else if (mode === 'key') {
        if (raw.trim() !== '') fail(`expected "key": value, got ${JSON.stringify(raw.trim().slice(0, 40))}`);
      } else if (mode === 'afterItems') {
        if (raw.trim() !== '') fail(`unexpected ${JSON.stringify(raw.trim().slice(0, 40))} after items`);
      }
    };
    const endItem = (at: number, closing: boolean) => {
      const raw = text(start, at);
      if (raw.trim() === '') {
        if (closing && index === 0) return; // []
        fail(`an empty element in items (after items[${index - 1}])`);
      }
      onItem(parse(raw, startLine), index++);
    };
    let pos = 0;
    for (;;) {
      if (pos - base >= buf.length) {
        // Keep what the current span needs, drop the rest, read the next chunk.
        const keep = done ? pos : Math.min(start, pos);
        const next = Buffer.allocUnsafe(CHUNK);
        const n = fs.readSync(fd, next, 0, CHUNK, null);
        if (n === 0) break;
        chunk?.(next.subarray(0, n));
        buf = Buffer.concat([buf.subarray(keep - base), next.subarray(0, n)]);
        base = keep;
      }
      const c = buf[pos - base];
      pos++;
      if (inStr) {
        if (esc) esc = false;
        else if (c === 0x5c) esc = true;
        else if (c === 0x22) inStr = false;
        continue;
      }
      if (depth === 0 && c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
        if (done) fail('unexpected data after the end of the object');
        if (c !== 0x7b) return null; // not an object: parsed whole by the caller
      }
      if (done) {
        if (c === 0x0a) line++;
        continue;
      }
      switch (c) {
        case 0x0a:
          line++;
          break;
        case 0x22: {
          // Strings are most of the bytes: find the closing quote with indexOf, not byte by byte.
          // A quote preceded by an odd number of backslashes is escaped. A string running past
          // the buffer is finished byte by byte after the next read.
          let q = buf.indexOf(0x22, pos - base);
          while (q !== -1) {
            let bs = 0;
            while (q - 1 - bs >= pos - base && buf[q - 1 - bs] === 0x5c) bs++;
            if (bs % 2 === 0) break;
            q = buf.indexOf(0x22, q + 1);
          }
          if (q === -1) {
            inStr = true;
            esc = false;
            pos = base + buf.length;
            // The escape state at the end of the buffer: an odd run of trailing backslashes.
            let bs = 0;
            while (buf.length - 1 - bs >= 0 && buf[buf.length - 1 - bs] === 0x5c) bs++;
            esc = bs % 2 === 1;
          } else pos = base + q + 1;
          break;
        }
        case 0x7b: // {
        case 0x5b: // [
          if (depth === 0) {
            sawObject = true;
            mode = 'key';
            start = pos;
            startLine = line;
          } else if (depth === 1 && mode === 'value' && key === 'items' && c === 0x5b && text(start, pos - 1).trim() === '') {
            mode = 'items';
            streamed = true;
            start = pos;
            startLine = line;
          }
          depth++;
          break;
        case 0x2c: // ,
          if (depth === 1) {
            endValue(pos - 1);
            mode = 'key';
            start = pos;
            startLine = line;
          } else if (depth === 2 && mode === 'items') {
            endItem(pos - 1, false);
            start = pos;
            startLine = line;
          }
          break;
        case 0x3a: // :
          if (depth === 1 && mode === 'key') {
            const k = parse(text(start, pos - 1), startLine);
            if (typeof k !== 'string') fail('an object key must be a string');
            key = k as string;
            mode = 'value';
            start = pos;
            startLine = line;
          }
          break;
        case 0x7d: // }
        case 0x5d: // ]
          depth--;
          if (depth < 0) fail('unbalanced brackets');
          if (depth === 0) {
            if (c !== 0x7d) fail('unbalanced brackets');
            endValue(pos - 1);
            done = true;
          } else if (depth === 1 && mode === 'items') {
            if (c !== 0x5d) fail('unbalanced brackets');
            endItem(pos - 1, true);
            mode = 'afterItems';
            start = pos;
            startLine = line;
          }
          break;
      }
    }
    if (!sawObject) return null;
    if (!done || inStr) fail('unexpected end of the file');
    return { fields, streamedItems: streamed };
  } finally {
    fs.closeSync(fd);
  }
}
