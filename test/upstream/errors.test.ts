// Every CDNS_UPSTREAM_* code is documented (STYLE rule 11) and errors carry their code.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UPSTREAM_ERROR_CODES, UpstreamError } from '../../src/upstream/errors';

describe('upstream error codes', () => {
  const readme = readFileSync(join(__dirname, '../../src/upstream/README.md'), 'utf8');

  test.each(UPSTREAM_ERROR_CODES.map((c) => [c]))('%s is documented in src/upstream/README.md', (code) => {
    expect(readme).toContain(`\`${code}\``);
  });

  test('the code is a property and the message starts with it', () => {
    const e = new UpstreamError('CDNS_UPSTREAM_ALL_FAILED', 'x. A: nothing answered');
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('CDNS_UPSTREAM_ALL_FAILED');
    expect(e.message).toBe('CDNS_UPSTREAM_ALL_FAILED: x. A: nothing answered');
  });
});
