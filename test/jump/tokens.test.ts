/** ssh_config(5) TOKENS, ENVIRONMENT VARIABLES and `~` expansion. */
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { TokenError } from '../../src/jump/errors.ts';
import { CLIENT_TOKENS, connectionHash, expandEnvironment, expandTilde, expandTokens, HOSTNAME_TOKENS, PROXY_TOKENS, type TokenValues } from '../../src/jump/tokens.ts';

const VALUES: TokenValues = {
  C: 'c0ffee',
  d: '/home/alice',
  h: 'host.example.com',
  i: '1000',
  k: 'alias',
  L: 'laptop',
  l: 'laptop.lan',
  n: 'host',
  p: '2222',
  r: 'bob',
  u: 'alice',
};

function thrown(f: () => unknown): TokenError {
  try {
    f();
  } catch (e) {
    if (e instanceof TokenError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('expandTokens', () => {
  test('every client token, and %% as a literal percent', () => {
    expect(expandTokens('%C %d %h %i %k %L %l %n %p %r %u %%', VALUES, CLIENT_TOKENS)).toBe('c0ffee /home/alice host.example.com 1000 alias laptop laptop.lan host 2222 bob alice %');
  });

  test('one pass: an expanded value is not expanded again', () => {
    expect(expandTokens('%r', { r: '%h' }, CLIENT_TOKENS)).toBe('%h');
    expect(expandTokens('%%h', VALUES, CLIENT_TOKENS)).toBe('%h');
  });

  test('ProxyCommand / ProxyJump take %h %n %p %r only', () => {
    expect(expandTokens('nc %h %p # %n %r %%', VALUES, PROXY_TOKENS)).toBe('nc host.example.com 2222 # host bob %');
    const e = thrown(() => expandTokens('nc %h %u', VALUES, PROXY_TOKENS));
    expect(e.token).toBe('%u');
    expect(e.message).toMatch(/not accepted here/);
  });

  test('Hostname takes %h only', () => {
    expect(expandTokens('%h.example.com', { h: 'web' }, HOSTNAME_TOKENS)).toBe('web.example.com');
    expect(thrown(() => expandTokens('%p', VALUES, HOSTNAME_TOKENS)).token).toBe('%p');
  });

  test.each([
    ['%x', '%x', /unknown token/],
    ['%T', '%T', /unknown token/],
    ['trailing %', '%', /ends the text/],
  ])('%j is an error naming %j', (text, token, message) => {
    const e = thrown(() => expandTokens(text, VALUES, CLIENT_TOKENS));
    expect(e.token).toBe(token);
    expect(e.text).toBe(text);
    expect(e.message).toMatch(message);
  });

  test('a token without a value is an error', () => {
    expect(thrown(() => expandTokens('%i', { h: 'x' }, CLIENT_TOKENS)).message).toMatch(/no value/);
  });

  test('${VAR} only with an environment; one pass with the tokens', () => {
    expect(expandTokens('${HOME}/%u', VALUES, CLIENT_TOKENS)).toBe('${HOME}/alice');
    expect(expandTokens('${HOME}/%u', VALUES, CLIENT_TOKENS, { env: { HOME: '/h%r' } })).toBe('/h%r/alice');
  });
});

describe('expandEnvironment', () => {
  test('expands ${VAR} and leaves % alone', () => {
    expect(expandEnvironment('${A}:%h:$B:${B}', { A: 'a', B: 'b' })).toBe('a:%h:$B:b');
  });
  test.each([
    ['${MISSING}', '${MISSING}', /not set/],
    ['${}', '${}', /empty/],
    ['${OPEN', '${OPEN', /closing/],
  ])('%j is an error', (text, token, message) => {
    const e = thrown(() => expandEnvironment(text, { A: 'a' }));
    expect(e.token).toBe(token);
    expect(e.message).toMatch(message);
  });
  test('inherited object properties are not variables', () => {
    expect(() => expandEnvironment('${constructor}', {})).toThrow(TokenError);
  });
});

describe('expandTilde', () => {
  const homeOf = (u: string) => (u === 'bob' ? '/home/bob' : undefined);
  test.each([
    ['~', '/home/alice'],
    ['~/.ssh/id', '/home/alice/.ssh/id'],
    ['~bob', '/home/bob'],
    ['~bob/x', '/home/bob/x'],
    ['/abs/~/x', '/abs/~/x'],
    ['rel', 'rel'],
  ])('%j → %j', (path, expected) => {
    expect(expandTilde(path, '/home/alice', homeOf)).toBe(expected);
  });
  test('a root home does not double the slash', () => {
    expect(expandTilde('~/x', '/')).toBe('/x');
  });
  test('an unknown user is an error naming ~user', () => {
    expect(thrown(() => expandTilde('~carol/x', '/home/alice', homeOf)).token).toBe('~carol');
    expect(thrown(() => expandTilde('~bob/x', '/home/alice')).token).toBe('~bob');
  });
});

describe('connectionHash (%C)', () => {
  test('is the hex SHA-1 of %l%h%p%r', () => {
    const oracle = createHash('sha1').update('laptop.lanhost.example.com2222bob').digest('hex');
    expect(connectionHash('laptop.lan', 'host.example.com', '2222', 'bob')).toBe(oracle);
  });
});
