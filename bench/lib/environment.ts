/** The machine a bench ran on, for the header of its results (date, `uname -m`, cores, CPU, Node, OpenSSH, load). */
import { execFileSync, spawnSync } from 'node:child_process';
import { arch, availableParallelism, cpus, loadavg, machine } from 'node:os';
import { findSsh } from '../../test/helpers/openssh-binaries.ts';
import { round } from './stats.ts';

export interface BenchEnvironment {
  date: string;
  machine: string;
  cores: number;
  cpu: string;
  node: string;
  openssh: string;
  /** 1-minute load average when the bench started. */
  loadAtStart: number;
}

/** `ssh -V`, or "not installed". */
export function opensshVersion(): string {
  let ssh: string;
  try {
    ssh = findSsh();
  } catch {
    return 'not installed';
  }
  const r = spawnSync(ssh, ['-V'], { encoding: 'utf8' }); // prints to stderr
  return (r.stderr + r.stdout).trim() || 'unknown';
}

export function benchEnvironment(): BenchEnvironment {
  let m: string;
  try {
    m = execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim();
  } catch {
    m = machine?.() ?? arch();
  }
  return {
    date: new Date().toISOString(),
    machine: m,
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    openssh: opensshVersion(),
    loadAtStart: round(loadavg()[0]!, 2),
  };
}

/** "2026-11-21 · `uname -m` x86_64 · 2 cores (AMD EPYC …) · Node v20 · OpenSSH_9.2p1 …, load 0.4 → 1.2" */
export function environmentLine(e: BenchEnvironment): string {
  return `${e.date.slice(0, 10)} · \`uname -m\` ${e.machine} · ${e.cores} cores (${e.cpu}) · Node ${e.node} · ${e.openssh} · load average ${e.loadAtStart} → ${round(loadavg()[0]!, 2)}`;
}
