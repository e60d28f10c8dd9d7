import { execFileSync } from 'node:child_process';

/** True when `taskset` is on the PATH and the machine has at least two CPUs to split. */
export function canPin(cpus: number): boolean {
  if (cpus < 2) return false;
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Pin every thread of this process (the generator) to `cpu`. Child processes inherit it, so
 * servers are started under `taskset -c <other cpu>` to move them off it.
 */
export function pinSelf(cpu: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)], { stdio: 'ignore' });
}
