import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baselineTwin, buildBaseline } from './baseline.js';
import { canPin, pinSelf } from './cpuPinning.js';
import { clusterEngine, clusterSpike } from './cluster/spike.js';
import { clusterIdle } from './cluster/clusterIdle.js';
import { nodeFootprint } from './cluster/nodeFootprint.js';
import { footprint } from './footprint.js';
import { checkFileLimit } from './generator/connectionLimits.js';
import { WORKLOADS, parseOptions } from './options.js';
import { profileSystem } from './profile/profileSystem.js';
import { markdownTables, summarize, type RunRecord } from './report.js';
import { runOnce, runTogether, type RunSetup } from './runOnce.js';
import { SYSTEMS, type System } from './systems.js';
import { checkTargets, targetTable } from './targets.js';
import { CONTENDED } from './workloads/measure.js';

/**
 * `pnpm bench`: every selected system under every selected workload, in rounds. Each round
 * runs every system once (in a rotated order, so no system always runs first or last); each run
 * gets a fresh server process. Medians over the rounds are printed as markdown and saved as JSON.
 * Every process involved stops by itself: servers exit when this process goes or their lifetime
 * runs out, and the workloads' loops end with their measuring window.
 */
const here = dirname(fileURLToPath(import.meta.url));
const benchDir = resolve(here, '..');
const resultsDir = join(benchDir, 'results');
const serverFile = (s: System) => join(here, 'servers', `${s.server}.js`);

const options = parseOptions(process.argv.slice(2));
// Read before pinning: once pinned, this process sees one CPU.
const nproc = availableParallelism();
const pinned = canPin(nproc);
if (pinned) pinSelf(0);
const serverCpu = pinned ? 1 : undefined;
const maxLifetimeMs = (options.warmup + options.duration) * 1000 + 60_000;
/** The commit measured, and whether the engine's sources differed from it. */
function revision(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: benchDir, encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--', '../packages', '../apps') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' + uncommitted changes in packages/ or apps/' : ''}`;
  } catch {
    return 'unknown';
  }
}

const machine = {
  revision: revision(),
  nproc,
  cpu: cpus()[0]?.model ?? 'unknown',
  node: process.version,
  pinned: pinned ? 'generator on CPU 0, server on CPU 1 (taskset)' : 'not pinned (no taskset or one CPU)',
};
console.log(`machine: ${machine.nproc} CPUs (${machine.cpu}), node ${machine.node}, ${machine.pinned}`);
console.log(`revision: ${machine.revision}`);
mkdirSync(resultsDir, { recursive: true });

if (options.clusterEngine) {
  console.log('cluster engine: processes not pinned (nodes, Redis and the generator share the CPUs)');
  await clusterEngine(options);
  process.exit(0);
}

if (options.clusterSpike) {
  console.log('cluster spike: processes not pinned (nodes, Redis and the generator share the CPUs)');
  await clusterSpike(options);
  process.exit(0);
}

if (options.clusterIdle) {
  await clusterIdle(options);
  process.exit(0);
}

if (options.nodeFootprint) {
  console.log(await nodeFootprint(benchDir));
  process.exit(0);
}

if (options.footprint) {
  console.log(await footprint(benchDir, options.serverFlags));
  process.exit(0);
}

if (options.profile) {
  const chosen = options.only.length === SYSTEMS.length ? ['mwse-uws'] : options.only;
  // Pairs unless --workloads names another closed-loop workload (idle and requests say little
  // about where the CPU goes).
  const named = options.workloads.length < WORKLOADS.length;
  const workload = named ? options.workloads.find((w) => w !== 'idle' && w !== 'requests') : undefined;
  for (const system of SYSTEMS.filter((s) => chosen.includes(s.name))) {
    console.log(await profileSystem(system, serverFile(system), options, resultsDir, serverCpu, workload ?? 'pairs'));
  }
  process.exit(0);
}

// Thousands of sockets need as many file descriptors: say so once and run the rest, rather than
// fail every idle run.
if (options.workloads.includes('idle')) {
  try {
    checkFileLimit(options.idleConnections);
  } catch (error) {
    console.log(`skipping the idle workload: ${(error as Error).message}`);
    options.workloads = options.workloads.filter((w) => w !== 'idle');
  }
}

// Each MWSE system chosen, twice: as the workspace builds it and as the baseline commit did.
const systemsUnderTest: System[] = SYSTEMS.filter((s) => options.only.includes(s.name));
if (options.baseline) {
  const baseline = buildBaseline(options.baseline, resolve(benchDir, '..'));
  console.log(`baseline: ${baseline.commit} (${baseline.engine})`);
  for (const system of [...systemsUnderTest]) if (system.server === 'mwseEngine') systemsUnderTest.push(baselineTwin(system, baseline));
}

const setup: RunSetup = { options, serverFile, serverCpu, maxLifetimeMs };
/** Every attempt, kept in the JSON; the summaries use one per round. */
const attempts: RunRecord[] = [];
const runs: RunRecord[] = [];
const started = Date.now();
for (const workload of options.workloads) {
  const systems = systemsUnderTest.filter((s) => s.workloads.includes(workload));
  // Closed-loop workloads only: idle never reaches measure()'s gate, and the requests workload's
  // latencies would include the time the other servers hold the core. Those run one after the other.
  const together = options.together && (workload === 'pairs' || workload.startsWith('room')) && systems.length > 1;
  for (let round = 0; round < options.rounds; round++) {
    const order = systems.map((_, i) => systems[(i + round) % systems.length]!);
    if (together) {
      const records = await runTogether(setup, workload, order, round);
      attempts.push(...records);
      runs.push(...records);
      continue;
    }
    for (const system of order) {
      // Other work on the machine (a test suite) steals the server's or the generator's core:
      // run again, a bounded number of times, and keep the least disturbed attempt. Idle memory
      // does not depend on who else uses the CPU: never re-run for that.
      const tries: RunRecord[] = [];
      const retries = workload === 'idle' ? 0 : options.retries;
      for (let attempt = 0; attempt <= retries; attempt++) {
        const record = await runOnce(setup, workload, system, round, attempt);
        tries.push(record);
        if (!record.result || record.result.otherCpu <= CONTENDED) break;
      }
      attempts.push(...tries);
      const measured = tries.filter((r) => r.result);
      runs.push(
        measured.length
          ? measured.reduce((a, b) => (b.result!.otherCpu < a.result!.otherCpu ? b : a))
          : tries[tries.length - 1]!,
      );
    }
  }
}

const summaries = summarize(runs);
const targets = checkTargets(summaries, runs);
const tables = markdownTables(summaries);
console.log(`\n${tables}\n\n${targetTable(targets)}\n`);
const out = options.out ? resolve(options.out) : join(resultsDir, `${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
const json = JSON.stringify(
  { machine, options, seconds: (Date.now() - started) / 1000, summaries, targets, runs, attempts },
  null,
  2,
);
writeFileSync(out, json);
writeFileSync(join(resultsDir, 'latest.json'), json);
writeFileSync(join(resultsDir, 'latest.md'), `${tables}\n\n${targetTable(targets)}\n`);
console.log(`results: ${out} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
process.exit(0);
