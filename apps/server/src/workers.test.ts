import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { redisMissing, startRedis, type TestRedis } from '@mwse/testkit/redis';
import { spawnCli, type CliProcess } from './testing/spawnCli.js';

const TRANSPORTS = ['uws', 'ws'] as const;
const WORKERS_LINE = /^mwse-server \S+ listening on ws:\/\/127\.0\.0\.1:(\d+) \(transport: (uws|ws), cluster nodes (.+), (\d+) workers\)$/;

interface LogLine {
  level: number;
  msg: string;
  node?: string;
  peer?: string;
  worker?: number;
  pid?: number;
}

/** The JSON lines of `stderr` (workers and primary share it). */
function logLines(stderr: string): LogLine[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

/** Poll `check` every 50 ms for up to `ms`; the last value it returned, once truthy. */
async function eventually<T>(check: () => T | undefined | false, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A fresh TCP connection and WebSocket; resolves with the socket id of the server's hello. */
function hello(port: number, sockets: WebSocket[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/`);
    sockets.push(socket);
    const timer = setTimeout(() => reject(new Error('no hello within 10 s')), 10_000);
    socket.once('message', (data) => {
      clearTimeout(timer);
      const frame = JSON.parse(String(data)) as { type: string; socketId: string };
      if (frame.type === 'hello') resolve(frame.socketId);
      else reject(new Error(`first frame was ${frame.type}`));
    });
    socket.once('error', reject);
  });
}

/** True while a process with this pid exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether an exclusive listener can bind `port` now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host: '127.0.0.1', port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

describe.skipIf(redisMissing())('mwse-server --workers', () => {
  let redis: TestRedis;
  const running: CliProcess[] = [];
  const sockets: WebSocket[] = [];
  const start = (env: Record<string, string>, args: string[] = []): CliProcess => {
    const cli = spawnCli(
      { MWSE_HOST: '127.0.0.1', MWSE_PORT: '0', MWSE_STORE: 'redis', MWSE_REDIS_URL: redis.url, MWSE_LOG_FORMAT: 'json', ...env },
      args,
    );
    running.push(cli);
    return cli;
  };
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.terminate();
    for (const cli of running.splice(0)) {
      cli.child.kill('SIGKILL');
      await cli.exited;
    }
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it.each(TRANSPORTS)(
    'over %s: N workers on one port each serve connections, a killed one is started again, and all stop together on SIGTERM',
    async (transport) => {
      const cli = start({ MWSE_TRANSPORT: transport, MWSE_NODE_ID: 'box', MWSE_LOG_LEVEL: 'debug' }, ['--workers', '3']);
      const [, portText, shown, nodes, count] = await cli.line(WORKERS_LINE);
      const port = Number(portText);
      expect(shown).toBe(transport);
      expect(count).toBe('3');
      expect(nodes!.split(' ')).toEqual(['box-w1', 'box-w2', 'box-w3']);

      // Each socket is its own TCP connection; the kernel (uWS, SO_REUSEPORT) or the primary (ws,
      // node:cluster round-robin) hands it to one worker, whose log line names it.
      const served = async (n: number): Promise<Map<string, string>> => {
        const ids = await Promise.all(Array.from({ length: n }, () => hello(port, sockets)));
        return eventually(
          () => {
            const byPeer = new Map(logLines(cli.stderr()).filter((l) => l.msg === 'connected').map((l) => [l.peer!, l.node!]));
            return ids.every((id) => byPeer.has(id)) && new Map(ids.map((id) => [id, byPeer.get(id)!]));
          },
          10_000,
          'the workers to log every connection',
        );
      };
      const first = await served(12);
      expect(new Set(first.values()).size).toBeGreaterThanOrEqual(2);
      for (const node of first.values()) expect(['box-w1', 'box-w2', 'box-w3']).toContain(node);

      const listening = (): LogLine[] => logLines(cli.stderr()).filter((l) => l.msg === 'worker listening');
      const pids = listening().map((l) => l.pid!);
      expect(pids).toHaveLength(3);
      const victim = listening().find((l) => l.worker === 2)!;
      process.kill(victim.pid!, 'SIGKILL');
      const restarted = await eventually(() => listening().find((l) => l.node === 'box-w2.1'), 15_000, 'worker 2 to start again');
      expect(restarted.worker).toBe(2);
      expect(restarted.pid).not.toBe(victim.pid);
      expect(logLines(cli.stderr()).some((l) => l.msg.startsWith('worker exited; starting it again') && l.worker === 2)).toBe(true);
      const second = await served(12);
      for (const node of second.values()) expect(['box-w1', 'box-w2.1', 'box-w3']).toContain(node);
      // Dying again soon after it started: the next restart waits twice as long.
      process.kill(restarted.pid!, 'SIGKILL');
      const again = await eventually(() => listening().find((l) => l.node === 'box-w2.2'), 15_000, 'worker 2 to start a third time');
      const delays = logLines(cli.stderr())
        .filter((l) => l.msg.startsWith('worker exited; starting it again') && l.worker === 2)
        .map((l) => (l as LogLine & { delay: number }).delay);
      expect(delays).toEqual([1000, 2000]);

      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(0);
      for (const pid of [...pids, restarted.pid!, again.pid!]) await eventually(() => !alive(pid), 5000, `worker ${pid} to exit`);
      await eventually(() => portFree(port), 5000, 'the port to be free');
    },
    60_000,
  );

  it('a server outside the cluster, or a cluster node not asking to share, fails on the workers\' port with EADDRINUSE', async () => {
    const cli = start({ MWSE_TRANSPORT: 'uws' }, ['--workers', '2']);
    const port = (await cli.line(WORKERS_LINE))[1]!;
    const single = spawnCli({ MWSE_HOST: '127.0.0.1', MWSE_PORT: port });
    expect(await single.exited).toBe(1);
    expect(single.stderr()).toContain(`cannot listen on 127.0.0.1:${port}: the port is already in use`);
    const node = start({ MWSE_PORT: port, MWSE_TRANSPORT: 'uws' });
    expect(await node.exited).toBe(1);
    expect(node.stderr()).toContain('the port is already in use');
  });

  it('MWSE_REUSE_PORT=1 lets a separate cluster node join the port (uWebSockets.js)', async () => {
    const cli = start({ MWSE_TRANSPORT: 'uws' }, ['--workers', '2']);
    const port = (await cli.line(WORKERS_LINE))[1]!;
    const node = start({ MWSE_PORT: port, MWSE_TRANSPORT: 'uws', MWSE_REUSE_PORT: '1', MWSE_NODE_ID: 'joined' });
    await node.line(new RegExp(`listening on ws://127\\.0\\.0\\.1:${port} \\(transport: uws, cluster node joined\\)$`));
  });

  it('refuses MWSE_REUSE_PORT over ws on Node 20 outside --workers, naming the reason', async () => {
    const node = start({ MWSE_TRANSPORT: 'ws', MWSE_REUSE_PORT: '1' });
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
    if (major > 22 || (major === 22 && minor >= 12)) {
      await node.line(/cluster node/);
      return;
    }
    expect(await node.exited).toBe(1);
    expect(node.stderr()).toMatch(/reusePort needs uWebSockets\.js on Node 20/);
  });

  it('stops every worker and exits 1 when one cannot start (the port is taken)', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen({ host: '127.0.0.1', port: 0, exclusive: true }, resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const cli = start({ MWSE_PORT: String(port) }, ['--workers', '2']);
      expect(await cli.exited).toBe(1);
      expect(cli.stderr()).toContain('the port is already in use');
      expect(logLines(cli.stderr()).some((l) => l.msg === 'worker exited before it listened; stopping the others')).toBe(true);
      expect(cli.stdout()).not.toMatch(/listening on/);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('refuses --workers without cluster mode, naming MWSE_WORKERS', async () => {
    const cli = spawnCli({ MWSE_HOST: '127.0.0.1', MWSE_PORT: '0' }, ['--workers', '2']);
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toContain('MWSE_WORKERS: more than 1 needs cluster mode (set MWSE_REDIS_URL)');
  });
});
