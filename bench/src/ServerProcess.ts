import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { processCpuSeconds, processMemoryMB } from './procStats.js';

export interface ServerLaunch {
  /** Compiled server file (dist/servers/*.js). */
  file: string;
  args?: string[];
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeFlags?: string[];
  /** Run under `taskset -c <cpu>`; undefined = not pinned. */
  cpu?: number;
  /** The server exits by itself after this long, whatever happens to the generator. */
  maxLifetimeMs: number;
  /** More environment for the server process. */
  env?: Record<string, string>;
}

/** `process.memoryUsage()` as the server reports it, in MB, and whether it ran a full GC first. */
export interface NodeMemory {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** V8's young generation (new space), committed: it grows with the allocation rate. */
  young: number;
  afterGc: boolean;
}

/**
 * One benchmark server in its own process. Its CPU and memory are read from /proc, so the
 * server needs no cooperation and pays nothing for being measured.
 */
export class ServerProcess {
  private exited: Promise<void>;
  /** RSS right after the server said it was ready, before any connection (MB). */
  readonly startRssMB: number;

  /** Waiting for the server's answer to `memory` (one question at a time). */
  private memoryAnswer: ((memory: NodeMemory) => void) | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    lines: Interface,
  ) {
    this.startRssMB = processMemoryMB(child.pid!).rss;
    lines.on('line', (line) => {
      if (!line.startsWith('{"memory"')) return;
      const { memory, gc } = JSON.parse(line) as { memory: Record<keyof NodeMemory, number>; gc: boolean };
      const mb = (bytes: number) => bytes / (1024 * 1024);
      this.memoryAnswer?.({
        rss: mb(memory.rss),
        heapTotal: mb(memory.heapTotal),
        heapUsed: mb(memory.heapUsed),
        external: mb(memory.external),
        arrayBuffers: mb(memory.arrayBuffers),
        young: mb(memory.young),
        afterGc: gc,
      });
      this.memoryAnswer = undefined;
    });
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
  }

  static async start(launch: ServerLaunch): Promise<ServerProcess> {
    const node = [...(launch.nodeFlags ?? []), launch.file, ...(launch.args ?? [])];
    // BENCH_SERVER_WRAP: a command line the server runs under, e.g. valgrind (see --callgrind).
    const wrap = process.env.BENCH_SERVER_WRAP?.split(' ').filter(Boolean) ?? [];
    const [command, args] =
      launch.cpu === undefined
        ? [wrap[0] ?? process.execPath, [...wrap.slice(1), ...(wrap.length ? [process.execPath] : []), ...node]]
        : ['taskset', ['-c', String(launch.cpu), ...wrap, process.execPath, ...node]];
    const child = spawn(command, args, {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, ...launch.env, BENCH_MAX_LIFETIME_MS: String(launch.maxLifetimeMs) },
    });
    const lines = createInterface({ input: child.stdout! });
    const port = await new Promise<number>((resolve, reject) => {
      const startMs = wrap.length ? 300_000 : 10_000;
      const timer = setTimeout(() => reject(new Error(`${launch.file} did not start in ${startMs / 1000} s`)), startMs);
      child.once('exit', (code) => reject(new Error(`${launch.file} exited (${code}) before it was ready`)));
      lines.on('line', (line) => {
        try {
          const msg = JSON.parse(line) as { ready?: boolean; port?: number };
          if (msg.ready && msg.port) {
            clearTimeout(timer);
            resolve(msg.port);
          }
        } catch {
          process.stderr.write(`[server] ${line}\n`);
        }
      });
    });
    return new ServerProcess(child, port, lines);
  }

  /** Write one line on the server's stdin (a command its `serve` or its own reader knows). */
  command(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  get pid(): number {
    return this.child.pid!;
  }

  cpuSeconds(): number {
    return processCpuSeconds(this.pid);
  }

  memoryMB(): ReturnType<typeof processMemoryMB> {
    return processMemoryMB(this.pid);
  }

  /**
   * The server's own view of its memory (`process.memoryUsage()` and the young generation):
   * after a full GC when it was started with `--expose-gc`, as it stands otherwise (e.g. under
   * load). Rejects when the server does not answer within `timeoutMs`.
   */
  nodeMemory(timeoutMs = 10_000): Promise<NodeMemory> {
    if (this.memoryAnswer) return Promise.reject(new Error('a memory question is already pending'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.memoryAnswer = undefined;
        reject(new Error(`server did not report its memory in ${timeoutMs} ms`));
      }, timeoutMs);
      this.memoryAnswer = (memory) => {
        clearTimeout(timer);
        resolve(memory);
      };
      this.child.stdin!.write('memory\n');
    });
  }

  /** Ask the server to exit (stdin closes), and kill it if it has not within `graceMs`. */
  async stop(graceMs = 3000): Promise<void> {
    this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}
