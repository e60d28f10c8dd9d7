import type { RunRecord, Summary } from './report.js';
import { median } from './stats.js';
import type { WorkloadName } from './systems.js';

/** One SPEC §8 target, as a ratio measured in this run. */
export interface TargetCheck {
  target: string;
  /** The ratio of delivered msg/s (or the RSS). */
  measured: string;
  /**
   * The same ratio per server CPU-second: what each server gets done with the CPU it was given,
   * which holds steadier than msg/s when other work shares the machine.
   */
  perCpu?: string;
  /**
   * The same ratio taken in each round (the two ran back to back in it), per server CPU-second:
   * median and range. On a machine whose speed drifts between runs, the spread says how far the
   * medians above can be trusted.
   */
  perRound?: string;
  met: boolean | undefined;
}

function find(summaries: Summary[], workload: WorkloadName, system: string): Summary | undefined {
  return summaries.find((s) => s.workload === workload && s.system === system);
}

/** `a ÷ b` per server CPU-second in each round both measured: median (min–max, rounds). */
function perRound(runs: RunRecord[], workload: WorkloadName, a: string, b: string): string | undefined {
  const ratios: number[] = [];
  const rounds = new Set(runs.filter((r) => r.workload === workload).map((r) => r.round));
  for (const round of rounds) {
    const of = (system: string) => runs.find((r) => r.workload === workload && r.round === round && r.system === system)?.result;
    const x = of(a);
    const y = of(b);
    if (x && y && y.msgPerServerCpuSec > 0) ratios.push(x.msgPerServerCpuSec / y.msgPerServerCpuSec);
  }
  if (ratios.length === 0) return undefined;
  const f = (n: number) => `${n.toFixed(2)}×`;
  return `${f(median(ratios))} (${f(Math.min(...ratios))}–${f(Math.max(...ratios))}, ${ratios.length})`;
}

/** `goal` undefined: a ratio worth watching that has no target. */
function ratio(
  summaries: Summary[],
  runs: RunRecord[],
  workload: WorkloadName,
  a: string,
  b: string,
  goal: number | undefined,
  label: string,
): TargetCheck {
  const x = find(summaries, workload, a);
  const y = find(summaries, workload, b);
  if (!x || !y || !(y.msgPerSec > 0)) return { target: label, measured: 'not run', met: undefined };
  const r = x.msgPerSec / y.msgPerSec;
  const e = x.msgPerServerCpuSec / y.msgPerServerCpuSec;
  const rounds = perRound(runs, workload, a, b);
  return {
    target: label,
    measured: `${r.toFixed(2)}×`,
    perCpu: `${e.toFixed(2)}×`,
    ...(rounds ? { perRound: rounds } : {}),
    met: goal === undefined ? undefined : r >= goal,
  };
}

function peakRss(summaries: Summary[], system: string): TargetCheck {
  const target = `pairs: ${system} peak RSS ≤ 64 MB at 150 active connections`;
  const s = find(summaries, 'pairs', system);
  if (!s) return { target, measured: 'not run', met: undefined };
  return { target, measured: `${s.peakRssMB.toFixed(0)} MB (idle ${s.startRssMB.toFixed(0)} MB)`, met: s.peakRssMB <= 64 };
}

/** `baseline`: the bare relay on the same library, shown next to it. */
function idleKb(summaries: Summary[], system: string, baseline: string, checked: boolean): TargetCheck {
  const s = find(summaries, 'idle', system);
  const b = find(summaries, 'idle', baseline)?.idle;
  const target =
    `idle: ${system} ≤ 5 KB per idle connection at ${s?.idle?.connections ?? 10_000}` +
    (checked ? '' : ' (not a target on this transport)');
  if (!s?.idle) return { target, measured: 'not run', met: undefined };
  const vs = b ? ` (${baseline}: ${b.kbPerConnection.toFixed(2)} KB)` : '';
  return { target, measured: `${s.idle.kbPerConnection.toFixed(2)} KB${vs}`, met: checked ? s.idle.kbPerConnection <= 5 : undefined };
}

/** The targets the lead set for this benchmark, checked against the medians. */
export function checkTargets(summaries: Summary[], runs: RunRecord[]): TargetCheck[] {
  return [
    ratio(summaries, runs, 'pairs', 'mwse-uws', 'uws-json', 0.8, 'pairs: mwse-uws ≥ 0.8× uws-json (bare uWS JSON batched)'),
    ratio(summaries, runs, 'pairs', 'mwse-uws-bin', 'uws-prefix', 0.8, 'pairs: mwse-uws-bin ≥ 0.8× uws-prefix (bare uWS header-routed batched)'),
    ratio(summaries, runs, 'pairs', 'mwse-uws', 'socket.io', 4, 'pairs: mwse-uws (JSON) ≥ 4× socket.io'),
    ratio(summaries, runs, 'pairs', 'mwse-uws-bin', 'socket.io', 4, 'pairs: mwse-uws-bin (binary, the SDK default) ≥ 4× socket.io'),
    ratio(summaries, runs, 'room150', 'mwse-uws', 'socket.io', 10, 'room of 150: mwse-uws (JSON) ≥ 10× socket.io'),
    ratio(summaries, runs, 'room150', 'mwse-uws-bin', 'socket.io', 10, 'room of 150: mwse-uws-bin (binary) ≥ 10× socket.io'),
    ratio(summaries, runs, 'pairs', 'mwse-ws', 'ws-json-batch', 0.85, 'pairs: mwse-ws ≥ 0.85× ws-json-batch (bare ws, batched and corked: the same work)'),
    ratio(summaries, runs, 'pairs', 'mwse-ws', 'ws-json', 0.85, 'pairs: mwse-ws ≥ 0.85× ws-json (bare ws, send per message)'),
    // Sessions (docs/sessions.md): what keeping frames for resume costs the relay, same run.
    ratio(summaries, runs, 'pairs', 'mwse-uws-resume', 'mwse-uws', 0.95, 'pairs: mwse-uws-resume (sessions kept) ≥ 0.95× mwse-uws'),
    ratio(summaries, runs, 'pairs', 'mwse-uws-bin-resume', 'mwse-uws-bin', 0.95, 'pairs: mwse-uws-bin-resume ≥ 0.95× mwse-uws-bin'),
    ratio(summaries, runs, 'room150', 'mwse-uws-bin-resume', 'mwse-uws-bin', 0.95, 'room of 150: mwse-uws-bin-resume ≥ 0.95× mwse-uws-bin'),
    peakRss(summaries, 'mwse-uws'),
    peakRss(summaries, 'mwse-uws-bin'),
    // The default transport. On ws, the ws library alone holds more than 5 KB per connection.
    idleKb(summaries, 'mwse-uws', 'uws-json', true),
    idleKb(summaries, 'mwse-ws', 'ws-json', false),
  ];
}

export function targetTable(checks: TargetCheck[]): string {
  return [
    '| target | measured (msg/s) | per server CPU-s | per round, per CPU-s: median (range, rounds) | met |',
    '| --- | --: | --: | --: | --- |',
    ...checks.map(
      (c) =>
        `| ${c.target} | ${c.measured} | ${c.perCpu ?? '—'} | ${c.perRound ?? '—'} | ${c.met === undefined ? '—' : c.met ? 'yes' : 'no'} |`,
    ),
  ].join('\n');
}
