import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on every Linux we target). */
const CLOCK_TICKS = 100;

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  // The command name (field 2) may hold spaces; the fields after its closing paren do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/**
 * What a process has asked of the kernel so far: CPU seconds in user and system mode and minor
 * page faults (memory touched for the first time, or again after it was given back)
 * (/proc/<pid>/stat), and context switches it asked for (it waited) or was made to take
 * (preempted) (/proc/<pid>/status). (/proc/<pid>/io counts no socket sends, so no system calls.)
 */
export interface KernelCounts {
  user: number;
  system: number;
  minorFaults: number;
  voluntary: number;
  involuntary: number;
}

export function processKernelCounts(pid: number): KernelCounts {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  const field = (text: string, key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return {
    user: Number(fields[11]) / CLOCK_TICKS,
    system: Number(fields[12]) / CLOCK_TICKS,
    // fields[0] is field 3: minflt is field 10.
    minorFaults: Number(fields[7]),
    voluntary: field(status, 'voluntary_ctxt_switches'),
    involuntary: field(status, 'nonvoluntary_ctxt_switches'),
  };
}

/** `b − a`, field by field. */
export function kernelCountsSince(a: KernelCounts, b: KernelCounts): KernelCounts {
  return {
    user: b.user - a.user,
    system: b.system - a.system,
    minorFaults: b.minorFaults - a.minorFaults,
    voluntary: b.voluntary - a.voluntary,
    involuntary: b.involuntary - a.involuntary,
  };
}

/**
 * Resident set size now and its peak (VmRSS, VmHWM), in MB (MiB), from /proc/<pid>/status, and
 * what the RSS is made of now: anonymous memory (V8 heap, malloc) and file-backed pages (the
 * node binary's code as far as it was touched, shared with every other node process).
 */
export function processMemoryMB(pid: number): { rss: number; peak: number; anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024, anon: kb('RssAnon') / 1024, file: kb('RssFile') / 1024 };
}

/**
 * CPU seconds the whole machine spent busy so far (every CPU: user, nice, system, irq, softirq,
 * steal), from /proc/stat. Minus the two benchmark processes, it shows how much other work
 * (a test suite, a build) competed for the cores during a run.
 */
export function machineBusySeconds(): number {
  const line = readFileSync('/proc/stat', 'latin1').split('\n', 1)[0]!;
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / CLOCK_TICKS;
}
