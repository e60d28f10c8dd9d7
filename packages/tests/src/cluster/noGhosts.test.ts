/**
 * No ghosts after a node's death (docs/cluster.md): three nodes, one in a process of its own
 * killed with -9, peers with addresses and rooms (some with subnets) spanning all three. Once the
 * survivors have seen it go, what Redis holds equals what is live on them: addresses of live
 * peers, names and /24s of live rooms; every survivor's member of a dead home's room was told.
 * With resume on, the same once the grace window is over: the dead node's rooms re-homed with
 * their live members, its sessions (not resumed) swept and their addresses freed.
 */
import { describe, expect, it } from 'vitest';
import type MWSE from '@mwse/client';
import { redisMissing } from '@mwse/testkit/redis';
import { once, settle } from '../integration/harness.js';
import { connect, ghosts, keys, spawnNode, startNode, startRedis } from './nodes.js';

const PER_NODE = 12;
const ROOMS_PER_NODE = 3;

/**
 * PER_NODE clients on each of the three nodes, every other one holding an address; rooms homed on
 * each node, owned by that node's first peers, members from all three, every other one with a /24.
 */
async function populate(ports: number[], clients: MWSE[][], prefix: string): Promise<{ name: string; home: number; subnet: boolean }[]> {
  for (let n = 0; n < 3; n++) for (let i = 0; i < PER_NODE; i++) clients[n]!.push(await connect(ports[n]!));
  for (const list of clients) for (const [i, c] of list.entries()) if (i % 2 === 0) await c.claimAddress();
  const rooms: { name: string; home: number; subnet: boolean }[] = [];
  for (let n = 0; n < 3; n++) {
    for (let r = 0; r < ROOMS_PER_NODE; r++) {
      const name = `${prefix}-${n}-${r}`;
      const owner = clients[n]![r]!;
      await owner.room({ name }).createRoom();
      for (let m = 0; m < 3; m++) if (m !== n) await clients[m]![PER_NODE - 1 - r]!.room(name).join();
      const subnet = r % 2 === 0;
      if (subnet) await owner.room(name).claimSubnet();
      rooms.push({ name, home: n, subnet });
    }
  }
  return rooms;
}

describe.skipIf(redisMissing())('a node killed with -9 among three', () => {
  it('leaves Redis holding exactly what is live on the survivors', async () => {
    const redis = await startRedis({ appendonly: false });
    const survivors = [await startNode(redis.url, 'live-a'), await startNode(redis.url, 'live-b')];
    const doomed = await spawnNode(redis.url, 'dead-c');
    const ports = [survivors[0]!.port, survivors[1]!.port, doomed.port];
    const clients: MWSE[][] = [[], [], []];
    try {
      const rooms = await populate(ports, clients, 'r');
      expect((await keys(redis, 'mwse:cluster:addr:h:*')).length).toBe(3 * (PER_NODE / 2));
      // The survivors' members of the dead node's rooms: each must be told.
      const told = rooms
        .filter((r) => r.home === 2)
        .flatMap((r, i) => [0, 1].map((m) => once(clients[m]![PER_NODE - 1 - i]!.room(r.name), 'closed', 10_000)));
      doomed.child.kill('SIGKILL');
      await Promise.all(told);

      const liveRooms = rooms.filter((r) => r.home !== 2);
      await expect.poll(() => keys(redis, 'mwse:cluster:room:*'), { timeout: 5000 }).toEqual(liveRooms.map((r) => `mwse:cluster:room:${r.name}`).sort());
      await expect.poll(async () => (await keys(redis, 'mwse:cluster:addr:h:*')).length, { timeout: 5000 }).toBe(2 * (PER_NODE / 2));
      expect((await keys(redis, 'mwse:cluster:addr:c:*')).length).toBe(2 * (PER_NODE / 2));
      expect((await keys(redis, 'mwse:cluster:addr:n:*')).length).toBe(2 * (PER_NODE / 2));
      expect((await keys(redis, 'mwse:cluster:addr:s:*')).length).toBe(liveRooms.filter((r) => r.subnet).length);
      // Nothing is left under the dead node's id: lease, room-name index, address index.
      expect(await keys(redis, 'mwse:cluster:*dead-c*')).toEqual([]);
      // The survivors' rooms lost the dead node's members and nothing else.
      for (const room of liveRooms) {
        const members = survivors[room.home]!.hub.rooms.get(room.name)!.members.size;
        expect(members).toBe(2);
      }
      // Once every client is gone, the survivors hold no ghost and Redis no address or room.
      for (const list of clients.slice(0, 2)) for (const c of list) c.close();
      await expect.poll(() => survivors.map(ghosts), { timeout: 5000 }).toEqual([0, 0]);
      await expect.poll(() => keys(redis, 'mwse:cluster:addr:*'), { timeout: 5000 }).toEqual([]);
      await expect.poll(() => keys(redis, 'mwse:cluster:room:*'), { timeout: 5000 }).toEqual([]);
    } finally {
      for (const list of clients) for (const c of list) c.close();
      doomed.child.kill('SIGKILL');
      await Promise.all(survivors.map((s) => s.close()));
      await redis.stop();
    }
  }, 60_000);

  it('with resume on, once the grace is over: its rooms re-homed with their live members, its unresumed sessions’ addresses freed', async () => {
    const grace = 3000;
    const redis = await startRedis({ appendonly: false });
    const survivors = [await startNode(redis.url, 'keep-a', { resumeGrace: grace }), await startNode(redis.url, 'keep-b', { resumeGrace: grace })];
    const doomed = await spawnNode(redis.url, 'keep-c', { GRACE: String(grace) });
    const ports = [survivors[0]!.port, survivors[1]!.port, doomed.port];
    const clients: MWSE[][] = [[], [], []];
    try {
      const rooms = await populate(ports, clients, 'k');
      await settle(300);
      const closed: string[] = [];
      for (const list of clients.slice(0, 2)) for (const c of list) for (const r of rooms) c.room(r.name).on('closed', () => closed.push(r.name));
      // The dead node's clients do not come back: their sessions end with the sweep.
      doomed.child.kill('SIGKILL');
      await expect.poll(() => keys(redis, 'mwse:cluster:session:*').then((k) => k.length), { timeout: grace + 10_000, interval: 250 }).toBe(2 * PER_NODE);
      // Every room lives on (those of the dead node re-homed), holding its live members only.
      await expect
        .poll(() => rooms.map((r) => survivors.reduce((n, s) => n + (s.hub.rooms.get(r.name)?.members.size ?? 0), 0)), { timeout: 5000 })
        .toEqual(rooms.map(() => 2));
      expect(closed).toEqual([]);
      expect(await keys(redis, 'mwse:cluster:room:*')).toEqual(rooms.map((r) => `mwse:cluster:room:${r.name}`).sort());
      expect(await keys(redis, 'mwse:cluster:roomrec:*')).toEqual(rooms.map((r) => `mwse:cluster:roomrec:${r.name}`).sort());
      // Addresses: the live peers' only (the dead node's sessions ended); every /24 kept.
      await expect.poll(async () => (await keys(redis, 'mwse:cluster:addr:h:*')).length, { timeout: 15_000 }).toBe(2 * (PER_NODE / 2));
      expect((await keys(redis, 'mwse:cluster:addr:c:*')).length).toBe(2 * (PER_NODE / 2));
      expect((await keys(redis, 'mwse:cluster:addr:s:*')).length).toBe(rooms.filter((r) => r.subnet).length);
      // Of the dead node's id, only the sweep's lock (it lapses by itself).
      expect(await keys(redis, 'mwse:cluster:*keep-c*')).toEqual(['mwse:cluster:sweep:keep-c']);
      for (const list of clients.slice(0, 2)) for (const c of list) c.close();
      await expect.poll(() => survivors.map(ghosts), { timeout: 5000 }).toEqual([0, 0]);
      await expect.poll(() => keys(redis, 'mwse:cluster:addr:*'), { timeout: 5000 }).toEqual([]);
      await expect.poll(() => keys(redis, 'mwse:cluster:room*'), { timeout: 5000 }).toEqual([]);
    } finally {
      for (const list of clients) for (const c of list) c.close();
      doomed.child.kill('SIGKILL');
      await Promise.all(survivors.map((s) => s.close()));
      await redis.stop();
    }
  }, 60_000);
});
