import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The built CLI of `@mwse/server`: what `npx @mwse/server` runs, not the sources. */
const CLI_PATH = join(dirname(createRequire(import.meta.url).resolve('@mwse/server/package.json')), 'dist', 'cli.js');

const STARTUP = /^mwse-server \S+ listening on ws:\/\/127\.0\.0\.1:(\d+) \(transport: (uws|ws)\)$/m;

/**
 * `mwse-server` as a child process on an ephemeral port, with its output captured: a crash, a
 * stack trace or a memory leak in the server shows up here, not in the test runner.
 */
export class ServerProcess {
  private out = '';
  private err = '';
  readonly exited: Promise<number | string>;

  private constructor(
    readonly child: ChildProcessWithoutNullStreams,
    /** Filled once the start-up line is read. */
    public port = 0,
    public transport = '',
  ) {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (this.out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.err += chunk));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  }

  /** Start the CLI with `env` over a clean environment and wait for its start-up line. */
  static async start(env: Record<string, string>, timeout = 15_000): Promise<ServerProcess> {
    if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: build @mwse/server first`);
    const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(MWSE|BRIDGE)_/.test(name)));
    const child = spawn(process.execPath, [CLI_PATH], {
      // In memory: a fuzz run must not leave notifications for the next one in a database file.
      env: { ...clean, MWSE_HOST: '127.0.0.1', MWSE_PORT: '0', MWSE_STORE: 'memory', ...env },
    });
    const server = new ServerProcess(child);
    const deadline = Date.now() + timeout;
    for (;;) {
      const match = STARTUP.exec(server.out);
      if (match) {
        server.port = Number(match[1]);
        server.transport = match[2]!;
        return server;
      }
      if (!server.alive() || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`mwse-server did not start; stdout: ${server.out}; stderr: ${server.err}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  stdout(): string {
    return this.out;
  }

  stderr(): string {
    return this.err;
  }

  alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resident memory of the process in bytes, from /proc (Linux); undefined elsewhere or once gone. */
  rss(): number | undefined {
    try {
      const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
      return kb === undefined ? undefined : Number(kb) * 1024;
    } catch {
      return undefined;
    }
  }

  /** Stop the process (SIGKILL: the suite has read all it needs). */
  async stop(): Promise<void> {
    if (this.alive()) this.child.kill('SIGKILL');
    await this.exited;
  }
}
