import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '@mwse/testkit/net';
import { redisMissing, startRedis } from '@mwse/testkit/redis';
import { spawnCli } from './testing/spawnCli.js';
import { configLoader } from './testing/configErrors.js';

const cwd = mkdtempSync(join(tmpdir(), 'mwse-store-config-'));
writeFileSync(join(cwd, 'file.txt'), 'not a folder');
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

const { load, errorFor } = configLoader(cwd);


describe('store configuration', () => {
  it('defaults to SQLite in ./mwse-data, without creating it while reading the config', () => {
    expect(load({}).store).toEqual({ sqlite: join(cwd, 'mwse-data', 'mwse.db') });
    expect(existsSync(join(cwd, 'mwse-data'))).toBe(false);
  });

  it('takes MWSE_STORE=memory and a relative MWSE_DATA_DIR', () => {
    expect(load({ MWSE_STORE: 'memory' }).store).toBe('memory');
    expect(load({ MWSE_STORE: 'SQLite', MWSE_DATA_DIR: 'state/db' }).store).toEqual({ sqlite: join(cwd, 'state', 'db', 'mwse.db') });
  });

  it('takes MWSE_STORE=redis with MWSE_REDIS_URL, and defaults to redis once the URL is set', () => {
    expect(load({ MWSE_STORE: 'redis', MWSE_REDIS_URL: 'redis://127.0.0.1:7000/2' }).store).toEqual({ redis: 'redis://127.0.0.1:7000/2' });
    expect(load({ MWSE_REDIS_URL: 'rediss://:pw@cache.example:6380' }).store).toEqual({ redis: 'rediss://:pw@cache.example:6380' });
    expect(load({ MWSE_REDIS_URL: 'redis://127.0.0.1:7000/0', MWSE_CLUSTER: 'off', MWSE_STORE: 'sqlite' }).store).toEqual({ sqlite: join(cwd, 'mwse-data', 'mwse.db') });
  });

  it.each([
    ['MWSE_STORE', { MWSE_STORE: 'postgres' }, /not one of memory, sqlite, redis/],
    ['MWSE_REDIS_URL', { MWSE_STORE: 'redis' }, /is required with MWSE_STORE=redis/],
    ['MWSE_REDIS_URL', { MWSE_REDIS_URL: 'http://127.0.0.1:7000' }, /is not redis: or rediss:/],
    ['MWSE_REDIS_URL', { MWSE_REDIS_URL: 'not a url' }, /is not a URL/],
    ['MWSE_REDIS_URL', { MWSE_REDIS_URL: 'redis://127.0.0.1:7000/zero' }, /is not a database number/],
    ['MWSE_DATA_DIR', { MWSE_DATA_DIR: 'file.txt' }, /is not a directory/],
    ['MWSE_DATA_DIR', { MWSE_DATA_DIR: 'file.txt/below' }, /is not a directory/],
  ])('refuses a bad %s', (variable, env, message) => {
    const error = errorFor(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(message);
  });

  it('mwse-server creates the data folder on start and refuses a bad one naming the variable', async () => {
    const started = spawnCli({ MWSE_HOST: '127.0.0.1', MWSE_PORT: '0', MWSE_STORE: 'sqlite' }, [], cwd);
    try {
      await started.line(/listening on/);
      expect(existsSync(join(cwd, 'mwse-data', 'mwse.db'))).toBe(true);
    } finally {
      started.child.kill('SIGTERM');
      await started.exited;
    }
    const refused = spawnCli({ MWSE_HOST: '127.0.0.1', MWSE_PORT: '0', MWSE_STORE: 'sqlite', MWSE_DATA_DIR: 'file.txt' }, [], cwd);
    expect(await refused.exited).toBe(1);
    expect(refused.stderr()).toMatch(/MWSE_DATA_DIR: .*file\.txt is not a directory/);
  });

  it.skipIf(redisMissing())('mwse-server starts on MWSE_STORE=redis, and a refused connection stops start-up naming MWSE_REDIS_URL', async () => {
    const redis = await startRedis();
    try {
      const started = spawnCli({ MWSE_HOST: '127.0.0.1', MWSE_PORT: '0', MWSE_STORE: 'redis', MWSE_REDIS_URL: redis.url }, [], cwd);
      try {
        await started.line(/listening on/);
      } finally {
        started.child.kill('SIGTERM');
        await started.exited;
      }
    } finally {
      await redis.stop();
    }
    const port = await freePort();
    const refused = spawnCli({ MWSE_HOST: '127.0.0.1', MWSE_PORT: '0', MWSE_STORE: 'redis', MWSE_REDIS_URL: `redis://127.0.0.1:${port}/0` }, [], cwd);
    expect(await refused.exited).toBe(1);
    expect(refused.stderr()).toMatch(new RegExp(`MWSE_REDIS_URL: cannot use Redis at redis://127\\.0\\.0\\.1:${port}/0: .*ECONNREFUSED`));
  });
});
