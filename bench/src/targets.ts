import type { Summary } from './report.js';
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
  met: boolean | undefined;
}

function find(summaries: Summary[], workload: WorkloadName, system: string): Summary | undefined {
  return summaries.find((s) => s.workload === workload && s.system === system);
}

/** `goal` undefined: a ratio worth watching that has no target. */
function ratio(
  summaries: Summary[],
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
  return { target: label, measured: `${r.toFixed(2)}×`, perCpu: `${e.toFixed(2)}×`, met: goal === undefined ? undefined : r >= goal };
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
export function checkTargets(summaries: Summary[]): TargetCheck[] {
  return [
    ratio(summaries, 'pairs', 'mwse-uws', 'uws-json', 0.8, 'pairs: mwse-uws ≥ 0.8× uws-json (bare uWS JSON batched)'),
    ratio(summaries, 'pairs', 'mwse-uws-bin', 'uws-prefix', 0.8, 'pairs: mwse-uws-bin ≥ 0.8× uws-prefix (bare uWS header-routed batched)'),
    ratio(summaries, 'pairs', 'mwse-uws', 'socket.io', 4, 'pairs: mwse-uws (JSON) ≥ 4× socket.io'),
    ratio(summaries, 'pairs', 'mwse-uws-bin', 'socket.io', 4, 'pairs: mwse-uws-bin (binary, the SDK default) ≥ 4× socket.io'),
    ratio(summaries, 'room150', 'mwse-uws', 'socket.io', 10, 'room of 150: mwse-uws (JSON) ≥ 10× socket.io'),
    ratio(summaries, 'room150', 'mwse-uws-bin', 'socket.io', 10, 'room of 150: mwse-uws-bin (binary) ≥ 10× socket.io'),
    ratio(summaries, 'pairs', 'mwse-ws', 'ws-json-batch', 0.85, 'pairs: mwse-ws ≥ 0.85× ws-json-batch (bare ws, batched and corked: the same work)'),
    ratio(summaries, 'pairs', 'mwse-ws', 'ws-json', 0.85, 'pairs: mwse-ws ≥ 0.85× ws-json (bare ws, send per message)'),
    // Sessions (docs/sessions.md): what keeping frames for resume costs the relay, same run.
    ratio(summaries, 'pairs', 'mwse-uws-resume', 'mwse-uws', 0.95, 'pairs: mwse-uws-resume (sessions kept) ≥ 0.95× mwse-uws'),
    ratio(summaries, 'pairs', 'mwse-uws-bin-resume', 'mwse-uws-bin', 0.95, 'pairs: mwse-uws-bin-resume ≥ 0.95× mwse-uws-bin'),
    ratio(summaries, 'room150', 'mwse-uws-bin-resume', 'mwse-uws-bin', 0.95, 'room of 150: mwse-uws-bin-resume ≥ 0.95× mwse-uws-bin'),
    peakRss(summaries, 'mwse-uws'),
    peakRss(summaries, 'mwse-uws-bin'),
    // The default transport. On ws, the ws library alone holds more than 5 KB per connection.
    idleKb(summaries, 'mwse-uws', 'uws-json', true),
    idleKb(summaries, 'mwse-ws', 'ws-json', false),
  ];
}

export function targetTable(checks: TargetCheck[]): string {
  return [
    '| target | measured (msg/s) | per server CPU-s | met |',
    '| --- | --: | --: | --- |',
    ...checks.map(
      (c) => `| ${c.target} | ${c.measured} | ${c.perCpu ?? '—'} | ${c.met === undefined ? '—' : c.met ? 'yes' : 'no'} |`,
    ),
  ].join('\n');
}
