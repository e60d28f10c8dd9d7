import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { redisMissing, startRedis, type TestRedis } from '@mwse/testkit/redis';
import { checkRedisPersistence } from './redisPersistence.js';
import { spawnCli, type CliProcess } from './testing/spawnCli.js';

const STARTED = /listening on ws:\/\/127\.0\.0\.1:\d+ \(transport: (uws|ws), cluster node (\S+)\)$/;

/** `mwse-server` in cluster mode on `redis` (the store on it too, as cluster mode requires). */
function cluster(redis: TestRedis, env: Record<string, string> = {}): CliProcess {
  return spawnCli({ MWSE_HOST: '127.0.0.1', MWSE_PORT: '0', MWSE_STORE: 'redis', MWSE_REDIS_URL: redis.url, MWSE_LOG_FORMAT: 'json', ...env });
}

/** Wait for the start line, then stop the server; gives its stderr. */
async function startsThenStops(cli: CliProcess): Promise<{ line: RegExpMatchArray; stderr: string }> {
  try {
    const line = await cli.line(STARTED);
    return { line, stderr: cli.stderr() };
  } finally {
    cli.child.kill('SIGTERM');
    await cli.exited;
  }
}

/** The JSON log lines of level warn (40) in `stderr`. */
function warnings(stderr: string): { msg: string }[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { level: number; msg: string })
    .filter((entry) => entry.level === 40);
}

async function configSet(redis: TestRedis, name: string, value: string): Promise<void> {
  const client = new Redis(redis.url);
  try {
    await client.config('SET', name, value);
  } finally {
    client.disconnect();
  }
}

describe.skipIf(redisMissing())('the Redis persistence check at start', () => {
  let aof: TestRedis;
  let volatile: TestRedis;
  let noConfig: TestRedis;
  beforeAll(async () => {
    [aof, volatile, noConfig] = await Promise.all([
      startRedis(),
      startRedis({ appendonly: false }),
      startRedis({ args: ['--rename-command', 'CONFIG', ''] }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([aof, volatile, noConfig].map((redis) => redis?.stop()));
  });

  it('reads what Redis keeps: CONFIG GET, or INFO persistence where CONFIG is disabled', async () => {
    await expect(checkRedisPersistence(aof.url)).resolves.toEqual({ aof: true, fsync: 'everysec', save: '', source: 'config' });
    await expect(checkRedisPersistence(volatile.url)).resolves.toEqual({ aof: false, fsync: 'everysec', save: '', source: 'config' });
    await expect(checkRedisPersistence(noConfig.url)).resolves.toEqual({ aof: true, source: 'info' });
  });

  it('starts in cluster mode on a Redis with AOF on, naming the node on the start line, without a warning', async () => {
    const { line, stderr } = await startsThenStops(cluster(aof, { MWSE_NODE_ID: 'eu-1' }));
    expect(line[2]).toBe('eu-1');
    expect(warnings(stderr)).toEqual([]);
  });

  it('refuses cluster mode on a Redis that keeps nothing, naming MWSE_REDIS_URL and the override', async () => {
    const cli = cluster(volatile);
    expect(await cli.exited).toBe(1);
    expect(cli.stderr()).toContain(
      `MWSE_REDIS_URL: Redis at ${volatile.url}: append-only file off and no RDB snapshots: a Redis restart loses everything. ` +
        'Cluster sessions would be lost with it. Run Redis with appendonly yes (docs/cluster.md), or set MWSE_REDIS_VOLATILE=allow to start anyway',
    );
    expect(cli.stdout()).not.toMatch(/listening on/);
  });

  it('starts on it with MWSE_REDIS_VOLATILE=allow, warning loudly', async () => {
    const { stderr } = await startsThenStops(cluster(volatile, { MWSE_REDIS_VOLATILE: 'allow' }));
    expect(warnings(stderr).map((w) => w.msg)).toEqual([
      `NOT DURABLE: Redis at ${volatile.url}: append-only file off and no RDB snapshots: a Redis restart loses everything. ` +
        'A Redis restart loses sessions, rooms, pairs and stored state; run Redis with appendonly yes',
    ]);
  });

  it('a Redis used only as the store (MWSE_CLUSTER=off) without AOF starts, with the warning', async () => {
    const cli = spawnCli({ MWSE_HOST: '127.0.0.1', MWSE_PORT: '0', MWSE_STORE: 'redis', MWSE_REDIS_URL: volatile.url, MWSE_CLUSTER: 'off', MWSE_LOG_FORMAT: 'json' });
    try {
      await cli.line(/listening on ws:\/\/127\.0\.0\.1:\d+ \(transport: (uws|ws)\)$/);
      expect(warnings(cli.stderr()).map((w) => w.msg)).toEqual([
        `NOT DURABLE: Redis at ${volatile.url}: append-only file off and no RDB snapshots: a Redis restart loses everything. ` +
          'A Redis restart loses stored notifications, keys, the inbox and webhook retries; run Redis with appendonly yes',
      ]);
    } finally {
      cli.child.kill('SIGTERM');
      await cli.exited;
    }
  });

  it('RDB snapshots alone are not enough: refused, saying what a restart would lose', async () => {
    await configSet(volatile, 'save', '900 1');
    try {
      const cli = cluster(volatile);
      expect(await cli.exited).toBe(1);
      expect(cli.stderr()).toContain('append-only file off, RDB snapshots only (save "900 1"): a Redis restart loses what was written since the last one');
    } finally {
      await configSet(volatile, 'save', '');
    }
  });

  it('warns about appendfsync no, and starts', async () => {
    await configSet(aof, 'appendfsync', 'no');
    try {
      const { stderr } = await startsThenStops(cluster(aof));
      expect(warnings(stderr).map((w) => w.msg)).toEqual([
        'Redis has appendfsync no: a crash of its machine may lose up to ~30 s of writes; use appendfsync everysec',
      ]);
    } finally {
      await configSet(aof, 'appendfsync', 'everysec');
    }
  });

  it('where CONFIG is disabled, reads AOF from INFO: on starts, off is refused saying snapshots could not be checked', async () => {
    await startsThenStops(cluster(noConfig));
    const off = await startRedis({ appendonly: false, args: ['--rename-command', 'CONFIG', ''] });
    try {
      const cli = cluster(off);
      expect(await cli.exited).toBe(1);
      expect(cli.stderr()).toContain(`MWSE_REDIS_URL: Redis at ${off.url}: append-only file off (CONFIG is disabled, so RDB snapshots could not be checked)`);
    } finally {
      await off.stop();
    }
  });

  it('where CONFIG and INFO are both refused, persistence is unknown, and cluster mode is refused', async () => {
    const blind = await startRedis({ args: ['--rename-command', 'CONFIG', '', '--rename-command', 'INFO', ''] });
    try {
      await expect(checkRedisPersistence(blind.url)).resolves.toEqual({ aof: false, source: 'unknown' });
      const cli = cluster(blind);
      expect(await cli.exited).toBe(1);
      expect(cli.stderr()).toContain(`MWSE_REDIS_URL: Redis at ${blind.url}: persistence unknown (CONFIG and INFO are disabled or not allowed to this user)`);
    } finally {
      await blind.stop();
    }
  });
});
