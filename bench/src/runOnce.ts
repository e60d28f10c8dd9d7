import type { BenchOptions } from './options.js';
import type { RunRecord } from './report.js';
import { ServerProcess } from './ServerProcess.js';
import type { System, WorkloadName } from './systems.js';
import type { Measurement } from './workloads/measure.js';
import { SERVER_NEEDS, WORKLOADS } from './workloads/index.js';

export interface RunSetup {
  options: BenchOptions;
  serverFile: (system: System) => string;
  /** CPU the server is pinned to, if pinning is possible. */
  serverCpu: number | undefined;
  maxLifetimeMs: number;
}

function describe(m: Measurement): string {
  if (m.idle) {
    const i = m.idle;
    return (
      `${i.connections} idle: rss ${i.rssZeroMB.toFixed(0)} → ${i.rssHalfMB.toFixed(0)} → ${i.rssFullMB.toFixed(0)} MB` +
      ` (${i.rssFullBeforeGcMB.toFixed(0)} before GC)  ${i.kbPerConnection.toFixed(2)} KB/conn` +
      `  marginal ${i.marginalKbPerConnection.toFixed(2)}  heap ${i.heapKbPerConnection.toFixed(2)}` +
      `  ${(m.msgPerSec / 1000).toFixed(1)}k handshakes/s  server ${(m.serverCpu * 100).toFixed(0)}%` +
      `  others ${(m.otherCpu * 100).toFixed(0)}%  generator rss ${i.generatorRssMB.toFixed(0)} MB` +
      (m.valid ? '' : `  INVALID: ${m.note}`)
    );
  }
  const lat = m.latency ? `  p50 ${m.latency.p50.toFixed(2)} ms  p99 ${m.latency.p99.toFixed(2)} ms` : '';
  return (
    `${(m.msgPerSec / 1000).toFixed(1).padStart(7)}k/s  server ${(m.serverCpu * 100).toFixed(0)}%` +
    `  generator ${(m.generatorCpu * 100).toFixed(0)}%  others ${(m.otherCpu * 100).toFixed(0)}%` +
    `  rss ${m.startRssMB.toFixed(0)}/${m.rssMB.toFixed(0)}/${m.peakRssMB.toFixed(0)} MB` +
    (m.rssAnonMB === undefined ? '' : ` (anon ${m.rssAnonMB.toFixed(0)}, file ${m.rssFileMB!.toFixed(0)})`) +
    (m.node ? `  heap ${m.node.heapUsed.toFixed(0)}/${m.node.heapTotal.toFixed(0)} MB, young ${m.node.young.toFixed(0)}` : '') +
    lat +
    (m.kernel ? `  ${kernelLine(m)}` : '') +
    (m.instructions !== undefined && m.delivered > 0 ? `  instructions/msg ${(m.instructions / m.delivered).toFixed(0)}` : '') +
    (m.acks && m.delivered > 0
      ? `  acks/1k msg ${((m.acks.sent * 1000) / m.delivered).toFixed(2)} sent, ${((m.acks.received * 1000) / m.delivered).toFixed(2)} from the server`
      : '') +
    (m.valid ? '' : `  INVALID: ${m.note}`)
  );
}

/**
 * The server's CPU per delivered message split into user and system time (ns), its minor page
 * faults per 1,000 messages, and context switches per second (waited + preempted).
 */
function kernelLine(m: Measurement): string {
  const k = m.kernel!;
  const ns = (s: number) => (m.delivered > 0 ? ((s * 1e9) / m.delivered).toFixed(0) : '—');
  return (
    `ns/msg usr ${ns(k.user)} sys ${ns(k.system)}  faults/1k msg ${m.delivered > 0 ? ((k.minorFaults * 1000) / m.delivered).toFixed(2) : '—'}` +
    `  ctxsw ${(k.voluntary / m.seconds).toFixed(0)}+${(k.involuntary / m.seconds).toFixed(0)}/s`
  );
}

/** One run: a fresh server process, one workload against it, the server stopped. Never throws. */
export async function runOnce(
  setup: RunSetup,
  workload: WorkloadName,
  system: System,
  round: number,
  attempt: number,
): Promise<RunRecord> {
  const record: RunRecord = { workload, system: system.name, round, attempt };
  const label = `${workload.padEnd(8)} round ${round + 1}${attempt ? ` retry ${attempt}` : ''}  ${system.name.padEnd(10)}`;
  let server: ServerProcess | undefined;
  try {
    const needs = SERVER_NEEDS[workload];
    server = await ServerProcess.start({
      file: setup.serverFile(system),
      args: system.args,
      nodeFlags: [...setup.options.serverFlags, ...(needs?.nodeFlags ?? [])],
      cpu: setup.serverCpu,
      maxLifetimeMs: Math.max(setup.maxLifetimeMs, needs?.maxLifetimeMs ?? 0),
      ...(system.env ? { env: system.env } : {}),
    });
    record.result = await WORKLOADS[workload]({ server, dialect: system.dialect, options: setup.options });
    console.log(`${label} ${describe(record.result)}`);
  } catch (error) {
    record.error = error instanceof Error ? error.message : String(error);
    console.log(`${label} FAILED: ${record.error}`);
  } finally {
    await server?.stop();
  }
  return record;
}
