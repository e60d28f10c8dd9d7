import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built CLI: these tests run what `npx @mwse/server` runs, not the sources. */
export const CLI_PATH = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** A running `mwse-server` child process. */
export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  exited: Promise<number | string>;
  /** Resolves with the first stdout line matching `pattern`; rejects if the process exits first. */
  line(pattern: RegExp): Promise<RegExpMatchArray>;
}

/**
 * Start `node dist/cli.js` with `env` added to a clean environment, in `cwd`. The store is memory
 * unless `env` names one, so tests write no database into the working folder.
 */
export function spawnCli(env: Record<string, string>, args: string[] = [], cwd?: string): CliProcess {
  if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: build @mwse/server first`);
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(MWSE|BRIDGE)_/.test(name)));
  const child = spawn(process.execPath, [CLI_PATH, ...args], { env: { ...clean, MWSE_STORE: 'memory', ...env }, cwd });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const line = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        // Only whole lines: a line can arrive in several chunks.
        for (const text of out.split('\n').slice(0, -1)) {
          const match = pattern.exec(text);
          if (match) return resolve(match);
        }
      };
      child.stdout.on('data', check);
      check();
      void exited.then(() => {
        check();
        reject(new Error(`exited before printing ${pattern}; stdout: ${out}; stderr: ${err}`));
      });
    });
  return { child, stdout: () => out, stderr: () => err, exited, line };
}
