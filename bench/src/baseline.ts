import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { System } from './systems.js';

/**
 * `--baseline <git-ref>`: the engine as it was at another commit, built once into
 * `.cache/bench-baseline/<commit>` (a `git archive` of that commit, installed from pnpm's store
 * and built there), so a change is measured against what it replaced in the same run: each MWSE
 * system gets a twin, `<name>@<commit>`, whose server process imports that build instead of the
 * workspace's `@mwse/engine`.
 */
export function buildBaseline(ref: string, repoDir: string): { commit: string; engine: string } {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repoDir, encoding: 'utf8' }).trim();
  const commit = git('rev-parse', '--short', `${ref}^{commit}`);
  const dir = resolve(repoDir, '.cache', 'bench-baseline', commit);
  const engine = join(dir, 'packages', 'engine', 'dist', 'index.js');
  if (existsSync(engine)) return { commit, engine };
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  console.log(`baseline: building the engine at ${commit} in ${dir}`);
  execFileSync('sh', ['-c', `git -C "${repoDir}" archive ${commit} | tar -x -C "${dir}"`], { stdio: 'inherit' });
  const run = (command: string, args: string[]) => execFileSync(command, args, { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  run('pnpm', ['install', '--frozen-lockfile', '--prefer-offline', '--filter', '@mwse/engine...']);
  run('pnpm', ['--filter', '@mwse/engine...', 'run', 'build']);
  if (!existsSync(engine)) throw new Error(`baseline: the build at ${commit} made no ${engine}`);
  return { commit, engine };
}

/** The twin of an MWSE system that runs the baseline engine. */
export function baselineTwin(system: System, baseline: { commit: string; engine: string }): System {
  return {
    ...system,
    name: `${system.name}@${baseline.commit}`,
    env: { MWSE_BENCH_ENGINE: baseline.engine },
    about: `${system.name} with the engine built at ${baseline.commit}`,
  };
}
