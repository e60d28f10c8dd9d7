/**
 * `maxRoomsPerPeer` counts a peer's rooms on every home (docs/cluster.md, docs/limits.md): its
 * node knows them (the homes say as they add and drop its peers) and sends the count along with
 * each join, so a peer cannot get past the limit by spreading its rooms over nodes.
 */
import { describe, expect, it } from 'vitest';
import type MWSE from '@mwse/client';
import { redisMissing } from '@mwse/testkit/redis';
import { settle } from '../integration/harness.js';
import { connect, startNode, startRedis } from './nodes.js';

describe.skipIf(redisMissing())('maxRoomsPerPeer on a cluster', () => {
  it('counts the rooms of every home, in joins and creations, and frees a place on leave', async () => {
    const redis = await startRedis({ appendonly: false });
    const options = { maxRoomsPerPeer: 2 };
    const nodes = [await startNode(redis.url, 'quota-a', options), await startNode(redis.url, 'quota-b', options)];
    const clients: MWSE[] = [];
    try {
      const peer = await connect(nodes[0]!.port);
      // Each room's owner is another peer of node b (an owner counts its rooms too).
      const hosts = [await connect(nodes[1]!.port), await connect(nodes[1]!.port), await connect(nodes[1]!.port)];
      clients.push(peer, ...hosts);
      for (const [i, name] of ['b1', 'b2', 'b3'].entries()) await hosts[i]!.room({ name }).createRoom();
      await peer.room({ name: 'a1' }).createRoom();
      await peer.room('b1').join();
      // Two rooms, one on each home: a third is refused on either home, joined or created.
      await expect(peer.room('b2').join()).rejects.toMatchObject({ code: 'exhausted' });
      await expect(peer.room({ name: 'a2' }).createRoom()).rejects.toMatchObject({ code: 'exhausted' });
      await expect(peer.room({ name: 'b3', ifexistsJoin: true }).createRoom()).rejects.toMatchObject({ code: 'exhausted' });
      // Joining a room it is in already is no new room.
      await expect(peer.room('b1').join()).resolves.toMatchObject({ name: 'b1' });
      await expect(peer.room({ name: 'b1', ifexistsJoin: true }).createRoom()).resolves.toMatchObject({ created: false });
      // The other errors come first, as on one node.
      await expect(peer.room('nowhere').join()).rejects.toMatchObject({ code: 'room-not-found' });
      await peer.room('b1').leave();
      await expect(peer.room('b2').join()).resolves.toMatchObject({ name: 'b2' });
      await peer.room('a1').leave();
      await expect(peer.room({ name: 'a2' }).createRoom()).resolves.toMatchObject({ created: true });
    } finally {
      for (const c of clients) c.close();
      await Promise.all(nodes.map((n) => n.close()));
      await redis.stop();
    }
  });

  it('admits exactly the limit of joins sent at once to rooms of two homes', async () => {
    const redis = await startRedis({ appendonly: false });
    const options = { maxRoomsPerPeer: 3 };
    // Hosts own three rooms each; the peer may join three of the six.
    const nodes = [await startNode(redis.url, 'burst-a', options), await startNode(redis.url, 'burst-b', options)];
    const clients: MWSE[] = [];
    try {
      const hostA = await connect(nodes[0]!.port);
      const hostB = await connect(nodes[1]!.port);
      const peer = await connect(nodes[0]!.port);
      clients.push(hostA, hostB, peer);
      const names = ['y1', 'x1', 'y2', 'x2', 'y3', 'x3'];
      for (const name of names) await (name.startsWith('x') ? hostA : hostB).room({ name }).createRoom();
      const results = await Promise.allSettled(names.map((name) => peer.room(name).join()));
      const joined = results.filter((r) => r.status === 'fulfilled').length;
      const refused = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as { code: string }).code] : []));
      expect(joined).toBe(3);
      expect(refused).toEqual(['exhausted', 'exhausted', 'exhausted']);
      await settle(100);
      // What the homes hold agrees with what was answered.
      const held = names.filter((name) => (name.startsWith('x') ? nodes[0]! : nodes[1]!).hub.rooms.get(name)!.members.size === 2);
      expect(held).toHaveLength(3);
    } finally {
      for (const c of clients) c.close();
      await Promise.all(nodes.map((n) => n.close()));
      await redis.stop();
    }
  });
});
