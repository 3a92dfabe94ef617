// Issue 10 item 6: one source for each default. `serve --help` said --workers defaults to 1
// while the README and the server used the usable CPUs. Help (the real CLI) and the README
// must both say what DEFAULTS (config/options.ts) holds, through config/help-defaults.ts.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULTS } from '../../src/config/options';
import { DEFAULT_TEXT, defaultText, helpDefaultText } from '../../src/config/help-defaults';

const ROOT = path.resolve(__dirname, '../..');
const flag = (attr: string) => '--' + attr.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

/** Help entries by flag, continuation lines joined (commander wraps at the terminal width). */
function helpEntries(): Map<string, string> {
  const help = execFileSync(process.execPath, [path.join(ROOT, 'dist/cli.js'), 'serve', '--help'], { encoding: 'utf8' });
  const out = new Map<string, string>();
  let current = '';
  for (const line of help.split('\n')) {
    const m = /^ {2}(--[a-z-]+)/.exec(line);
    if (m) out.set((current = m[1]), line.trim());
    else if (current && /^ {3,}\S/.test(line)) out.set(current, `${out.get(current)} ${line.trim()}`);
    else current = '';
  }
  return out;
}

const entries = helpEntries();

test.each(Object.keys(DEFAULT_TEXT))('serve --help: %s shows the default DEFAULTS holds', (attr) => {
  const e = entries.get(flag(attr));
  expect(e).toBeDefined();
  expect(e).toContain(`(default ${helpDefaultText(attr)})`);
  expect(e!.split('(default').length).toBe(2); // one default text, no stale second one
});

test('--workers: the usable CPUs, with this machine\'s count (DEFAULTS.workers), not 1', () => {
  expect(entries.get('--workers')).toContain(`(default the usable CPUs; ${DEFAULTS.workers} here)`);
});

test('no help entry carries a default of its own beside the table (free text uses "default:")', () => {
  const own = [...entries].filter(([f, e]) => e.includes('(default ') && !Object.keys(DEFAULT_TEXT).some((a) => flag(a) === f));
  expect(own).toEqual([]);
});

test('README, command line: every flag line with a default says what DEFAULTS holds', () => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const block = readme.slice(readme.indexOf('clusterdns serve [options]'));
  const lines = block.slice(0, block.indexOf('```')).split('\n');
  const checked: string[] = [];
  for (const attr of Object.keys(DEFAULT_TEXT)) {
    const line = lines.find((l) => l.trimStart().startsWith(`${flag(attr)} `));
    if (line === undefined) continue;
    expect(`${flag(attr)}: ${line}`).toContain(`(default ${defaultText(attr)})`);
    checked.push(attr);
  }
  expect(checked).toEqual(expect.arrayContaining(['workers', 'listen', 'ttl', 'pods', 'health', 'ready', 'metrics']));
});
