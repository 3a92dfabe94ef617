// Server blocks, directive lines, sub-blocks, snippets and imports: the structure, before any
// plugin reads it.
import fs from 'node:fs';
import path from 'node:path';
import { parseCorefile, type Directive } from '../../src/corefile/parse';
import { writeTree } from './stage';

function parse(files: Record<string, string>, env = {}) {
  const dir = writeTree(files);
  const warnings: string[] = [];
  try {
    const p = parseCorefile(path.join(dir, 'Corefile'), { env, snippets: new Map(), files: [], warnings });
    return {
      blocks: p.blocks.map((b) => ({ keys: b.keys.map((k) => k.text), directives: b.directives.map(show) })),
      files: p.files.map((f) => path.relative(dir, f)),
      warnings: warnings.map((w) => w.replaceAll(dir, 'DIR')),
      where: p.blocks.flatMap((b) => b.directives.map((d) => `${path.relative(dir, d.name.file)}:${d.name.line} ${d.name.text}`)),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function parseError(files: Record<string, string>): string {
  const dir = writeTree(files);
  try {
    parseCorefile(path.join(dir, 'Corefile'), { env: {}, snippets: new Map(), files: [], warnings: [] });
  } catch (e) {
    return (e as Error).message.replaceAll(dir, 'DIR');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  throw new Error('expected an error');
}

/** `name arg arg { sub... }` as one string per directive. */
function show(d: Directive): string {
  const head = [d.name.text, ...d.args.map((a) => a.text)].join(' ');
  return d.block === null ? head : `${head} { ${d.block.map(show).join('; ')} }`;
}

describe('server blocks', () => {
  test.each<[string, string, { keys: string[]; directives: string[] }[]]>([
    ['one block', '.:53 {\n  errors\n  forward . 1.1.1.1\n}', [{ keys: ['.:53'], directives: ['errors', 'forward . 1.1.1.1'] }]],
    ['several zones in a key line', 'a.com b.com:5353 {\n whoami\n}', [{ keys: ['a.com', 'b.com:5353'], directives: ['whoami'] }]],
    ['commas between keys, continued on the next line', 'a.com,\n b.com, c.com {\n whoami\n}', [{ keys: ['a.com', 'b.com', 'c.com'], directives: ['whoami'] }]],
    ['brace on the next line', '.\n{\n whoami\n}', [{ keys: ['.'], directives: ['whoami'] }]],
    ['empty block', '. { }', [{ keys: ['.'], directives: [] }]],
    ['one-line block', '. { whoami }', [{ keys: ['.'], directives: ['whoami'] }]],
    [
      'sub-blocks and nesting',
      '. {\n forward . 1.1.1.1 {\n  except a.com b.com\n  policy sequential\n }\n rewrite stop {\n  name regex (.*)\\.a {1}.b\n  answer name (.*)\\.b {1}.a\n }\n}',
      [{ keys: ['.'], directives: ['forward . 1.1.1.1 { except a.com b.com; policy sequential }', 'rewrite stop { name regex (.*)\\.a {1}.b; answer name (.*)\\.b {1}.a }'] }],
    ],
    ['a sub-block on one line', '. {\n forward . 1.1.1.1 { force_tcp }\n}', [{ keys: ['.'], directives: ['forward . 1.1.1.1 { force_tcp }'] }]],
    ['quoted braces are text', '. {\n template IN A { answer "{" }\n}', [{ keys: ['.'], directives: ['template IN A { answer { }'] }]],
    [
      'several blocks',
      'a.com {\n whoami\n}\n.:53 {\n errors\n}\n',
      [
        { keys: ['a.com'], directives: ['whoami'] },
        { keys: ['.:53'], directives: ['errors'] },
      ],
    ],
  ])('%s', (_, text, want) => {
    expect(parse({ Corefile: text }).blocks).toEqual(want);
  });

  test.each<[string, string, string]>([
    ['unclosed block', '. {\n errors\n', 'CDNS_COREFILE_SYNTAX: DIR/Corefile:1: expected \'}\' to close the block opened here, got the end of the file'],
    ['stray close', '}\n', "CDNS_COREFILE_SYNTAX: DIR/Corefile:1: unexpected '}'; expected a server block key such as .:53"],
    ['key without block', '.:53\nerrors\n', "CDNS_COREFILE_SYNTAX: DIR/Corefile:2: expected '{' to open the server block .:53, got 'errors'"],
    ['key at end of file', '.:53', "CDNS_COREFILE_SYNTAX: DIR/Corefile:1: expected '{' to open the server block .:53, got the end of the file"],
    ['brace alone on a directive line', '. {\n forward . 1.1.1.1\n {\n }\n}', "CDNS_COREFILE_SYNTAX: DIR/Corefile:3: unexpected '{'; a block opens at the end of its directive's line"],
    ['unclosed sub-block', '. {\n forward . 1.1.1.1 {\n  force_tcp\n}', "CDNS_COREFILE_SYNTAX: DIR/Corefile:1: expected '}' to close the block opened here, got the end of the file"],
  ])('syntax error: %s', (_, text, want) => {
    expect(parseError({ Corefile: text })).toBe(want);
  });
});

describe('snippets and import', () => {
  test('a snippet is spliced where it is imported, at the top and inside blocks', () => {
    const out = parse({
      Corefile: '(common) {\n  errors\n  cache 30\n}\n(block) {\n  b.com {\n    import common\n  }\n}\n. {\n  import common\n  whoami\n}\nimport block\n',
    });
    expect(out.blocks).toEqual([
      { keys: ['.'], directives: ['errors', 'cache 30', 'whoami'] },
      { keys: ['b.com'], directives: ['errors', 'cache 30'] },
    ]);
    // Imported tokens keep the file and line where they were written.
    expect(out.where).toEqual(['Corefile:2 errors', 'Corefile:3 cache', 'Corefile:12 whoami', 'Corefile:2 errors', 'Corefile:3 cache']);
  });

  test('files, relative to the importing file, and globs in sorted order', () => {
    const out = parse({
      Corefile: '. {\n  import conf/common.conf\n}\nimport servers/*.server\n',
      'conf/common.conf': 'errors\nimport more.conf\n',
      'conf/more.conf': 'loop\n',
      'servers/b.server': 'b.com {\n whoami\n}\n',
      'servers/a.server': 'a.com {\n whoami\n}\n',
      'servers/c.txt': 'not imported {\n}\n',
    });
    expect(out.blocks).toEqual([
      { keys: ['.'], directives: ['errors', 'loop'] },
      { keys: ['a.com'], directives: ['whoami'] },
      { keys: ['b.com'], directives: ['whoami'] },
    ]);
    expect(out.files).toEqual(['Corefile', 'conf/common.conf', 'conf/more.conf', 'servers/a.server', 'servers/b.server']);
    expect(out.where).toEqual(['conf/common.conf:1 errors', 'conf/more.conf:1 loop', 'servers/a.server:2 whoami', 'servers/b.server:2 whoami']);
  });

  test('a glob matching nothing is a warning; ConfigMap internals are skipped', () => {
    const out = parse({
      Corefile: '. {\n  import custom/*.override\n  whoami\n}\nimport custom/*.server\n',
      'custom/..data/x.server': 'x.com {\n}\n',
    });
    expect(out.blocks).toEqual([{ keys: ['.'], directives: ['whoami'] }]);
    expect(out.warnings).toEqual([
      'DIR/Corefile:2: import: no files match "custom/*.override" (DIR/custom/*.override); nothing imported',
      'DIR/Corefile:5: import: no files match "custom/*.server" (DIR/custom/*.server); nothing imported',
    ]);
  });

  test('an import on the last line of an imported file does not join the next line', () => {
    const out = parse({ Corefile: '. {\n  import a.conf\n  whoami\n}\n', 'a.conf': 'errors' });
    expect(out.blocks[0].directives).toEqual(['errors', 'whoami']);
  });

  test.each<[string, Record<string, string>, string]>([
    ['missing file', { Corefile: '. {\n  import nothere.conf\n}\n' }, 'CDNS_COREFILE_IMPORT: DIR/Corefile:2: import: file DIR/nothere.conf not found; expected an existing file, a glob or a snippet name'],
    ['unknown snippet', { Corefile: '. {\n  import common\n}\n' }, 'CDNS_COREFILE_IMPORT: DIR/Corefile:2: import: file DIR/common not found and no snippet (common) is defined before this line; expected an existing file, a glob or a snippet name'],
    ['snippet used before it is defined', { Corefile: '. {\n  import common\n}\n(common) {\n errors\n}\n' }, 'CDNS_COREFILE_IMPORT: DIR/Corefile:2: import: file DIR/common not found and no snippet (common) is defined before this line; expected an existing file, a glob or a snippet name'],
    ['no argument', { Corefile: '. {\n  import\n}\n' }, 'CDNS_COREFILE_IMPORT: DIR/Corefile:2: import: expected one argument: a file, a glob or a snippet name'],
    ['two arguments', { Corefile: '. {\n  import a b\n}\n' }, "CDNS_COREFILE_IMPORT: DIR/Corefile:2: import: expected one argument, got also 'b'"],
    ['file cycle', { Corefile: '. {\n  import a.conf\n}\n', 'a.conf': 'import b.conf\n', 'b.conf': 'import a.conf\n' }, 'CDNS_COREFILE_IMPORT: DIR/b.conf:1: import: import cycle: DIR/a.conf -> DIR/b.conf -> DIR/a.conf'],
    ['the Corefile imports itself', { Corefile: 'import Corefile\n' }, 'CDNS_COREFILE_IMPORT: DIR/Corefile:1: import: import cycle: DIR/Corefile -> DIR/Corefile'],
    ['snippet cycle', { Corefile: '(a) {\n import a\n}\n. {\n  import a\n}\n' }, 'CDNS_COREFILE_IMPORT: DIR/Corefile:2: import: snippet (a) imports itself ((a) -> DIR/Corefile -> (a))'],
    ['snippet defined twice', { Corefile: '(a) {\n}\n(a) {\n}\n' }, 'CDNS_COREFILE_SYNTAX: DIR/Corefile:3: snippet (a) is defined twice'],
    ['a directory', { Corefile: '. {\n  import dir\n}\n', 'dir/x': '' }, 'CDNS_COREFILE_READ: DIR/Corefile:2: import: cannot read DIR/dir (EISDIR)'],
  ])('error: %s', (_, files, want) => {
    expect(parseError(files)).toBe(want);
  });

  test('a missing Corefile', () => {
    expect(() => parseCorefile('/nonexistent/Corefile', { env: {}, snippets: new Map(), files: [], warnings: [] })).toThrow(
      'CDNS_COREFILE_READ: /nonexistent/Corefile:0: cannot read the Corefile (ENOENT)',
    );
  });

  test('env in an import path', () => {
    const out = parse({ Corefile: '. {\n  import {$DIR}/x.conf\n}\n', 'sub/x.conf': 'whoami\n' }, { DIR: 'sub' });
    expect(out.blocks[0].directives).toEqual(['whoami']);
  });
});
