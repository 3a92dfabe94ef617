// Codes and docs in step (STYLE rule 11): every CDNS_CONFIG_* code has a row in docs/errors.md,
// and no row names a config code that the code does not have.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_ERROR_CODES } from '../../src/config/errors';

const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'errors.md'), 'utf8');

test.each(CONFIG_ERROR_CODES.map((c) => [c]))('%s has a row in docs/errors.md', (code) => {
  expect(doc).toMatch(new RegExp(`^\\| \`${code}\` \\| config \\|`, 'm'));
});

test('docs/errors.md names no config code that does not exist', () => {
  const named = new Set(doc.match(/CDNS_CONFIG_[A-Z_]+/g) ?? []);
  expect(named.size).toBeGreaterThan(0);
  for (const code of named) expect(CONFIG_ERROR_CODES).toContain(code);
});
