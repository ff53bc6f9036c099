/**
 * hopssh's command line as ssh(1) parses its own: BSD getopt with OpenSSH
 * 9.2's option letters, options after the destination, `--`, and the
 * argument lists scp and rsync pass.
 */
import { describe, expect, test } from 'vitest';
import { allValues, count, parseCommandLine, UsageError } from '../../src/cli/args.ts';

describe('parseCommandLine', () => {
  test('destination and command words', () => {
    const cl = parseCommandLine(['host', 'ls', '-l', '/tmp']);
    expect(cl.destination).toBe('host');
    expect(cl.command).toEqual(['ls', '-l', '/tmp']);
  });

  test('combined flags count each letter', () => {
    const cl = parseCommandLine(['-tt', '-NT', '-vvv', 'host']);
    expect(count(cl, 't')).toBe(2);
    expect(count(cl, 'N')).toBe(1);
    expect(count(cl, 'T')).toBe(1);
    expect(count(cl, 'v')).toBe(3);
    expect(cl.destination).toBe('host');
  });

  test('option arguments attached or separate, flags before an argument-taking letter', () => {
    const cl = parseCommandLine(['-p2222', '-oUser=alice', '-o', 'Port 22', '-Ai', 'key', '-lbob', 'host']);
    expect(allValues(cl, 'p')).toEqual(['2222']);
    expect(allValues(cl, 'o')).toEqual(['User=alice', 'Port 22']);
    expect(count(cl, 'A')).toBe(1);
    expect(allValues(cl, 'i')).toEqual(['key']);
    expect(allValues(cl, 'l')).toEqual(['bob']);
  });

  test('options after the destination are parsed, up to the first command word', () => {
    const cl = parseCommandLine(['host', '-p', '2222', '-t', 'top', '-d', '1']);
    expect(cl.destination).toBe('host');
    expect(allValues(cl, 'p')).toEqual(['2222']);
    expect(count(cl, 't')).toBe(1);
    expect(cl.command).toEqual(['top', '-d', '1']);
  });

  test('"--" before the destination ends options for good', () => {
    const cl = parseCommandLine(['-l', 'u', '--', 'host', '-p', '1']);
    expect(cl.destination).toBe('host');
    expect(cl.command).toEqual(['-p', '1']);
  });

  test('"--" after the destination ends options', () => {
    const cl = parseCommandLine(['host', '--', 'ls', '-la']);
    expect(cl.command).toEqual(['ls', '-la']);
  });

  test("scp's arguments (sftp mode)", () => {
    const cl = parseCommandLine([
      '-x',
      '-oPermitLocalCommand=no',
      '-oClearAllForwardings=yes',
      '-oRemoteCommand=none',
      '-oRequestTTY=no',
      '-oForwardAgent=no',
      '-l',
      'root',
      '-s',
      '--',
      '127.0.0.1',
      'sftp',
    ]);
    expect(cl.destination).toBe('127.0.0.1');
    expect(cl.command).toEqual(['sftp']);
    expect(count(cl, 's')).toBe(1);
    expect(count(cl, 'x')).toBe(1);
    expect(allValues(cl, 'o')).toHaveLength(5);
  });

  test("rsync's arguments", () => {
    const cl = parseCommandLine(['-p', '2200', '-l', 'root', '127.0.0.1', 'rsync', '--server', '-logDtpre.iLsfxCIvu', '.', '/tmp/x/']);
    expect(cl.destination).toBe('127.0.0.1');
    expect(cl.command).toEqual(['rsync', '--server', '-logDtpre.iLsfxCIvu', '.', '/tmp/x/']);
  });

  test('a lone "-" is a word, not an option', () => {
    expect(parseCommandLine(['-', 'x']).destination).toBe('-');
  });

  test('no destination', () => {
    expect(parseCommandLine(['-v']).destination).toBeUndefined();
  });

  test('unknown option and missing argument are usage errors', () => {
    expect(() => parseCommandLine(['-z', 'host'])).toThrow(new UsageError('unknown option -- z'));
    expect(() => parseCommandLine(['host', '-p'])).toThrow(new UsageError('option requires an argument -- p'));
    expect(() => parseCommandLine(['-vZ'])).toThrow(UsageError);
  });
});
