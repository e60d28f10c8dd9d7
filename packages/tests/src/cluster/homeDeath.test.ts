/**
 * A room whose home node dies (docs/cluster.md): its members on other nodes are told
 * `room/closed` as if it had closed, its name is freed in Redis so it can be made again, and no
 * ghost or claim is left behind. The home runs in a process of its own and is killed with -9.
 */
import { describe, expect, it } from 'vitest';
import { redisMissing } from '@mwse/testkit/redis';
import { once, settle } from '../integration/harness.js';
import { connect, ghosts, keys, spawnNode, startNode, startRedis } from './nodes.js';
import { redisCall } from './redisRaw.js';

describe.skipIf(redisMissing())('a room whose home node is killed with -9', () => {
  it('closes for its members on the other nodes, frees its name in Redis, and leaves no ghost', async () => {
    const redis = await startRedis({ appendonly: false });
    const survivor = await startNode(redis.url, 'home-a');
    const home = await spawnNode(redis.url, 'home-b');
    const clients = [];
    try {
      const owner = await connect(home.port);
      const member = await connect(survivor.port);
      const viewer = await connect(survivor.port);
      const left = await connect(survivor.port);
      const ejected = await connect(survivor.port);
      const bystander = await connect(survivor.port);
      clients.push(owner, member, viewer, left, ejected, bystander);
      const name = 'doomed';
      const live = 'doomed-live';
      await owner.room({ name }).createRoom();
      await owner.room({ name: live, mode: 'broadcast' }).createRoom();
      await member.room(name).join();
      await viewer.room(live).join();
      await left.room(name).join();
      await ejected.room(name).join();
      await left.room(name).leave();
      await owner.room(name).eject(ejected.me.socketId);
      // A room of the survivor's own is not touched.
      await bystander.room('kept').createRoom();
      await member.room('kept').join();
      expect(await redisCall(redis.port, `GET mwse:cluster:room:${name}`)).toBe('home-b');
      // A ghost on the survivor: the member messages the owner (which its node then watches).
      await owner.disablePairAuth();
      const got = once(owner, 'message', 5000);
      member.peer(owner.me.socketId).send('hi');
      await got;
      expect(ghosts(survivor)).toBeGreaterThan(0);

      const closed = once(member.room(name), 'closed', 10_000);
      const viewerClosed = once(viewer.room(live), 'closed', 10_000);
      const stray: string[] = [];
      for (const c of [left, ejected]) c.room(name).on('closed', () => stray.push(c.me.socketId));
      const keptClosed: unknown[] = [];
      member.room('kept').on('closed', () => keptClosed.push(1));
      home.child.kill('SIGKILL');
      await Promise.all([closed, viewerClosed]);
      expect(member.room(name).joined).toBe(false);

      // The names are free: made again, here, as new rooms.
      await expect
        .poll(async () => keys(redis, 'mwse:cluster:room*'), { timeout: 5000 })
        .toEqual(['mwse:cluster:room:kept', 'mwse:cluster:rooms-of:home-a']);
      const again = await left.room(name).createRoom();
      expect(again).toMatchObject({ created: true, owner: left.me.socketId, members: [left.me.socketId] });
      expect(await redisCall(redis.port, `GET mwse:cluster:room:${name}`)).toBe('home-a');
      await settle(200);
      expect(stray).toEqual([]);
      expect(keptClosed).toEqual([]);
      expect(ghosts(survivor)).toBe(0);
      expect((await bystander.room('kept').fetchPeers()).map((p) => p.socketId)).toEqual([member.me.socketId]);
    } finally {
      for (const c of clients) c.close();
      home.child.kill('SIGKILL');
      await survivor.close();
      await redis.stop();
    }
  }, 30_000);
});

describe.skipIf(redisMissing())('what a node killed with -9 held, when no node saw it die', () => {
  /** A node in its own process holding a room name, an address and a /24, then killed with -9. */
  async function holdAndDie(redis: Awaited<ReturnType<typeof startRedis>>, nodeId: string): Promise<void> {
    const node = await spawnNode(redis.url, nodeId);
    const client = await connect(node.port);
    await client.room({ name: `left-by-${nodeId}` }).createRoom();
    await client.room(`left-by-${nodeId}`).claimSubnet();
    await client.claimAddress();
    expect((await keys(redis, 'mwse:cluster:addr:*')).length).toBeGreaterThan(0);
    node.child.kill('SIGKILL');
    client.close();
  }

  it('is freed by the next node to start, whatever its id', async () => {
    const redis = await startRedis({ appendonly: false });
    try {
      await holdAndDie(redis, 'unseen');
      // Its lease lapses with nobody there to see it.
      await settle(3500);
      const next = await startNode(redis.url, 'next');
      try {
        await expect.poll(() => keys(redis, 'mwse:cluster:room*'), { timeout: 3000 }).toEqual([]);
        await expect.poll(() => keys(redis, 'mwse:cluster:addr:*'), { timeout: 3000 }).toEqual([]);
        const client = await connect(next.port);
        await expect(client.room({ name: 'left-by-unseen' }).createRoom()).resolves.toMatchObject({ created: true });
        client.close();
      } finally {
        await next.close();
      }
    } finally {
      await redis.stop();
    }
  }, 30_000);

  it('is freed by a node that starts again under its id', async () => {
    const redis = await startRedis({ appendonly: false });
    try {
      await holdAndDie(redis, 'again');
      // At once: the start waits the dead lease out, then frees its earlier run's holdings.
      const back = await startNode(redis.url, 'again');
      try {
        await expect.poll(() => keys(redis, 'mwse:cluster:addr:*'), { timeout: 3000 }).toEqual([]);
        await expect.poll(() => keys(redis, 'mwse:cluster:room*'), { timeout: 3000 }).toEqual([]);
      } finally {
        await back.close();
      }
    } finally {
      await redis.stop();
    }
  }, 30_000);
});
