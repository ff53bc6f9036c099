import { describe, expect, test } from 'vitest';
import { statCpuSeconds, statusBytes } from '../../bench/lib/proc.ts';

// bench/lib/proc.ts: CPU time and memory of a process from /proc (proc(5)), as bench:channels and bench:relay read them.

describe('statCpuSeconds', () => {
  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime …
  const line = (comm: string): string => `4242 (${comm}) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 50 1200 300 20 0 1 0`;

  test('utime + stime are its own, cutime + cstime its waited-for children', () => {
    const s = statCpuSeconds(line('bash'));
    // USER_HZ is 100 on Linux.
    expect(s.own).toBeCloseTo(3, 6);
    expect(s.children).toBeCloseTo(15, 6);
  });

  test('a command name with spaces and parentheses does not shift the fields', () => {
    expect(statCpuSeconds(line('a) b (c'))).toEqual(statCpuSeconds(line('bash')));
  });

  test('a prefix before the stat line (relay init: status and times) is skipped with the name', () => {
    expect(statCpuSeconds(`0 1.5 2.5 ${line('bash')}`)).toEqual(statCpuSeconds(line('bash')));
  });
});

describe('statusBytes', () => {
  test('this process: VmRSS in bytes, at most its peak VmHWM', () => {
    const rss = statusBytes('self', 'VmRSS');
    const hwm = statusBytes('self', 'VmHWM');
    expect(rss).toBeGreaterThan(1 << 20);
    expect(hwm).toBeGreaterThanOrEqual(rss!);
    expect(rss! % 1024).toBe(0);
  });

  test('a process that does not exist: undefined', () => {
    expect(statusBytes(2 ** 22 + 1, 'VmRSS')).toBeUndefined();
  });
});
