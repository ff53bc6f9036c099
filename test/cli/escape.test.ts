/** Escape sequences of an interactive session (ssh(1) ESCAPE CHARACTERS). */
import { describe, expect, test } from 'vitest';
import { EscapeFilter, parseEscapeChar } from '../../src/cli/escape.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const TILDE = 0x7e;

describe('EscapeFilter', () => {
  test('input without the escape character passes unchanged (same buffer)', () => {
    const f = new EscapeFilter(TILDE);
    const input = enc('ls -l\r');
    const out = f.filter(input);
    expect(out.data).toBe(input);
    expect(out.actions).toEqual([]);
  });

  test('~. at the start of a line disconnects; what follows is not sent', () => {
    const f = new EscapeFilter(TILDE);
    const out = f.filter(enc('~.rest'));
    expect(out.actions).toEqual(['disconnect']);
    expect(dec(out.data)).toBe('');
  });

  test('~. after a newline, across chunks', () => {
    const f = new EscapeFilter(TILDE);
    expect(dec(f.filter(enc('echo hi\r')).data)).toBe('echo hi\r');
    expect(f.filter(enc('~')).data.length).toBe(0);
    expect(f.filter(enc('.')).actions).toEqual(['disconnect']);
  });

  test('a tilde inside a line is sent as it is', () => {
    const f = new EscapeFilter(TILDE);
    const out = f.filter(enc('cd ~/x\r'));
    expect(dec(out.data)).toBe('cd ~/x\r');
    expect(out.actions).toEqual([]);
  });

  test('~~ sends one tilde; ~ and another character send both', () => {
    const f = new EscapeFilter(TILDE);
    expect(dec(f.filter(enc('~~x\r')).data)).toBe('~x\r');
    expect(dec(f.filter(enc('~x')).data)).toBe('~x');
  });

  test('~? and ~R are commands', () => {
    const f = new EscapeFilter(TILDE);
    expect(f.filter(enc('~?')).actions).toEqual(['help']);
    expect(f.filter(enc('\n~R')).actions).toEqual(['rekey']);
  });
});

describe('parseEscapeChar', () => {
  test('a character, ^X, none', () => {
    expect(parseEscapeChar('~')).toBe(TILDE);
    expect(parseEscapeChar('^]')).toBe(0x1d);
    expect(parseEscapeChar('none')).toBeUndefined();
    expect(() => parseEscapeChar('ab')).toThrow(RangeError);
  });
});
