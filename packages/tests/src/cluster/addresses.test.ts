/**
 * Virtual addresses and room subnets across nodes (docs/addresses.md, docs/cluster.md): claimed in
 * Redis with their holder, resolved from any node, released on leave, on disconnect and when the
 * holder's node dies (kill -9). The address suite itself runs on two nodes in clusterSuites.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type MWSE from '@mwse/client';
import { redisMissing } from '@mwse/testkit/redis';
import { eventually, once } from '../integration/harness.js';
import { clientOn, connect, keys, spawnNode, startNode, startRedis } from './nodes.js';
import { redisCall } from './redisRaw.js';


describe.skipIf(redisMissing())('virtual addresses on a cluster', () => {
  it('reach a peer of another node by any form, and leave nothing in Redis once released', async () => {
    const redis = await startRedis({ appendonly: false });
    const one = await startNode(redis.url, 'addr-a');
    const two = await startNode(redis.url, 'addr-b');
    const clients = [];
    try {
      const a = await connect(one.port);
      const b = await connect(two.port);
      clients.push(a, b);
      await b.disablePairAuth();
      const address = await b.claimAddress();
      // Claimed on node b: held in Redis with its holder, unknown to node a's own book.
      expect(one.hub.addresses.resolve(address.code)).toBeUndefined();
      for (const text of [address.ip, address.number, address.code.toLowerCase()]) {
        const peer = await a.resolveAddress(text);
        expect(peer.socketId).toBe(b.me.socketId);
        const got = once<[unknown]>(b, 'message', 5000);
        peer.send({ via: text });
        expect((await got)[0]).toEqual({ via: text });
      }
      // The same address twice, and never the same for two peers.
      expect(await b.claimAddress()).toEqual(address);
      const other = await a.claimAddress();
      for (const key of ['ip', 'number', 'code'] as const) expect(other[key]).not.toBe(address[key]);
      await b.releaseAddress();
      await expect(a.resolveAddress(address.code)).rejects.toMatchObject({ code: 'not-found' });
      a.close();
      await eventually(() => one.hub.size === 0, 2000, 'a gone');
      await expect.poll(() => keys(redis, 'mwse:cluster:addr:*'), { timeout: 2000 }).toEqual([]);
    } finally {
      for (const c of clients) c.close();
      await Promise.all([one.close(), two.close()]);
      await redis.stop();
    }
  });

  it('resolves a member address of a room homed on another node, from a third', async () => {
    const redis = await startRedis({ appendonly: false });
    const nodes = [await startNode(redis.url, 'lan-a'), await startNode(redis.url, 'lan-b'), await startNode(redis.url, 'lan-c')];
    const clients = [];
    try {
      const owner = await connect(nodes[0]!.port);
      const member = await connect(nodes[1]!.port);
      const outsider = await connect(nodes[2]!.port);
      clients.push(owner, member, outsider);
      const name = 'lan';
      await owner.room({ name }).createRoom();
      await member.room(name).join();
      const { addresses, subnet } = await owner.room(name).claimSubnet();
      const ip = addresses![member.me.socketId]!;
      expect((await outsider.resolveAddress(ip)).socketId).toBe(member.me.socketId);
      // Another address of that /24 that no member holds names nobody.
      const free = subnet!.replace('.0/24', '.254');
      expect(Object.values(addresses!)).not.toContain(free);
      await expect(outsider.resolveAddress(free)).rejects.toMatchObject({ code: 'not-found' });
      await member.room(name).leave();
      await expect(outsider.resolveAddress(ip)).rejects.toMatchObject({ code: 'not-found' });
      await owner.room(name).leave();
      await expect.poll(() => keys(redis, 'mwse:cluster:addr:*'), { timeout: 2000 }).toEqual([]);
    } finally {
      for (const c of clients) c.close();
      await Promise.all(nodes.map((n) => n.close()));
      await redis.stop();
    }
  });

  it('frees what a node killed with -9 held: its peers’ addresses and its rooms’ subnets', async () => {
    const redis = await startRedis({ appendonly: false });
    // One address and one /24 in all: what the dead node held is only free again once swept.
    const networks = { peersNetwork: '10.9.0.0/30', roomsNetwork: '10.10.0.0/24' };
    const env = { MWSE_TEST_PEERS_NETWORK: networks.peersNetwork, MWSE_TEST_ROOMS_NETWORK: networks.roomsNetwork };
    const survivor = await startNode(redis.url, 'sweep-a', networks);
    const doomed = await spawnNode(redis.url, 'sweep-b', env);
    const clients = [];
    try {
      const holder = await connect(doomed.port);
      const waiting = await connect(survivor.port);
      clients.push(holder, waiting);
      const held = await holder.claimAddress();
      await holder.claimAddress();
      await holder.room({ name: 'doomed-lan' }).createRoom();
      await holder.room('doomed-lan').claimSubnet();
      await waiting.room({ name: 'waiting-lan' }).createRoom();
      // 10.9.0.0/30 has two hosts: one is left.
      const second = await waiting.claimAddress();
      await waiting.releaseAddress();
      expect(second.ip).not.toBe(held.ip);
      await expect(waiting.room('waiting-lan').claimSubnet()).rejects.toMatchObject({ code: 'exhausted' });
      expect((await waiting.resolveAddress(held.code)).socketId).toBe(holder.me.socketId);
      doomed.child.kill('SIGKILL');
      await expect.poll(() => waiting.resolveAddress(held.code).then(() => 'found', (e: { code: string }) => e.code), { timeout: 10_000 }).toBe('not-found');
      await expect.poll(() => keys(redis, 'mwse:cluster:addr:held:sweep-b'), { timeout: 5000 }).toEqual([]);
      await expect(waiting.room('waiting-lan').claimSubnet()).resolves.toMatchObject({ subnet: '10.10.0.0/24' });
    } finally {
      for (const c of clients) c.close();
      doomed.child.kill('SIGKILL');
      await survivor.close();
      await redis.stop();
    }
  }, 30_000);

  it('keeps a dead node’s session addresses while they can resume: taken over, the same; not resumed, freed by the sweep', async () => {
    const redis = await startRedis({ appendonly: false });
    const grace = 4000;
    const survivor = await startNode(redis.url, 'move-a', { resumeGrace: grace });
    const doomed = await spawnNode(redis.url, 'move-b', { GRACE: String(grace) });
    const endpoints = [`ws://127.0.0.1:${doomed.port}/`, `ws://127.0.0.1:${survivor.port}/`];
    const clients: MWSE[] = [];
    try {
      const mover = await clientOn(endpoints);
      const stayer = await connect(doomed.port);
      const asker = await connect(survivor.port);
      clients.push(mover, stayer, asker);
      const address = await mover.claimAddress();
      const lost = await stayer.claimAddress();
      const id = mover.me.socketId;
      const resumed = once<[{ resumed: boolean }]>(mover, 'reconnect', 15_000);
      doomed.child.kill('SIGKILL');
      expect((await resumed)[0]).toMatchObject({ resumed: true });
      expect(mover.me.socketId).toBe(id);
      // The same address, now held by the session's new node, in its book and in Redis.
      expect(await mover.claimAddress()).toEqual(address);
      for (const text of [address.ip, address.number, address.code]) expect((await asker.resolveAddress(text)).socketId).toBe(id);
      expect(survivor.hub.addresses.resolve(address.code)?.id).toBe(id);
      expect(await redisCall(redis.port, `HGET mwse:cluster:addr:held:move-a p:${id}`)).not.toBeNull();
      // The session not resumed keeps its address while it could still be.
      expect((await asker.resolveAddress(lost.code)).socketId).toBe(stayer.me.socketId);
      // Past the grace it is swept, and its address with it; the moved one stays.
      await expect
        .poll(() => asker.resolveAddress(lost.code).then(() => 'found', (e: { code: string }) => e.code), { timeout: grace + 8000, interval: 250 })
        .toBe('not-found');
      await expect.poll(() => keys(redis, 'mwse:cluster:addr:h:*'), { timeout: 5000 }).toHaveLength(1);
      expect(await keys(redis, 'mwse:cluster:addr:held:*')).toEqual(['mwse:cluster:addr:held:move-a']);
      expect((await asker.resolveAddress(address.code)).socketId).toBe(id);
      // Released by its new node when the session ends.
      mover.close();
      await expect.poll(() => keys(redis, 'mwse:cluster:addr:*'), { timeout: 5000 }).toEqual([]);
    } finally {
      for (const c of clients) c.close();
      doomed.child.kill('SIGKILL');
      await survivor.close();
      await redis.stop();
    }
  }, 40_000);
});
