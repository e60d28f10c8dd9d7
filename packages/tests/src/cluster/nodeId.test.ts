/**
 * Node ids are unique on one Redis (docs/cluster.md): a node starting with the id of a live node
 * is refused, naming the setting to change; an id whose node is gone is free again.
 */
import { describe, expect, it } from 'vitest';
import { redisMissing } from '@mwse/testkit/redis';
import { connect, spawnNode, startNode, startRedis } from './nodes.js';
import { redisCall } from './redisRaw.js';

describe.skipIf(redisMissing())('node ids', () => {
  it('refuses a second node with the id of a live one, naming MWSE_NODE_ID and cluster.nodeId', async () => {
    const redis = await startRedis({ appendonly: false });
    const first = await startNode(redis.url, 'same', {}, 1500);
    try {
      const started = Date.now();
      const error = (await startNode(redis.url, 'same', {}, 1500).catch((e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toContain('node id "same" is taken by a live node');
      expect(error.message).toContain('MWSE_NODE_ID');
      expect(error.message).toContain('cluster.nodeId');
      // The live node's lease was waited out once, and it held.
      expect(Date.now() - started).toBeGreaterThanOrEqual(500);
      // The first node still serves, as the only "same".
      const client = await connect(first.port);
      expect(first.hub.peer(client.me.socketId)).toBeDefined();
      client.close();
      expect(await redisCall(redis.port, 'HLEN mwse:cluster:tags')).toBe(1);
    } finally {
      await first.close();
    }
    // Closed, its id is free at once.
    const again = await startNode(redis.url, 'same', {}, 1500);
    await again.close();
    await redis.stop();
  }, 30_000);

  it('lets a node killed with -9 come back under its id once its lease lapsed', async () => {
    const redis = await startRedis({ appendonly: false });
    const node = await spawnNode(redis.url, 'phoenix');
    node.child.kill('SIGKILL');
    try {
      // Its 3 s lease is still held: the start waits it out, then takes the id.
      const back = await startNode(redis.url, 'phoenix');
      expect(back.node).toBe('phoenix');
      await back.close();
    } finally {
      await redis.stop();
    }
  }, 30_000);
});
