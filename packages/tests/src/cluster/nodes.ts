/**
 * Cluster nodes for the tests in this folder: in this process, or in a process of their own for
 * the tests that kill one with -9. Each test starts its own redis-server (testkit).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import MWSE from '@mwse/client';
import { createEngine, type Engine, type EngineOptions } from '@mwse/engine';
import { startRedis, type TestRedis } from '@mwse/testkit/redis';
import { gauge } from '../integration/crowd.js';
import { redisList } from './redisRaw.js';

export const quiet = { error() {}, warn() {}, info() {}, debug() {} };

/** A node in a process of its own (`clusterNode.mjs`); `env` adds to its environment. */
export async function spawnNode(redisUrl: string, nodeId: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('../integration/clusterNode.mjs', import.meta.url))], {
    env: { ...process.env, ...env, REDIS_URL: redisUrl, NODE_ID: nodeId },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`node ${nodeId} exited (${code})`)));
  });
  return { child, port: (JSON.parse(line) as { port: number }).port };
}

/** A node in this process (ws, quiet). */
export function startNode(redisUrl: string, nodeId: string, options: Partial<EngineOptions> = {}, lease?: number): Promise<Engine> {
  return createEngine({
    host: '127.0.0.1',
    port: 0,
    transport: 'ws',
    logger: quiet,
    ...options,
    cluster: { redis: redisUrl, nodeId, ...(lease === undefined ? {} : { lease }) },
  });
}

/** A connected SDK client of the node on `port` (no reconnect). */
export async function connect(port: number): Promise<MWSE> {
  const mwse = new MWSE({ endpoint: `ws://127.0.0.1:${port}/`, reconnect: false });
  await new Promise<void>((resolve) => mwse.scope(() => resolve()));
  return mwse;
}

/** A client of `endpoints` (reconnecting through the list) that landed on the first one. */
export async function clientOn(endpoints: string[]): Promise<MWSE> {
  for (let i = 0; i < 40; i++) {
    const mwse = new MWSE({ endpoint: endpoints, reconnect: { initialDelay: 100, maxDelay: 500 } });
    await mwse.scope();
    if (mwse.endpoint === endpoints[0]) return mwse;
    mwse.close();
  }
  throw new Error(`no client landed on ${endpoints[0]} in 40 tries`);
}

/** Keys of the cluster in Redis matching `pattern`, sorted. */
export async function keys(redis: TestRedis, pattern: string): Promise<string[]> {
  return (await redisList(redis.port, `KEYS ${pattern}`)).sort();
}

/** Ghosts a node holds (`mwse_cluster_ghosts`). */
export const ghosts = (engine: Engine) => gauge(engine.hub.metrics.render(), 'mwse_cluster_ghosts');

export { startRedis };
