import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.js';

/** Debian's redis-server, or the one at REDIS_SERVER. */
export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

/**
 * True when suites that need Redis may skip: redis-server is missing and this is not CI (where
 * .ci/run installs it, so a missing binary must fail rather than pass silently).
 */
export function redisMissing() {
  return !existsSync(REDIS_SERVER) && !process.env.CI;
}

/** One PING over a fresh socket: resolves true on +PONG, false on refusal or anything else. */
function ping(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/**
 * Start a redis-server of the caller's own on a free loopback port, its files in a temp dir
 * (never the machine's shared Redis). `restart()` stops it and starts it again on the same port
 * and dir, so an AOF is replayed; `kill()` is SIGKILL (what a crash looks like).
 * @param {{ appendonly?: boolean, dir?: string, args?: string[] }} [options] AOF on by default
 *   (everysec); `args` are further redis-server arguments (e.g. `['--rename-command', 'CONFIG', '']`).
 */
export async function startRedis(options = {}) {
  const appendonly = options.appendonly ?? true;
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'mwse-redis-'));
  const port = await freePort();
  let child;
  let exited;

  async function launch() {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', appendonly ? 'yes' : 'no', '--dir', dir, ...(options.args ?? [])];
    child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    exited = new Promise((resolve) => child.once('exit', resolve));
    let gone = false;
    void exited.then(() => (gone = true));
    // Bounded: 100 tries × ≤ 50 ms apart.
    for (let i = 0; i < 100; i++) {
      if (gone) throw new Error(`redis-server exited at start: ${stderr}`);
      if (await ping(port)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGKILL');
    throw new Error(`redis-server did not answer on port ${port}`);
  }

  async function halt(signal) {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  }

  await launch();
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    dir,
    get pid() {
      return child.pid;
    },
    async restart() {
      await halt('SIGTERM');
      await launch();
    },
    async kill() {
      await halt('SIGKILL');
    },
    async stop() {
      await halt('SIGTERM');
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
