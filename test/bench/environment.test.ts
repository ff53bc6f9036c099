import { describe, expect, test } from 'vitest';
import { headerLine, machineLine, type BenchMachine } from '../../bench/lib/environment.ts';

// The first line of every bench/results/*.md (bench/lib/environment.ts): the README quotes these.

const m: BenchMachine = {
  date: '2026-11-21T09:30:00.000Z',
  machine: 'x86_64',
  cores: 2,
  cpu: 'AMD EPYC 7B13',
  node: 'v20.18.0',
  openssh: 'OpenSSH_9.2p1 Debian-2+deb12u3, OpenSSL 3.0.15 3 Sep 2024',
};

describe('headerLine', () => {
  test('the day and `uname -m`, then the parts given, joined by " · "', () => {
    expect(headerLine(m, 'AMD EPYC 7B13 × 2', 'Node v20.18.0', 'load average 0.4 at the end')).toBe(
      '2026-11-21 · `uname -m` x86_64 · AMD EPYC 7B13 × 2 · Node v20.18.0 · load average 0.4 at the end',
    );
  });
  test('no parts: the day and the machine only', () => {
    expect(headerLine(m)).toBe('2026-11-21 · `uname -m` x86_64');
  });
});

describe('machineLine', () => {
  test('cores with the CPU model, Node, then OpenSSH as `ssh -V` prints it', () => {
    expect(machineLine(m)).toBe(
      '2026-11-21 · `uname -m` x86_64 · 2 cores (AMD EPYC 7B13) · Node v20.18.0 · OpenSSH_9.2p1 Debian-2+deb12u3, OpenSSL 3.0.15 3 Sep 2024',
    );
  });
});
