// STYLE rule 11: every error code the code can raise is documented in docs/errors.md, and the
// table names no code the code does not have.
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const inCode = new Set(sources(path.join(root, 'src')).flatMap((f) => fs.readFileSync(f, 'utf8').match(/CDNS_[A-Z]+_[A-Z_]*[A-Z]/g) ?? []));
const doc = fs.readFileSync(path.join(root, 'docs/errors.md'), 'utf8');
const inDoc = new Set([...doc.matchAll(/^\| `(CDNS_[A-Z_]+)` \|/gm)].map((m) => m[1]));

test('the code raises codes', () => {
  expect(inCode.size).toBeGreaterThan(30);
});

test.each([...inCode].sort())('%s has a row in docs/errors.md', (code) => {
  expect(inDoc.has(code)).toBe(true);
});

test('docs/errors.md names no code the source does not have', () => {
  expect([...inDoc].filter((c) => !inCode.has(c))).toEqual([]);
});
