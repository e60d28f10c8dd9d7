/**
 * What only a cluster has (docs/cluster.md): clients really split across nodes, ids of no live
 * node, ghosts that do not outlive their peers, one name per room cluster-wide, rooms listed
 * from every node, broadcast rooms spanning nodes, and a node killed with -9.
 */
import { randomUUID } from 'node:crypto';
import { createConnection } from 'node:net';
import { describe, expect, it } from 'vitest';
import MWSE, { MWSEError, type Notification, type NotificationReply } from '@mwse/client';
import { createEngine, type Engine, type EngineOptions } from '@mwse/engine';
import { redisMissing, startRedis } from '@mwse/testkit/redis';
import { spawnNode } from '../cluster/nodes.js';
import { useClusterFixture } from './clusterMode.js';
useClusterFixture();
const { attemptHandshake, eventually, httpOf, once, settle, useServer } = await import('./harness.js');
const { crowd, gauge } = await import('./crowd.js');
const { sendJson, useHttpStub } = await import('./httpStub.js');

const quiet = { error() {}, warn() {}, info() {}, debug() {} };

/**
 * Two ws nodes named `ids` on a Redis of their own, handed to `body`, all stopped after it.
 * `options` (given the Redis URL) go to both engines; `connect` adds `query` to the endpoint.
 */
async function withTwoNodes(
  ids: [string, string],
  options: (redisUrl: string) => Partial<EngineOptions>,
  body: (nodes: { redis: Awaited<ReturnType<typeof startRedis>>; engines: Engine[]; connect: (engine: Engine, query?: string) => Promise<MWSE> }) => Promise<void>,
): Promise<void> {
  const redis = await startRedis({ appendonly: false });
  const engines: Engine[] = [];
  try {
    for (const nodeId of ids) {
      engines.push(await createEngine({ host: '127.0.0.1', port: 0, transport: 'ws', logger: quiet, ...options(redis.url), cluster: { redis: redis.url, nodeId } }));
    }
    const connect = async (engine: Engine, query = '') => {
      const mwse = new MWSE({ endpoint: `ws://127.0.0.1:${engine.port}/${query}`, reconnect: false });
      await new Promise<void>((resolve) => mwse.scope(() => resolve()));
      return mwse;
    };
    await body({ redis, engines, connect });
  } finally {
    await Promise.all(engines.map((e) => e.close()));
    await redis.stop();
  }
}

const ghosts = (engine: { hub: { metrics: { render(): string } } }) => gauge(engine.hub.metrics.render(), 'mwse_cluster_ghosts');

describe.skipIf(redisMissing())('cluster of two nodes', () => {
  const { client, state } = useServer('uws', { maxConnectionsPerAddress: 1000, rateLimit: 0 }, 'binary');
  let n = 0;
  const unique = (base: string) => `${base}-${++n}`;

  it('puts a test’s clients on both nodes; each reports its node and the mode', async () => {
    const a = await client();
    const b = await client();
    const [one, two] = state.engines;
    expect(one!.hub.peer(a.me.socketId)).toBeDefined();
    expect(one!.hub.peer(b.me.socketId)).toBeUndefined();
    expect(two!.hub.peer(b.me.socketId)).toBeDefined();
    expect(one!.mode).toBe('cluster');
    expect([one!.node, two!.node]).toEqual(['node-a', 'node-b']);
    const health = await (await fetch(`${httpOf(two!)}/healthz`)).json();
    expect(health).toEqual({ status: 'ok', node: 'node-b', mode: 'cluster' });
    // Socket ids stay v4 UUIDs; their first 8 hex digits name the node.
    expect(a.me.socketId.slice(0, 8)).not.toBe(b.me.socketId.slice(0, 8));
  });

  it('answers unreachable at once for an id of no live node, and for an id its node never had', async () => {
    const a = await client();
    const b = await client();
    const nobody = randomUUID();
    const neverHad = b.me.socketId.slice(0, 8) + randomUUID().slice(8);
    for (const id of [nobody, neverHad]) {
      const started = Date.now();
      const error = (await a.peer(id).request('x').catch((e: unknown) => e)) as MWSEError;
      expect(error).toBeInstanceOf(MWSEError);
      expect(error.code).toBe('unreachable');
      expect(Date.now() - started).toBeLessThan(2000);
      expect(await a.peer(id).isReachable()).toBe(false);
    }
    expect(await a.peer(b.me.socketId).isReachable()).toBe(true);
    // Nor can an id its node never had be invited into a room (the invitation list stays bounded).
    const room = a.room({ name: unique('invite-void'), joinType: 'invite' });
    await room.createRoom();
    await expect(room.invite(neverHad)).rejects.toMatchObject({ code: 'unreachable' });
    const invited = once(b, 'room/invited', 5000);
    await room.invite(b.me.socketId);
    await invited;
    a.peer(neverHad).send('into the void');
    await settle();
    // The ghost made for the id its node never had is gone again.
    await eventually(() => ghosts(state.engines[0]!) === 1, 2000, 'no ghost of an id that never was (one of b, invited)');
    await room.leave();
    await eventually(() => ghosts(state.engines[0]!) === 0, 2000, 'no ghost once the room is gone');
  });

  it('leaves no ghost behind once the peers are gone', async () => {
    const [a, b, c, d] = await Promise.all([client(), client(), client(), client()]);
    await b!.disablePairAuth();
    await a!.peer(b!.me.socketId).request('x', { timeout: 100 }).catch(() => undefined);
    await a!.peer(b!.me.socketId).requestPair();
    const name = unique('ghosts');
    await c!.room(name).createRoom();
    await d!.room(name).join();
    expect(ghosts(state.engines[0]!)).toBeGreaterThan(0);
    expect(ghosts(state.engines[1]!)).toBeGreaterThan(0);
    for (const m of [a, b, c, d]) m!.close();
    await eventually(() => state.engines.every((e) => ghosts(e) === 0 && e.hub.size === 0), 5000, 'every ghost forgotten');
    expect(state.engines.every((e) => e.hub.rooms.size === 0)).toBe(true);
    // Nor a room name left claimed in Redis.
    await settle(100);
    expect(await redisCommand(state.redisPort, `EXISTS mwse:cluster:room:${name}`)).toBe(':0\r\n');
  });

  it('gives a room name to one node only when two nodes create it at once', async () => {
    const a = await client();
    const b = await client();
    const name = unique('race');
    const results = await Promise.allSettled([a.room(name).createRoom(), b.room(name).createRoom()]);
    const created = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r) => r.status === 'rejected');
    expect(created).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(((refused[0] as PromiseRejectedResult).reason as MWSEError).code).toBe('room-exists');
    const homes = state.engines.filter((e) => e.hub.rooms.has(name));
    expect(homes).toHaveLength(1);
  });

  it('lists the public rooms of every node', async () => {
    const a = await client();
    const b = await client();
    const [x, y] = [unique('list-a'), unique('list-b')];
    await a.room(x).createRoom();
    await b.room(y).createRoom();
    const names = (await a.listRooms()).map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining([x, y]));
    expect((await b.listRooms()).map((r) => r.name).sort()).toEqual([...names].sort());
  });

  it('spans a broadcast room over both nodes: an audience on each, one stage message to all', async () => {
    const host = await client();
    const name = unique('stage');
    const stage = host.room({ name, mode: 'broadcast' });
    await stage.createRoom();
    const viewers = await crowd(200, () => client());
    const described = await Promise.all(viewers.map((v) => v.room(name).join()));
    for (const d of described) expect(d).toMatchObject({ role: 'audience', members: [host.me.socketId] });
    expect(state.engines[1]!.hub.size).toBeGreaterThan(50);
    let received = 0;
    for (const v of viewers) {
      v.room(name).on('message', (pack) => {
        if ((pack as { slide?: number }).slide === 1) received++;
      });
    }
    await eventually(() => stage.audience === 200, 5000, 'the stage to count the audience');
    const publishes = async () => Number((await redisCommand(state.redisPort, 'INFO commandstats')).match(/cmdstat_publish:calls=(\d+)/)?.[1] ?? 0);
    const before = await publishes();
    stage.send({ slide: 1 });
    await eventually(() => received === 200, 10_000, 'every viewer, on either node, to get the message');
    // ~100 viewers on the other node, one crossing: a handful of PUBLISHes (probes included), not one per viewer.
    expect((await publishes()) - before).toBeLessThan(20);
    const closed = viewers.map((v) => once(v.room(name), 'closed', 5000));
    host.close();
    await Promise.all(closed);
  });
});

describe.skipIf(redisMissing())('a cluster node killed with -9', () => {
  it('is taken for gone within its lease: watchers get peer/disconnect, rooms lose its members, requests settle', async () => {
    const redis = await startRedis({ appendonly: false });
    const nodes = [await spawnNode(redis.url, 'kill-a'), await spawnNode(redis.url, 'kill-b')];
    const connect = async (port: number) => {
      const mwse = new MWSE({ endpoint: `ws://127.0.0.1:${port}/`, reconnect: false });
      await new Promise<void>((resolve) => mwse.scope(() => resolve()));
      return mwse;
    };
    const survivor = await connect(nodes[0]!.port);
    const doomed = await connect(nodes[1]!.port);
    try {
      await doomed.disablePairAuth();
      const name = 'kill-room';
      await survivor.room(name).createRoom();
      await doomed.room(name).join();
      doomed.peer(survivor.me.socketId).on('request', () => {}); // never answers
      doomed.on('request', () => {});
      const pending = survivor.peer(doomed.me.socketId).request('x', { timeout: 20_000 }).catch((e: unknown) => e);
      const gone = once(survivor.peer(doomed.me.socketId), 'disconnect', 10_000);
      const left = once(survivor.room(name), 'leave', 10_000);
      const ids = async () => (await survivor.room(name).fetchPeers()).map((p) => p.socketId);
      expect(await ids()).toEqual([doomed.me.socketId]);
      await settle(100);
      nodes[1]!.child.kill('SIGKILL');
      await Promise.all([gone, left]);
      expect(((await pending) as MWSEError).code).toBe('peer-disconnected');
      expect(await survivor.peer(doomed.me.socketId).isReachable()).toBe(false);
      expect(await ids()).toEqual([]);
    } finally {
      survivor.close();
      doomed.close();
      for (const node of nodes) node.child.kill('SIGKILL');
      await redis.stop();
    }
  }, 30_000);
});

describe.skipIf(redisMissing())('a cluster whose Redis stops answering', () => {
  it('answers 503 on /readyz, closes its sockets and refuses new ones, then serves again once Redis is back', async () => {
    await withTwoNodes(['stop-a', 'stop-b'], () => ({}), async ({ redis, engines, connect }) => {
      const readyz = (engine: Engine) => fetch(`${httpOf(engine)}/readyz`).then((r) => r.status);
      const a = await connect(engines[0]!);
      expect(await readyz(engines[0]!)).toBe(200);
      const dropped = once(a, 'disconnect', 10_000);
      process.kill(redis.pid!, 'SIGSTOP');
      try {
        await dropped;
        expect(await readyz(engines[0]!)).toBe(503);
        // The other node sees it within its own lease period.
        const until = Date.now() + 6000;
        while (Date.now() < until && (await readyz(engines[1]!)) !== 503) await settle(100);
        expect(await readyz(engines[1]!)).toBe(503);
        const refused = await attemptHandshake(`ws://127.0.0.1:${engines[1]!.port}`, {});
        expect(refused).toMatchObject({ accepted: false, status: 503 });
      } finally {
        process.kill(redis.pid!, 'SIGCONT');
      }
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && ((await readyz(engines[0]!)) !== 200 || (await readyz(engines[1]!)) !== 200)) await settle(100);
      expect(await readyz(engines[0]!)).toBe(200);
      const x = await connect(engines[0]!);
      const y = await connect(engines[1]!);
      await y.disablePairAuth();
      const got = once(y, 'message', 5000);
      x.peer(y.me.socketId).send('after');
      expect((await got)[0]).toBe('after');
      x.close();
      y.close();
    });
  }, 40_000);
});

/** Send one command to Redis over a fresh socket (RESP inline) and resolve with its reply line. */
function redisCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(5000, () => socket.destroy(new Error('redis did not answer')));
    socket.once('error', reject);
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.once('data', (data) => {
      socket.end();
      resolve(data.toString());
    });
  });
}

describe.skipIf(redisMissing())('a cluster whose pub/sub connections are killed', () => {
  it('resubscribes and carries messages across nodes again (busChaos.test.ts counts what is lost meanwhile)', async () => {
    await withTwoNodes(['kill-sub-a', 'kill-sub-b'], () => ({}), async ({ redis, engines, connect }) => {
      const x = await connect(engines[0]!);
      const y = await connect(engines[1]!);
      await y.disablePairAuth();
      const seen: unknown[] = [];
      y.on('message', (pack) => seen.push(pack));
      // The first message after a kill may be lost, and with it the op that made the receiving
      // node's ghost of the sender: later messages must still get through.
      for (let round = 1; round <= 3; round++) {
        expect(await redisCommand(redis.port, 'CLIENT KILL TYPE pubsub')).toMatch(/^:[1-9]/);
        // Bounded: one message every 100 ms for at most 5 s, until one gets through.
        let through = false;
        for (let i = 0; i < 50 && !through; i++) {
          x.peer(y.me.socketId).send({ round, i });
          await settle(100);
          through = seen.some((p) => (p as { round: number }).round === round);
        }
        expect(through, `round ${round}`).toBe(true);
      }
      // Nothing delivered twice.
      const keys = seen.map((p) => JSON.stringify(p));
      expect(new Set(keys).size).toBe(keys.length);
      x.close();
      y.close();
    });
  }, 40_000);
});

describe.skipIf(redisMissing())('notifications across nodes (a shared Redis store)', () => {
  const approver = useHttpStub((req, res) => {
    const user = new URLSearchParams(req.json.query as string).get('user');
    sendJson(res, 200, user ? { allow: true, identity: user } : { allow: true });
  });

  it('reach a peer and an identity on the other node, and the reply comes back to the sender', async () => {
    await withTwoNodes(['notify-a', 'notify-b'], (redisUrl) => ({ approveUrl: approver.url, store: { redis: redisUrl } }), async ({ engines, connect }) => {
      const sender = await connect(engines[0]!, '?user=alice');
      const target = await connect(engines[1]!, '?user=bob');
      try {
        await expect(sender.peer(target.me.socketId).notify({ title: 'refused' })).rejects.toMatchObject({ code: 'not-paired' });
        await target.disablePairAuth();
        const got = once<[Notification]>(target, 'notification', 5000);
        const result = await sender.peer(target.me.socketId).notify({ title: 'hi', actions: [{ id: 'ok', title: 'OK' }] });
        expect(result).toMatchObject({ status: 'delivered' });
        const [notification] = await got;
        expect(notification).toMatchObject({ nid: result.nid, title: 'hi' });
        const replied = once<[NotificationReply]>(sender, 'notification/reply', 5000);
        await notification.reply('ok');
        expect((await replied)[0]).toMatchObject({ nid: result.nid, action: 'ok' });

        const shown = once<[Notification]>(target, 'notification', 5000);
        const toBob = await sender.notify({ identity: 'bob' }, { title: 'to bob' });
        expect(toBob).toMatchObject({ status: 'delivered' });
        expect((await shown)[0]).toMatchObject({ nid: toBob.nid, title: 'to bob' });
        await expect(sender.notify({ identity: 'carol' }, { title: 'later' })).resolves.toMatchObject({ status: 'stored' });
      } finally {
        sender.close();
        target.close();
      }
    });
  }, 30_000);
});
