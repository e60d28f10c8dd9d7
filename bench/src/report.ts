import type { WorkloadName } from './systems.js';
import { median } from './stats.js';
import type { IdleMemory } from './workloads/idle.js';
import { CONTENDED, type Measurement } from './workloads/measure.js';

/** One measured run (or a failed one). */
export interface RunRecord {
  workload: WorkloadName;
  system: string;
  round: number;
  /** 0 for the first try, then retries of a contended run. */
  attempt: number;
  result?: Measurement;
  error?: string;
}

/** Medians over the rounds of one system under one workload. */
export interface Summary {
  workload: WorkloadName;
  system: string;
  runs: number;
  validRuns: number;
  /** Runs during which other processes used more than {@link CONTENDED} of a core. */
  contendedRuns: number;
  otherCpu: number;
  msgPerSec: number;
  minMsgPerSec: number;
  maxMsgPerSec: number;
  msgPerServerCpuSec: number;
  serverCpu: number;
  generatorCpu: number;
  startRssMB: number;
  rssMB: number;
  peakRssMB: number;
  p50?: number;
  p99?: number;
  /** Idle workload only: medians of what the runs measured (see IdleMemory). */
  idle?: IdleSummary;
  notes: string[];
}

export interface IdleSummary {
  connections: number;
  rssZeroMB: number;
  rssFullMB: number;
  rssFullBeforeGcMB: number;
  kbPerConnection: number;
  minKbPerConnection: number;
  maxKbPerConnection: number;
  marginalKbPerConnection: number;
  heapKbPerConnection: number;
  externalKbPerConnection: number;
  generatorRssMB: number;
}

function summarizeIdle(ok: Measurement[]): IdleSummary | undefined {
  const runs = ok.flatMap((m) => (m.idle ? [m.idle] : []));
  if (!runs.length) return undefined;
  const of = (f: (m: IdleMemory) => number) => median(runs.map(f));
  const kb = runs.map((m) => m.kbPerConnection);
  return {
    connections: of((m) => m.connections),
    rssZeroMB: of((m) => m.rssZeroMB),
    rssFullMB: of((m) => m.rssFullMB),
    rssFullBeforeGcMB: of((m) => m.rssFullBeforeGcMB),
    kbPerConnection: median(kb),
    minKbPerConnection: Math.min(...kb),
    maxKbPerConnection: Math.max(...kb),
    marginalKbPerConnection: of((m) => m.marginalKbPerConnection),
    heapKbPerConnection: of((m) => m.heapKbPerConnection),
    externalKbPerConnection: of((m) => m.externalKbPerConnection),
    generatorRssMB: of((m) => m.generatorRssMB),
  };
}

export function summarize(runs: RunRecord[]): Summary[] {
  const groups = new Map<string, RunRecord[]>();
  for (const run of runs) {
    const key = `${run.workload}\u0000${run.system}`;
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  return [...groups.values()].map((group) => {
    const ok = group.flatMap((r) => (r.result ? [r.result] : []));
    const of = (f: (m: Measurement) => number) => median(ok.map(f));
    const rates = ok.map((m) => m.msgPerSec);
    const latencies = ok.flatMap((m) => (m.latency ? [m.latency] : []));
    return {
      workload: group[0]!.workload,
      system: group[0]!.system,
      runs: group.length,
      validRuns: ok.filter((m) => m.valid).length,
      contendedRuns: ok.filter((m) => m.otherCpu > CONTENDED).length,
      otherCpu: of((m) => m.otherCpu),
      msgPerSec: of((m) => m.msgPerSec),
      minMsgPerSec: Math.min(...rates),
      maxMsgPerSec: Math.max(...rates),
      msgPerServerCpuSec: of((m) => m.msgPerServerCpuSec),
      serverCpu: of((m) => m.serverCpu),
      generatorCpu: of((m) => m.generatorCpu),
      startRssMB: of((m) => m.startRssMB),
      rssMB: of((m) => m.rssMB),
      peakRssMB: of((m) => m.peakRssMB),
      p50: latencies.length ? median(latencies.map((l) => l.p50)) : undefined,
      p99: latencies.length ? median(latencies.map((l) => l.p99)) : undefined,
      idle: summarizeIdle(ok),
      notes: [
        ...new Set([...ok.flatMap((m) => (m.note ? [m.note] : [])), ...group.flatMap((r) => (r.error ? [r.error] : []))]),
      ],
    };
  });
}

const k = (n: number) => (Number.isFinite(n) ? `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k` : '—');
const pct = (n: number) => (Number.isFinite(n) ? `${(n * 100).toFixed(0)}%` : '—');
const mb = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '—');
const ms = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? n.toFixed(2) : '—');

function validity(s: Summary): string {
  const contended = s.contendedRuns ? `, ${s.contendedRuns} contended` : '';
  const base = `${s.validRuns}/${s.runs}${contended}`;
  return s.notes.length ? `${base} (${s.notes.join('; ')})` : base;
}

const kbs = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '—');

/** Markdown tables: throughput workloads, request latency, then idle memory. */
export function markdownTables(summaries: Summary[]): string {
  const out: string[] = [];
  const throughput = summaries.filter((s) => s.workload !== 'requests' && s.workload !== 'idle');
  if (throughput.length) {
    out.push(
      '| workload | system | msg/s (median) | min–max | msg per server CPU-s | server CPU | generator CPU | other load | RSS MB idle / end / peak | valid runs |',
      '| --- | --- | --: | --: | --: | --: | --: | --: | --: | --- |',
      ...throughput.map(
        (s) =>
          `| ${s.workload} | ${s.system} | ${k(s.msgPerSec)} | ${k(s.minMsgPerSec)}–${k(s.maxMsgPerSec)} | ` +
          `${k(s.msgPerServerCpuSec)} | ${pct(s.serverCpu)} | ${pct(s.generatorCpu)} | ${pct(s.otherCpu)} | ` +
          `${mb(s.startRssMB)} / ${mb(s.rssMB)} / ${mb(s.peakRssMB)} | ${validity(s)} |`,
      ),
    );
  }
  const latency = summaries.filter((s) => s.workload === 'requests');
  if (latency.length) {
    if (out.length) out.push('');
    out.push(
      '| workload | system | round trips/s | p50 ms | p99 ms | server CPU | generator CPU | other load | RSS MB (end) | valid runs |',
      '| --- | --- | --: | --: | --: | --: | --: | --: | --: | --- |',
      ...latency.map(
        (s) =>
          `| requests | ${s.system} | ${k(s.msgPerSec)} | ${ms(s.p50)} | ${ms(s.p99)} | ${pct(s.serverCpu)} | ` +
          `${pct(s.generatorCpu)} | ${pct(s.otherCpu)} | ${mb(s.rssMB)} | ${validity(s)} |`,
      ),
    );
  }
  const idle = summaries.filter((s) => s.workload === 'idle' && s.idle);
  if (idle.length) {
    if (out.length) out.push('');
    out.push(
      '| idle connections | system | RSS MB: none / all open (before GC) | KB per connection (min–max) | marginal KB (½ → all) | V8 heap KB per conn | handshakes/s | handshakes per server CPU-s | valid runs |',
      '| --- | --- | --: | --: | --: | --: | --: | --: | --- |',
      ...idle.map((s) => {
        const i = s.idle!;
        return (
          `| ${i.connections} | ${s.system} | ${mb(i.rssZeroMB)} / ${mb(i.rssFullMB)} (${mb(i.rssFullBeforeGcMB)}) | ` +
          `${kbs(i.kbPerConnection)} (${kbs(i.minKbPerConnection)}–${kbs(i.maxKbPerConnection)}) | ` +
          `${kbs(i.marginalKbPerConnection)} | ${kbs(i.heapKbPerConnection)} | ${k(s.msgPerSec)} | ` +
          `${k(s.msgPerServerCpuSec)} | ${validity(s)} |`
        );
      }),
    );
  }
  return out.join('\n');
}
