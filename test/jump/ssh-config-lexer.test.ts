/** ssh_config lines (ssh_config(5) DESCRIPTION): keyword, separators, quoting, escapes, comments. */
import { describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/jump/errors.ts';
import { lexConfigLine, lexConfigText, MAX_LINE_LENGTH, splitArguments } from '../../src/jump/ssh-config-lexer.ts';

const lex = (text: string) => lexConfigLine(text, 'f', 7);

describe('lexConfigLine', () => {
  test.each([
    ['HostName example.com', 'hostname', ['example.com']],
    ['  HOSTNAME\texample.com  ', 'hostname', ['example.com']],
    ['HostName=example.com', 'hostname', ['example.com']],
    ['HostName = example.com', 'hostname', ['example.com']],
    ['HostName =example.com', 'hostname', ['example.com']],
    ['HostName= example.com', 'hostname', ['example.com']],
    ['SendEnv A B\tC', 'sendenv', ['A', 'B', 'C']],
    ['IdentityFile "/path with/spaces"', 'identityfile', ['/path with/spaces']],
    ["IdentityFile '/single quoted'", 'identityfile', ['/single quoted']],
    ['IdentityFile a"b c"d', 'identityfile', ['ab cd']],
    ['IdentityFile a\\ b', 'identityfile', ['a b']],
    ['IdentityFile "a\\"b"', 'identityfile', ['a"b']],
    ['IdentityFile a\\x', 'identityfile', ['a\\x']],
    ['User bob # a comment', 'user', ['bob']],
    ['User bob#notacomment', 'user', ['bob#notacomment']],
    ['SetEnv X=1 Y=2', 'setenv', ['X=1', 'Y=2']],
    ['"Host" quoted-keyword', 'host', ['quoted-keyword']],
    ['User bob\r', 'user', ['bob']],
  ])('%j', (line, keyword, args) => {
    const l = lex(line)!;
    expect(l.keyword).toBe(keyword);
    expect(l.args).toEqual(args);
    expect(l.file).toBe('f');
    expect(l.line).toBe(7);
  });

  test('rest keeps the text after the separator as written (ProxyCommand)', () => {
    expect(lex('ProxyCommand  ssh -W "%h:%p" gw # not a comment for the shell')!.rest).toBe('ssh -W "%h:%p" gw # not a comment for the shell');
    expect(lex('ProxyCommand=nc %h %p')!.rest).toBe('nc %h %p');
  });

  test.each(['', '   ', '# comment', '   # indented comment', '\t', '#Host x'])('blank or comment: %j', (line) => {
    expect(lex(line)).toBeUndefined();
  });

  test.each([
    ['HostName', /no argument after keyword "hostname"/],
    ['HostName   ', /no argument/],
    ['User "bob', /invalid quotes/],
    ['"Host x', /unclosed quote/],
  ])('refuses %j', (line, message) => {
    const e = (() => {
      try {
        lex(line);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).line).toBe(7);
    expect((e as ConfigError).message).toMatch(message);
  });

  test('an over-long line is refused', () => {
    expect(() => lex(`User ${'x'.repeat(MAX_LINE_LENGTH)}`)).toThrow(ConfigError);
  });
});

describe('splitArguments', () => {
  test('a # starting an argument ends the line; elsewhere it is literal', () => {
    expect(splitArguments('a #b c')).toEqual(['a']);
    expect(splitArguments('a#b c')).toEqual(['a#b', 'c']);
  });
  test('empty quotes give an empty argument', () => {
    expect(splitArguments('"" x')).toEqual(['', 'x']);
  });
  test('an unclosed quote is undefined', () => {
    expect(splitArguments("a 'b")).toBeUndefined();
  });
});

describe('lexConfigText', () => {
  test('numbers lines from 1, skipping comments and blanks', () => {
    const lines = lexConfigText('# c\n\nHost a\n  User u\n', 'cfg');
    expect(lines.map((l) => [l.line, l.keyword])).toEqual([
      [3, 'host'],
      [4, 'user'],
    ]);
  });
  test('the error names the file and line', () => {
    expect(() => lexConfigText('Host a\nUser\n', 'cfg')).toThrow(/^cfg line 2: /);
  });
});
