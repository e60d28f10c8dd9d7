import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultNodeId } from './clusterConfig.js';
import { engineOptions } from './engineOptions.js';
import { configLoader } from './testing/configErrors.js';

const cwd = mkdtempSync(join(tmpdir(), 'mwse-cluster-config-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));
const { load, errorFor } = configLoader(cwd);
const REDIS = 'redis://127.0.0.1:7000/0';

describe('cluster configuration', () => {
  it('is a single node without MWSE_REDIS_URL: no cluster, no shared port, one process', () => {
    const config = load({});
    expect(config.cluster).toBeUndefined();
    expect(config.reusePort).toBe(false);
    expect(config.workers).toBe(1);
    expect(engineOptions(config).cluster).toBeUndefined();
  });

  it('MWSE_REDIS_URL turns cluster mode on, with the store on the same Redis and a node id for the engine', () => {
    const config = load({ MWSE_REDIS_URL: REDIS, MWSE_NODE_ID: 'eu-1.a_b' });
    expect(config.cluster).toEqual({ redis: REDIS, nodeId: 'eu-1.a_b' });
    expect(config.store).toEqual({ redis: REDIS });
    const options = engineOptions(config);
    expect(options.cluster).toEqual({ redis: REDIS, nodeId: 'eu-1.a_b' });
    // Process-level settings stay out of the engine's options.
    expect(options).not.toHaveProperty('workers');
    expect(options).not.toHaveProperty('redisVolatile');
  });

  it('defaults the node id to the host name and random digits, different on every start', () => {
    const ids = new Set(Array.from({ length: 20 }, () => load({ MWSE_REDIS_URL: REDIS }).cluster!.nodeId));
    expect(ids.size).toBe(20);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*-[0-9a-f]{8}$/);
    expect(defaultNodeId('web 01.example.com')).toMatch(/^web-01\.example\.com-[0-9a-f]{8}$/);
    expect(defaultNodeId('___')).toMatch(/^node-[0-9a-f]{8}$/);
  });

  it('MWSE_CLUSTER=off keeps Redis as the store of one server, any store allowed', () => {
    expect(load({ MWSE_REDIS_URL: REDIS, MWSE_CLUSTER: 'off' })).toMatchObject({ cluster: undefined, store: { redis: REDIS } });
    expect(load({ MWSE_REDIS_URL: REDIS, MWSE_CLUSTER: '0', MWSE_STORE: 'sqlite' }).store).toEqual({ sqlite: join(cwd, 'mwse-data', 'mwse.db') });
  });

  it('takes MWSE_REUSE_PORT, MWSE_WORKERS (auto: one per core) and MWSE_REDIS_VOLATILE in cluster mode', () => {
    const config = load({ MWSE_REDIS_URL: REDIS, MWSE_REUSE_PORT: '1', MWSE_WORKERS: '3', MWSE_REDIS_VOLATILE: 'Allow' });
    expect(config).toMatchObject({ reusePort: true, workers: 3, redisVolatile: 'allow' });
    expect(engineOptions(config).reusePort).toBe(true);
    expect(load({ MWSE_REDIS_URL: REDIS, MWSE_WORKERS: 'auto' }).workers).toBe(availableParallelism());
    expect(load({ MWSE_REDIS_URL: REDIS }).redisVolatile).toBe('refuse');
  });

  it.each([
    ['MWSE_CLUSTER', { MWSE_CLUSTER: 'on' }, /cluster mode needs MWSE_REDIS_URL/],
    ['MWSE_CLUSTER', { MWSE_REDIS_URL: REDIS, MWSE_CLUSTER: 'maybe' }, /is not 0 or 1/],
    ['MWSE_STORE', { MWSE_REDIS_URL: REDIS, MWSE_STORE: 'memory' }, /must be redis in cluster mode .*MWSE_CLUSTER=off/],
    ['MWSE_STORE', { MWSE_REDIS_URL: REDIS, MWSE_STORE: 'sqlite' }, /must be redis in cluster mode/],
    ['MWSE_NODE_ID', { MWSE_REDIS_URL: REDIS, MWSE_NODE_ID: 'a b' }, /is not a node id/],
    ['MWSE_NODE_ID', { MWSE_REDIS_URL: REDIS, MWSE_NODE_ID: '-lead' }, /is not a node id/],
    ['MWSE_NODE_ID', { MWSE_REDIS_URL: REDIS, MWSE_NODE_ID: 'x'.repeat(101) }, /is not a node id/],
    ['MWSE_REUSE_PORT', { MWSE_REUSE_PORT: '1' }, /needs cluster mode/],
    ['MWSE_REUSE_PORT', { MWSE_REDIS_URL: REDIS, MWSE_CLUSTER: 'off', MWSE_REUSE_PORT: 'yes' }, /needs cluster mode/],
    ['MWSE_WORKERS', { MWSE_WORKERS: '2' }, /more than 1 needs cluster mode/],
    ['MWSE_WORKERS', { MWSE_REDIS_URL: REDIS, MWSE_WORKERS: '0' }, /out of range \(1\.\.256\)/],
    ['MWSE_WORKERS', { MWSE_REDIS_URL: REDIS, MWSE_WORKERS: 'many' }, /is not a whole number/],
    ['MWSE_REDIS_VOLATILE', { MWSE_REDIS_URL: REDIS, MWSE_REDIS_VOLATILE: 'yes' }, /not one of refuse, allow/],
  ])('refuses a bad %s', (variable, env, message) => {
    const error = errorFor(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(message);
  });
});
