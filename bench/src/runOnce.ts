import type { BenchOptions } from './options.js';
import type { RunRecord } from './report.js';
import { ServerProcess } from './ServerProcess.js';
import type { System, WorkloadName } from './systems.js';
import { generatorNote, measureGate, type Measurement } from './workloads/measure.js';
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
  const label = labelOf(workload, system, round, attempt);
  let server: ServerProcess | undefined;
  try {
    server = await startServer(setup, workload, system);
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

function labelOf(workload: WorkloadName, system: System, round: number, attempt: number): string {
  return `${workload.padEnd(8)} round ${round + 1}${attempt ? ` retry ${attempt}` : ''}  ${system.name.padEnd(10)}`;
}

function startServer(setup: RunSetup, workload: WorkloadName, system: System): Promise<ServerProcess> {
  const needs = SERVER_NEEDS[workload];
  return ServerProcess.start({
    file: setup.serverFile(system),
    args: system.args,
    nodeFlags: [...setup.options.serverFlags, ...(needs?.nodeFlags ?? [])],
    cpu: setup.serverCpu,
    maxLifetimeMs: Math.max(setup.maxLifetimeMs, needs?.maxLifetimeMs ?? 0),
    ...(system.env ? { env: system.env } : {}),
  });
}

/**
 * One run of every system in `systems` at the same time (`--together`): a server each, all on
 * the server's CPU, one workload each from this process, their warm-ups and windows started
 * together. Whatever the machine does during the window, it does to all of them, so the ratio
 * of their messages per server CPU-second is taken under the same conditions. Per system, the
 * other servers' CPU is left out of "other load", and the generator (which serves them all) is
 * checked against the servers' CPU together. Session acks are counted for the process, not per
 * system, so they are left out. Never throws.
 */
export async function runTogether(
  setup: RunSetup,
  workload: WorkloadName,
  systems: System[],
  round: number,
): Promise<RunRecord[]> {
  const records: RunRecord[] = systems.map((system) => ({ workload, system: system.name, round, attempt: 0 }));
  const servers: ServerProcess[] = [];
  let arrived = 0;
  let open: () => void = () => {};
  const gate = new Promise<void>((resolve) => (open = resolve));
  measureGate.wait = () => {
    if (++arrived === systems.length) open();
    return gate;
  };
  try {
    for (const system of systems) servers.push(await startServer(setup, workload, system));
    const results = await Promise.allSettled(
      systems.map((system, i) =>
        WORKLOADS[workload]({ server: servers[i]!, dialect: system.dialect, options: setup.options }).catch((error: unknown) => {
          // Failed before its window, it would hold the others at the gate for ever.
          open();
          throw error;
        }),
      ),
    );
    const measured = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const serversCpu = measured.reduce((sum, m) => sum + m.serverCpu, 0);
    results.forEach((result, i) => {
      const record = records[i]!;
      const label = labelOf(workload, systems[i]!, round, 0);
      if (result.status === 'rejected') {
        record.error = result.reason instanceof Error ? result.reason.message : String(result.reason);
        console.log(`${label} FAILED: ${record.error}`);
        return;
      }
      const m = result.value;
      m.otherCpu = Math.max(0, m.otherCpu - (serversCpu - m.serverCpu));
      delete m.acks;
      m.note = generatorNote(m.generatorCpu, serversCpu, 'the servers');
      m.valid = m.note === undefined;
      record.result = m;
      console.log(`${label} ${describe(m)}  (together)`);
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    for (const record of records) record.error ??= message;
    console.log(`${workload.padEnd(8)} round ${round + 1}  FAILED together: ${message}`);
  } finally {
    measureGate.wait = undefined;
    await Promise.all(servers.map((server) => server.stop()));
  }
  return records;
}
