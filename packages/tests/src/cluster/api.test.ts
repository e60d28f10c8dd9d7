/**
 * The HTTP control plane and `engine.sendFromServerAnywhere` across nodes (docs/api.md,
 * docs/cluster.md): a send from any node reaches a peer of any node, `GET /api/rooms` lists the
 * public rooms of every node, and an id no live node holds is 404 from every node.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type MWSE from '@mwse/client';
import type { Engine } from '@mwse/engine';
import { redisMissing } from '@mwse/testkit/redis';
import { httpOf, once, settle } from '../integration/harness.js';
import { connect, ghosts, startNode, startRedis } from './nodes.js';

async function mintKey(engine: Engine): Promise<string> {
  const res = await fetch(`${httpOf(engine)}/api/auth/key`, { method: 'POST', body: JSON.stringify({ domain: 'app.example.com' }) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { key: string }).key;
}

async function send(engine: Engine, key: string, id: string, pack: unknown) {
  const res = await fetch(`${httpOf(engine)}/api/client/${id}/send`, { method: 'POST', headers: { 'x-api-key': key }, body: JSON.stringify({ pack }) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** The next pack `client` gets from the server. */
function fromServer(client: MWSE): Promise<unknown> {
  return once<[unknown]>(client.peer('server'), 'message', 5000).then(([pack]) => pack);
}

describe.skipIf(redisMissing())('the HTTP control plane on a cluster', () => {
  it('sends from every node to a peer of every node, and 404s an id no live node holds', async () => {
    const redis = await startRedis({ appendonly: false });
    const nodes = [await startNode(redis.url, 'api-a'), await startNode(redis.url, 'api-b')];
    const clients: MWSE[] = [];
    try {
      // The memory store keeps each node's keys: one key per node.
      const keys = [await mintKey(nodes[0]!), await mintKey(nodes[1]!)];
      clients.push(await connect(nodes[0]!.port), await connect(nodes[1]!.port));
      for (const [n, engine] of nodes.entries()) {
        for (const [c, client] of clients.entries()) {
          const pack = { from: n, to: c };
          const got = fromServer(client);
          expect(await send(engine, keys[n]!, client.me.socketId, pack)).toEqual({ status: 200, json: { delivered: true } });
          expect(await got).toEqual(pack);
          const direct = fromServer(client);
          expect(await engine.sendFromServerAnywhere(client.me.socketId, { direct: n })).toBe(true);
          expect(await direct).toEqual({ direct: n });
        }
      }
      // The synchronous send still sees only its own node.
      expect(nodes[0]!.sendFromServer(clients[1]!.me.socketId, 'x')).toBe(false);
      // An id of no live node, and one of a live node that never had it.
      const neverHad = clients[1]!.me.socketId.slice(0, 8) + randomUUID().slice(8);
      for (const id of [randomUUID(), neverHad]) {
        const res = await send(nodes[0]!, keys[0]!, id, 1);
        expect(res.status).toBe(404);
        expect(res.json).toMatchObject({ error: { code: 'not-found' } });
        expect(await nodes[0]!.sendFromServerAnywhere(id, 1)).toBe(false);
      }
      // A session gone on its node is gone for the others too.
      const goneId = clients[1]!.me.socketId;
      clients[1]!.close();
      await expect.poll(() => nodes[1]!.hub.peer(goneId), { timeout: 2000 }).toBeUndefined();
      expect((await send(nodes[0]!, keys[0]!, goneId, 1)).status).toBe(404);
      await settle(100);
      // The server's calls leave no ghost on the node it asked.
      expect(ghosts(nodes[0]!)).toBe(0);
      expect(ghosts(nodes[1]!)).toBe(0);
    } finally {
      for (const c of clients) c.close();
      await Promise.all(nodes.map((n) => n.close()));
      await redis.stop();
    }
  });

  it('lists the public rooms of every node from every node', async () => {
    const redis = await startRedis({ appendonly: false });
    const nodes = [await startNode(redis.url, 'rooms-a'), await startNode(redis.url, 'rooms-b')];
    const clients: MWSE[] = [];
    try {
      const [a, b, c] = [await connect(nodes[0]!.port), await connect(nodes[1]!.port), await connect(nodes[1]!.port)];
      clients.push(a!, b!, c!);
      await a!.room({ name: 'on-a', description: 'first' }).createRoom();
      await b!.room({ name: 'on-b' }).createRoom();
      await c!.room('on-b').join();
      await b!.room({ name: 'hidden', visibility: 'private' }).createRoom();
      const expected = [
        { name: 'on-a', joinType: 'free', members: 1, description: 'first' },
        { name: 'on-b', joinType: 'free', members: 2 },
      ];
      for (const engine of nodes) {
        const res = await fetch(`${httpOf(engine)}/api/rooms`);
        expect(res.status).toBe(200);
        const { rooms } = (await res.json()) as { rooms: { name: string }[] };
        expect(rooms.sort((x, y) => x.name.localeCompare(y.name))).toEqual(expected);
      }
    } finally {
      for (const c of clients) c.close();
      await Promise.all(nodes.map((n) => n.close()));
      await redis.stop();
    }
  });
});
