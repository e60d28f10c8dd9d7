import { fileURLToPath } from 'node:url';
import { Child } from '../Child.js';
import { machineBusySeconds, processCpuSeconds } from '../procStats.js';
import { percentileOfSorted } from '../stats.js';
import type { FromLatencyWorker, LatencyShare, ToLatencyWorker } from './latencyWorker.js';
import { startNodes, type Topology } from './topology.js';

/*
 * One-way latency of direct messages, open loop, at a set rate: `workers` generator processes
 * (latencyWorker.ts), each with its share of the pairs and of the rate, so the offered rate is not
 * capped by what one process can stamp and read. With two nodes every pair is split across them,
 * so every message crosses from one node to the other.
 */

const WORKER = fileURLToPath(new URL('./cluster/latencyWorker.js', import.meta.url));

export interface OneWayResult {
  rate: number;
  /** Messages delivered per second in the window, and sent. */
  achieved: number;
  offered: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  samples: number;
  /** How late the generators' sends left against their schedule (p99 of ticks, ms). */
  lagP99: number;
  /** The generators' own event loop delay (the worst worker's p99, ms). */
  loopDelayP99: number;
  /** Cores used: each generator process (the busiest), the nodes and Redis, everything else. */
  generatorCpu: number;
  serverCpu: number;
  otherCpu: number;
}

/** A generator process; `failed` rejects when it reports a failure or exits on its own. */
function startWorker() {
  const child = new Child<ToLatencyWorker, FromLatencyWorker>(WORKER);
  const failed = new Promise<never>((_, reject) => {
    child.next('failed').then((f) => reject(new Error(`latency worker: ${f.message}`)));
    child.process.once('exit', (code) => reject(new Error(`latency worker exited (${code})`)));
  });
  failed.catch(() => {});
  /** The reply `op` to `message`, or the failure. */
  const ask = <K extends 'opened' | 'done'>(message: ToLatencyWorker, op: K) => Promise.race([child.ask(message, op), failed]);
  return { child, ask };
}

export async function oneWayLatency(topology: Topology, rate: number, o: { connections: number; warmup: number; duration: number }, workers: number, redisPid?: number): Promise<OneWayResult> {
  const nodes = await startNodes(topology);
  const started = Array.from({ length: workers }, startWorker);
  const children = started.map((w) => w.child);
  try {
    const pairs = o.connections / 2;
    const ports = nodes.map((n) => n.port);
    // Each worker its share of the pairs (at least one) and of the rate, in proportion.
    const shares = children.map((_, k) => Math.max(1, Math.floor(((k + 1) * pairs) / workers) - Math.floor((k * pairs) / workers)));
    await Promise.all(started.map((w, k) => w.ask({ op: 'open', ports, pairs: shares[k]!, resume: topology.resume }, 'opened')));
    const total = shares.reduce((a, b) => a + b, 0);
    const serverPids = [...nodes.map((n) => n.pid), ...(redisPid === undefined ? [] : [redisPid])];
    const cpu0 = [...serverPids, ...children.map((c) => c.process.pid!)].map(processCpuSeconds);
    const busy0 = machineBusySeconds();
    const t0 = performance.now();
    const runs = started.map((w, k) => w.ask({ op: 'run', rate: (rate * shares[k]!) / total, warmupMs: o.warmup * 1000, durationMs: o.duration * 1000 }, 'done'));
    const done: LatencyShare[] = await Promise.all(runs);
    // CPU over the whole run (warm-up included): the load is steady, the window is most of it.
    const seconds = (performance.now() - t0) / 1000;
    const used = [...serverPids, ...children.map((c) => c.process.pid!)].map((pid, i) => processCpuSeconds(pid) - cpu0[i]!);
    const server = used.slice(0, serverPids.length).reduce((a, b) => a + b, 0);
    const generators = used.slice(serverPids.length);
    const other = Math.max(0, machineBusySeconds() - busy0 - server - generators.reduce((a, b) => a + b, 0));
    const samples = concat(done.map((d) => d.samples)).sort();
    const lags = concat(done.map((d) => d.lagMs)).sort();
    const window = Math.max(...done.map((d) => d.windowSeconds));
    const at = (p: number) => percentileOfSorted(samples, p);
    return {
      rate,
      achieved: done.reduce((a, d) => a + d.received, 0) / window,
      offered: done.reduce((a, d) => a + d.sentInWindow, 0) / window,
      p50: at(50),
      p99: at(99),
      p999: at(99.9),
      max: samples.length ? samples[samples.length - 1]! : Number.NaN,
      samples: samples.length,
      lagP99: percentileOfSorted(lags, 99),
      loopDelayP99: Math.max(...done.map((d) => d.loopDelayP99Ms)),
      generatorCpu: Math.max(...generators) / seconds,
      serverCpu: server / seconds,
      otherCpu: other / seconds,
    };
  } finally {
    for (const child of children) child.process.send({ op: 'close' } satisfies ToLatencyWorker);
    await Promise.all(nodes.map((n) => n.stop()));
  }
}

function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
