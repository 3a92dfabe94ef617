import { lex } from '../../src/corefile/lexer';
import { expandEnv } from '../../src/corefile/env';

const texts = (src: string, env = {}) => lex(src, 'F', env).map((t) => t.text);

describe('lexer (corefile(5), Caddy v1 rules)', () => {
  test.each<[string, string, string[]]>([
    ['words and braces', '.:53 {\n  errors\n}', ['.:53', '{', 'errors', '}']],
    ['tabs and CRLF', '.\t{\r\n\twhoami\r\n}', ['.', '{', 'whoami', '}']],
    ['comment to end of line', 'a # b c\nd', ['a', 'd']],
    ['comment mid-token ends the token', 'forward . 1.1.1.1#x y\nz', ['forward', '.', '1.1.1.1', 'z']],
    ['quoted string keeps spaces', 'answer "{{ .Name }} 60 IN A 1.2.3.4"', ['answer', '{{ .Name }} 60 IN A 1.2.3.4']],
    ['escaped quote inside quotes', 'x "a\\"b"', ['x', 'a"b']],
    ['backslash before other chars kept', 'match "^a\\.b$"', ['match', '^a\\.b$']],
    ['# inside quotes is text', 'x "a # b"', ['x', 'a # b']],
    ['empty quoted string is a token', 'x ""', ['x', '']],
    ['quote mid-token is a character', 'a"b c', ['a"b', 'c']],
  ])('%s', (_, src, want) => {
    expect(texts(src)).toEqual(want);
  });

  test('lines: a token knows where it starts and ends', () => {
    const t = lex('a\n"b\nc" d\n\ne', 'F', {});
    expect(t.map((x) => [x.text, x.line, x.endLine, x.quoted])).toEqual([
      ['a', 1, 1, false],
      ['b\nc', 2, 3, true],
      ['d', 3, 3, false],
      ['e', 5, 5, false],
    ]);
  });

  test('an unterminated quote is an error at the line it opens', () => {
    expect(() => lex('a\nb "c\nd', 'Corefile', {})).toThrow('CDNS_COREFILE_SYNTAX: Corefile:2: unterminated quoted string; expected a closing "');
  });

  test.each<[string, string]>([
    ['{$PORT}', '5353'],
    ['{%PORT%}', '5353'],
    ['x{$PORT}y', 'x5353y'],
    ['{$UNSET}', ''],
    ['{$A}{%A%}', 'aa'],
    ['{{ $var }}', '{{ $var }}'],
    ['{{$A}}', '{a}'],
  ])('env %s', (src, want) => {
    expect(expandEnv(src, { PORT: '5353', A: 'a' })).toBe(want);
  });

  test('env values with spaces stay one token; quoted tokens are expanded too', () => {
    expect(texts('x {$V} "{$V}"', { V: 'a b' })).toEqual(['x', 'a b', 'a b']);
  });
});
