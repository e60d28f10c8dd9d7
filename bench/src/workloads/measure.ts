import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpuUsage } from 'node:process';
import { kernelCountsSince, machineBusySeconds, processKernelCounts, type KernelCounts } from '../procStats.js';
import type { NodeMemory, ServerProcess } from '../ServerProcess.js';
import { sessionAcks } from '../generator/Connection.js';
import type { IdleMemory } from './idle.js';

/** Counters a workload bumps as frames arrive. */
export interface Meter {
  /** Messages delivered to generator connections. */
  delivered: number;
}

export interface Measurement {
  seconds: number;
  delivered: number;
  /** Delivered messages per wall-clock second. */
  msgPerSec: number;
  /** Server CPU seconds per wall second (1 = one core busy). */
  serverCpu: number;
  /** Generator CPU seconds per wall second. */
  generatorCpu: number;
  /** CPU (in cores) used by other processes on the machine during the window. */
  otherCpu: number;
  /** Delivered messages per server CPU second. */
  msgPerServerCpuSec: number;
  /** RSS of the idle server before the run, at the end of the window, and its peak (VmHWM), MB. */
  startRssMB: number;
  rssMB: number;
  peakRssMB: number;
  /** What the RSS at the end is made of: anonymous memory (heap, malloc) and file-backed pages. */
  rssAnonMB?: number;
  rssFileMB?: number;
  /** The server's V8 view at the end of the window, under load (no forced GC). */
  node?: NodeMemory;
  /** False when the generator may have been the bottleneck; `note` says why. */
  valid: boolean;
  note?: string;
  /** What the server asked of the kernel during the window (CPU split, system calls, switches). */
  kernel?: KernelCounts;
  /**
   * Instructions the server executed in the window (user space, callgrind's Ir), when it runs
   * under `valgrind --tool=callgrind` (`--callgrind`): repeatable on a loaded machine.
   */
  instructions?: number;
  /**
   * Resumable sessions: `session/ack` frames in the window, those the clients sent and those
   * the server sent them (neither counted in `delivered`).
   */
  acks?: { sent: number; received: number };
  /** Latency workload only. */
  latency?: { p50: number; p99: number; samples: number };
  /** Idle workload only. */
  idle?: IdleMemory;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Set while workloads run together (`runTogether`): resolves once every one of them has its
 * load going, so their warm-ups and measuring windows line up.
 */
export const measureGate: { wait?: () => Promise<void> } = {};

/** Other processes using more than this share of a core make a run "contended". */
export const CONTENDED = 0.15;

/**
 * Let the load run through the warm-up, then measure a window: messages delivered, both
 * processes' CPU time, the server's memory, and what else ran on the machine meanwhile (a run
 * that shared its cores with a test suite is reported as contended, not thrown away). The generator must cost less than the server
 * (and less than 90% of its core), or the number measures the generator: such runs are invalid.
 */
export async function measure(
  server: ServerProcess,
  meter: Meter,
  warmupS: number,
  durationS: number,
): Promise<Measurement> {
  // Workloads run together (`--together`) start their warm-ups, and so their windows, at once.
  await measureGate.wait?.();
  await sleep(warmupS * 1000);
  const delivered0 = meter.delivered;
  const acks0 = { ...sessionAcks };
  const window = startCpuWindow(server);
  const kernel0 = processKernelCounts(server.pid);
  const callgrind = process.env.BENCH_CALLGRIND_DIR;
  if (callgrind) callgrindControl(server.pid, '--zero');
  await sleep(durationS * 1000);
  const kernel = kernelCountsSince(kernel0, processKernelCounts(server.pid));
  const instructions = callgrind ? callgrindDump(server.pid, callgrind) : undefined;
  const { seconds, serverCpuSec, generatorCpuSec, otherCpuSec } = window();
  const delivered = meter.delivered - delivered0;
  const acks = { sent: sessionAcks.sent - acks0.sent, received: sessionAcks.received - acks0.received };
  const memory = server.memoryMB();
  // Asked after the window, so answering cannot slow the count; still under load.
  const node = await server.nodeMemory(5000).catch(() => undefined);
  const serverCpu = serverCpuSec / seconds;
  const generatorCpu = generatorCpuSec / seconds;
  const note = generatorNote(generatorCpu, serverCpu, 'the server');
  return {
    seconds,
    delivered,
    msgPerSec: delivered / seconds,
    serverCpu,
    generatorCpu,
    otherCpu: otherCpuSec / seconds,
    msgPerServerCpuSec: serverCpuSec > 0 ? delivered / serverCpuSec : 0,
    startRssMB: server.startRssMB,
    rssMB: memory.rss,
    peakRssMB: memory.peak,
    rssAnonMB: memory.anon,
    rssFileMB: memory.file,
    node,
    kernel,
    instructions,
    ...(acks.sent + acks.received > 0 ? { acks } : {}),
    valid: note === undefined,
    note,
  };
}

/**
 * Why a run measured the generator rather than `servers` (its CPU `serverCpu`, in cores), if it
 * did: the generator at 90% of a core or more, or using at least as much CPU as they did.
 */
export function generatorNote(generatorCpu: number, serverCpu: number, servers: string): string | undefined {
  if (generatorCpu >= 0.9) return `generator at ${(generatorCpu * 100).toFixed(0)}% of a core`;
  if (generatorCpu >= serverCpu) return `generator used more CPU than ${servers}`;
  return undefined;
}

/** Wall time and CPU seconds of the server, the generator and everything else over a window. */
export interface CpuWindow {
  seconds: number;
  serverCpuSec: number;
  generatorCpuSec: number;
  otherCpuSec: number;
}

/** Start counting; the returned function ends the window and says what was used during it. */
export function startCpuWindow(server: ServerProcess): () => CpuWindow {
  const t0 = performance.now();
  const gen0 = cpuUsage();
  const srv0 = server.cpuSeconds();
  const busy0 = machineBusySeconds();
  return () => {
    const seconds = (performance.now() - t0) / 1000;
    const gen = cpuUsage(gen0);
    const serverCpuSec = server.cpuSeconds() - srv0;
    const generatorCpuSec = (gen.user + gen.system) / 1e6;
    const otherCpuSec = Math.max(0, machineBusySeconds() - busy0 - serverCpuSec - generatorCpuSec);
    return { seconds, serverCpuSec, generatorCpuSec, otherCpuSec };
  };
}

/** Run `callgrind_control <command>` on a server running under callgrind. */
export function callgrindControl(pid: number, command: string): void {
  execFileSync('callgrind_control', [command, String(pid)], { stdio: 'ignore', timeout: 60_000 });
}

/** Dump the counts since the last zero and read their total (the `summary:` or `totals:` line). */
export function callgrindDump(pid: number, dir: string): number {
  const before = new Set(readdirSync(dir));
  callgrindControl(pid, '--dump');
  const name = readdirSync(dir).find((f) => !before.has(f) && f.startsWith(`callgrind.out.${pid}`));
  if (!name) throw new Error(`callgrind wrote no dump for ${pid} in ${dir}`);
  const text = readFileSync(`${dir}/${name}`, 'latin1');
  const total = /^(?:summary|totals): (\d+)/m.exec(text)?.[1];
  if (!total) throw new Error(`no totals in ${name}`);
  return Number(total);
}
