/** The machine a bench ran on, for the header of its results (date, `uname -m`, cores, CPU, Node, OpenSSH, load). */
import { execFileSync, spawnSync } from 'node:child_process';
import { arch, availableParallelism, cpus, loadavg, machine } from 'node:os';
import { findSsh } from '../../test/helpers/openssh-binaries.ts';
import { round } from './stats.ts';

/** The hardware: `uname -m`, cores available to this process, the first CPU's model. */
export interface Hardware {
  machine: string;
  cores: number;
  cpu: string;
}

/** The hardware, when (ISO date), and the Node and OpenSSH versions: what every results header names. */
export interface BenchMachine extends Hardware {
  date: string;
  node: string;
  openssh: string;
}

export interface BenchEnvironment extends BenchMachine {
  /** 1-minute load average when the bench started. */
  loadAtStart: number;
}

/** The 1-minute load average now, to 2 digits (other processes skew the timings). */
export const loadAverage = (): number => round(loadavg()[0]!, 2);

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

export function hardware(): Hardware {
  let m: string;
  try {
    m = execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim();
  } catch {
    m = machine?.() ?? arch();
  }
  return { machine: m, cores: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown' };
}

export function benchMachine(): BenchMachine {
  return { date: new Date().toISOString(), ...hardware(), node: process.version, openssh: opensshVersion() };
}

/** The short form the crypto benches record (cipher, copies, kex), in their JSON's order: date, `uname -m`, CPU, Node, cores. */
export function briefEnvironment(): { date: string; machine: string; cpu: string; node: string; cores: number } {
  const { machine: m, cores, cpu } = hardware();
  return { date: new Date().toISOString(), machine: m, cpu, node: process.version, cores };
}

export function benchEnvironment(): BenchEnvironment {
  return { ...benchMachine(), loadAtStart: loadAverage() };
}

/** "2026-11-21 · `uname -m` x86_64 · …parts": how every results header starts, then the bench's own parts. */
export function headerLine(e: { date: string; machine: string }, ...parts: string[]): string {
  return [e.date.slice(0, 10), `\`uname -m\` ${e.machine}`, ...parts].join(' · ');
}

/** "2026-11-21 · `uname -m` x86_64 · 2 cores (AMD EPYC …) · Node v20 · OpenSSH_9.2p1 …" */
export function machineLine(e: BenchMachine): string {
  return headerLine(e, `${e.cores} cores (${e.cpu})`, `Node ${e.node}`, e.openssh);
}

/** machineLine, then " · load average 0.4 → 1.2" (at the start → now). */
export function environmentLine(e: BenchEnvironment): string {
  return `${machineLine(e)} · load average ${e.loadAtStart} → ${loadAverage()}`;
}
