/** A process's memory and CPU time from Linux's /proc (proc(5)); undefined or false where /proc is missing. */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

let clkTck: number | undefined;
/** Clock ticks per second of /proc/<pid>/stat's times (`getconf CLK_TCK`, asked once; USER_HZ, 100 on Linux). */
function clockTicks(): number {
  return (clkTck ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100);
}

/** A /proc/<pid>/status size in bytes (VmHWM: peak RSS since the last reset; VmRSS: now). */
export function statusBytes(pid: number | 'self', field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Resets VmHWM to the current RSS ("5" > clear_refs); false where that is not allowed. */
export function resetPeak(pid: number | 'self'): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/**
 * CPU seconds (user + system) from a proc(5) stat line: `own` from utime and
 * stime (fields 14, 15), `children` from cutime and cstime (16, 17: the
 * children waited for). Fields count from after the command name, which may
 * hold spaces and parentheses, so the line is split after its last ')'.
 */
export function statCpuSeconds(statLine: string): { own: number; children: number } {
  const f = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ');
  const hz = clockTicks();
  return { own: (Number(f[11]) + Number(f[12])) / hz, children: (Number(f[13]) + Number(f[14])) / hz };
}
