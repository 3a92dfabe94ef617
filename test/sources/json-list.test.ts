// sources/json-list.ts: a JSON List scanned chunk by chunk gives exactly the items and fields
// JSON.parse gives for the whole text, however the input is cut (strings with escaped quotes
// and backslashes across chunk boundaries included). Files: snapshot.test.ts; API list pages:
// kubernetes.test.ts.
import { JsonListScanner, JsonListSyntaxError } from '../../src/sources/json-list';

function scan(text: string, chunk: number) {
  const items: unknown[] = [];
  const s = new JsonListScanner((v, i) => {
    expect(i).toBe(items.length);
    items.push(v);
  });
  const b = Buffer.from(text);
  for (let i = 0; i < b.length; i += chunk) if (!s.push(b.subarray(i, i + chunk))) return null;
  const r = s.end();
  return r && { ...r, items };
}

const DOC = {
  apiVersion: 'v1',
  items: [
    { kind: 'A', s: 'quote " in', t: 'backslash \\', u: 'both \\" and \\\\"', v: '[{,:}]', w: 'ünïcödé ✓' },
    { kind: 'B', n: [1, 2, { x: null }], e: {} },
    'a string item',
    42,
  ],
  kind: 'List',
  metadata: { resourceVersion: '7', continue: 'abc' },
};

test.each([1, 2, 3, 7, 64, 1 << 20])('chunks of %d bytes: the same as JSON.parse', (chunk) => {
  for (const text of [JSON.stringify(DOC), JSON.stringify(DOC, null, 2)]) {
    const r = scan(text, chunk)!;
    const { items, ...fields } = DOC;
    expect(r.items).toEqual(items);
    expect(r.fields).toEqual(fields);
    expect(r.streamedItems).toBe(true);
  }
});

test('not an object: null, for the caller to parse whole', () => {
  expect(scan('[1,2]', 1)).toBeNull();
  expect(scan('  "x"', 2)).toBeNull();
});

test('a syntax error inside an item is placed on its line', () => {
  const text = '{\n"items": [\n{"a": 1},\n{"b": tru}\n]}';
  expect(() => scan(text, 5)).toThrow(JsonListSyntaxError);
  try {
    scan(text, 5);
  } catch (e) {
    expect((e as JsonListSyntaxError).line).toBe(4);
  }
});

test('truncated input is an error at end()', () => {
  expect(() => scan('{"items": [{"a": 1}', 4)).toThrow(/unexpected end/);
});
