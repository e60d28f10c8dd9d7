import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchOptions } from '../options.js';
import { ServerProcess } from '../ServerProcess.js';
import type { System, WorkloadName } from '../systems.js';
import { WORKLOADS } from '../workloads/index.js';
import { profileMarkdown, summarizeProfile } from './summarizeProfile.js';

/**
 * Run one workload (pairs by default) once against `system` started under `node --cpu-prof`,
 * then rank the server's functions by self time. The raw profile stays in results/profiles/ (gitignored:
 * open it in Chrome DevTools → Performance → Load profile); the summary is printed and saved.
 */
export async function profileSystem(
  system: System,
  file: string,
  options: BenchOptions,
  resultsDir: string,
  cpu: number | undefined,
  workload: WorkloadName = 'pairs',
): Promise<string> {
  // Time first, so that sorting the names sorts the runs.
  const dir = join(resultsDir, 'profiles', `${Date.now()}-${system.name}`);
  mkdirSync(dir, { recursive: true });
  const server = await ServerProcess.start({
    file,
    args: system.args,
    nodeFlags: [...options.serverFlags, '--cpu-prof', `--cpu-prof-dir=${dir}`],
    cpu,
    maxLifetimeMs: (options.warmup + options.duration) * 1000 + 60_000,
  });
  let measured;
  try {
    measured = await WORKLOADS[workload]({ server, dialect: system.dialect, options });
  } finally {
    await server.stop(10_000);
  }
  const name = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!name) throw new Error(`no .cpuprofile written in ${dir}`);
  const summary = summarizeProfile(JSON.parse(readFileSync(join(dir, name), 'utf8')));
  const md =
    `Profile of ${system.name} under the ${workload} workload (${options.connections} connections, ` +
    `window ${options.window}, ${(measured.msgPerSec / 1000).toFixed(0)}k msg/s while profiled; ` +
    `${(summary.totalMs / 1000).toFixed(1)} s of samples incl. set-up)\n\n${profileMarkdown(summary)}\n`;
  writeFileSync(join(dir, 'summary.md'), md);
  // Keep only the newest few profiles, so the folder does not grow with every run.
  const all = readdirSync(join(resultsDir, 'profiles')).filter((d) => /^\d+-/.test(d)).sort();
  for (const old of all.slice(0, Math.max(0, all.length - 3))) rmSync(join(resultsDir, 'profiles', old), { recursive: true });
  return `${md}\nraw profile: ${join(dir, name)}`;
}
