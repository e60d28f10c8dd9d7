/**
 * Redis without persistence restarted empty under a running cluster (docs/cluster.md, "Redis
 * loses data"): the epoch is gone, so the nodes know their state is, and clients that come back
 * are told `state-lost` rather than `unknown`; the nodes serve again; and a drop with no data
 * lost still resumes. Nodes in-process; one client reaches its node through a cutting proxy.
 */
import { describe, expect, it } from 'vitest';
import MWSE from '@mwse/client';
import type { Engine } from '@mwse/engine';
import { CutProxy } from '@mwse/testkit/cut-proxy';
import { redisMissing, startRedis } from '@mwse/testkit/redis';
import { gauge } from '../integration/crowd.js';
import { eventually } from '../integration/harness.js';
import { startNode } from './nodes.js';
import { redisCall, redisList } from './redisRaw.js';

type Outcome = { resumed: boolean; reason?: string };

describe.skipIf(redisMissing())('Redis restarted empty under a cluster', () => {
  it('is told as state-lost to resuming clients; the nodes serve again; an ordinary drop still resumes', async () => {
    const redis = await startRedis({ appendonly: false });
    const engines: Engine[] = [];
    const clients: MWSE[] = [];
    let proxy: CutProxy | undefined;
    const client = async (endpoint: string) => {
      const mwse = new MWSE({ endpoint, reconnect: { initialDelay: 100, maxDelay: 300 } });
      clients.push(mwse);
      // Attempts refused with 503 while the nodes wait for Redis are expected here.
      mwse.on('connect/error', () => {});
      await mwse.scope();
      const outcomes: Outcome[] = [];
      mwse.on('reconnect', (outcome) => outcomes.push(outcome));
      return { mwse, outcomes };
    };
    try {
      for (const nodeId of ['lost-a', 'lost-b']) engines.push(await startNode(redis.url, nodeId, { resumeGrace: 60_000 }, 2000));
      const [a, b] = engines as [Engine, Engine];
      const epoch = (await redisList(redis.port, 'MGET mwse:cluster:epoch'))[0];
      expect(epoch).toMatch(/^[0-9a-f]{16}$/);
      proxy = await new CutProxy(a.port).start();
      const dropped = await client(proxy.endpoint);
      const onA = await client(`ws://127.0.0.1:${a.port}/`);
      const onB = await client(`ws://127.0.0.1:${b.port}/`);

      // No data lost: an ordinary drop resumes.
      const id = dropped.mwse.me.socketId;
      expect(proxy.cutAll()).toBe(1);
      await eventually(() => dropped.outcomes.length === 1, 10_000, 'the first resume');
      expect(dropped.outcomes).toEqual([{ resumed: true }]);
      expect(dropped.mwse.me.socketId).toBe(id);

      // Redis stops and starts again on its port with nothing (no AOF, no snapshot).
      const ids = [dropped, onA, onB].map((c) => c.mwse.me.socketId);
      await redis.restart();
      expect(await redisCall(redis.port, 'DBSIZE')).toEqual(expect.any(Number));
      const before = [dropped, onA, onB].map((c) => c.outcomes.length);
      expect(before).toEqual([1, 0, 0]);
      for (const c of [dropped, onA, onB]) await eventually(() => c.outcomes.length > before[[dropped, onA, onB].indexOf(c)]!, 20_000, 'the reconnect after Redis came back');
      expect([dropped, onA, onB].map((c) => c.outcomes.at(-1))).toEqual(Array(3).fill({ resumed: false, reason: 'state-lost' }));
      expect([dropped, onA, onB].map((c) => c.mwse.me.socketId).filter((x) => ids.includes(x))).toEqual([]);
      const now = (await redisList(redis.port, 'MGET mwse:cluster:epoch'))[0];
      expect(now).toMatch(/^[0-9a-f]{16}$/);
      expect(now).not.toBe(epoch);
      for (const e of engines) expect(gauge(e.hub.metrics.render(), 'mwse_cluster_state_lost')).toBe(1);

      // The nodes serve again, across nodes too: each knows the other again.
      await eventually(() => engines.every((e) => e.hub.cluster!.nodes.length === 2), 10_000, 'the nodes to know each other');
      const got: unknown[] = [];
      onB.mwse.on('message', (pack: unknown) => got.push(pack));
      await onB.mwse.peer(onA.mwse.me.socketId).acceptPair();
      onA.mwse.peer(onB.mwse.me.socketId).send({ hello: 'after' });
      await eventually(() => got.length === 1, 5000, 'a message across nodes');
      expect(got).toEqual([{ hello: 'after' }]);

      // And a session started under the new epoch resumes after an ordinary drop.
      const again = dropped.mwse.me.socketId;
      expect(proxy.cutAll()).toBe(1);
      await eventually(() => dropped.outcomes.length === 3, 10_000, 'the resume after');
      expect(dropped.outcomes).toEqual([{ resumed: true }, { resumed: false, reason: 'state-lost' }, { resumed: true }]);
      expect(onA.outcomes.length + onB.outcomes.length).toBe(2);
      expect(dropped.mwse.me.socketId).toBe(again);
    } finally {
      for (const c of clients) c.close();
      await proxy?.stop();
      for (const e of engines) await e.close();
      await redis.stop();
    }
  }, 60_000);

  it('is told the same after FLUSHALL on a Redis that stays up', async () => {
    const redis = await startRedis({ appendonly: false });
    const engines: Engine[] = [];
    const clients: MWSE[] = [];
    try {
      for (const nodeId of ['flush-a', 'flush-b']) engines.push(await startNode(redis.url, nodeId, { resumeGrace: 60_000 }, 2000));
      const outcomes: Outcome[][] = [];
      for (const e of engines) {
        const mwse = new MWSE({ endpoint: `ws://127.0.0.1:${e.port}/`, reconnect: { initialDelay: 100, maxDelay: 300 } });
        clients.push(mwse);
        mwse.on('connect/error', () => {});
        await mwse.scope();
        const list: Outcome[] = [];
        mwse.on('reconnect', (outcome) => list.push(outcome));
        outcomes.push(list);
      }
      expect(await redisCall(redis.port, 'FLUSHALL')).toBe('OK');
      await eventually(() => outcomes.every((list) => list.length === 1), 20_000, 'the reconnects after FLUSHALL');
      expect(outcomes).toEqual([[{ resumed: false, reason: 'state-lost' }], [{ resumed: false, reason: 'state-lost' }]]);
      for (const e of engines) expect(gauge(e.hub.metrics.render(), 'mwse_cluster_state_lost')).toBe(1);
      // Served again across nodes.
      await eventually(() => engines.every((e) => e.hub.cluster!.nodes.length === 2), 10_000, 'the nodes to know each other');
      const [x, y] = clients as [MWSE, MWSE];
      const got: unknown[] = [];
      y.on('message', (pack: unknown) => got.push(pack));
      await y.peer(x.me.socketId).acceptPair();
      x.peer(y.me.socketId).send({ n: 1 });
      await eventually(() => got.length === 1, 5000, 'a message across nodes');
    } finally {
      for (const c of clients) c.close();
      for (const e of engines) await e.close();
      await redis.stop();
    }
  }, 60_000);
});
