/**
 * A session resuming on another node while its own node is alive (a load balancer without
 * stickiness, an SDK endpoint list): the owner hands it over, with what its client missed
 * (docs/cluster.md, "Node death" → handover). Nodes in-process; the client's connection to its
 * first node goes through a cutting proxy.
 */
import { describe, expect, it } from 'vitest';
import MWSE from '@mwse/client';
import { createEngine, type Engine } from '@mwse/engine';
import { CutProxy } from '@mwse/testkit/cut-proxy';
import { redisMissing, startRedis } from '@mwse/testkit/redis';
import { eventually, settle } from '../integration/harness.js';
import { sessionIds } from './redisRaw.js';

const quiet = { error() {}, warn() {}, info() {}, debug() {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(redisMissing())('a session resumed on another live node', () => {
  it('is handed over by its owner: same socket id, every frame once, nobody sees it leave', async () => {
    const redis = await startRedis({ appendonly: false });
    const engines: Engine[] = [];
    const clients: MWSE[] = [];
    let proxy: CutProxy | undefined;
    try {
      for (const nodeId of ['hand-a', 'hand-b']) {
        engines.push(await createEngine({ host: '127.0.0.1', port: 0, transport: 'ws', logger: quiet, resumeGrace: 60_000, cluster: { redis: redis.url, nodeId } }));
      }
      proxy = await new CutProxy(engines[0]!.port).start();
      const direct = `ws://127.0.0.1:${engines[1]!.port}/`;
      // The moving client starts on node a, through the proxy (it picks its first endpoint at random).
      let mover: MWSE | undefined;
      for (let k = 0; k < 20 && !mover; k++) {
        const candidate = new MWSE({ endpoint: [proxy.endpoint, direct], reconnect: { initialDelay: 100, maxDelay: 300 } });
        clients.push(candidate);
        await candidate.scope();
        if (candidate.endpoints.indexOf(candidate.endpoint) === 0) mover = candidate;
        else candidate.close();
      }
      expect(mover).toBeDefined();
      const x = mover!;
      const onB = new MWSE({ endpoint: direct, reconnect: false });
      const onA = new MWSE({ endpoint: `ws://127.0.0.1:${engines[0]!.port}/`, reconnect: false });
      clients.push(onB, onA);
      await Promise.all([onB.scope(), onA.scope()]);
      const id = x.me.socketId;
      for (const sender of [onB, onA]) await x.peer(sender.me.socketId).acceptPair();
      await onB.peer(id).acceptPair();
      const got = new Map<string, number[]>([[onB.me.socketId, []], [onA.me.socketId, []]]);
      x.on('message', (pack: { n: number }, peer: { socketId: string }) => got.get(peer.socketId)?.push(pack.n));
      const fromX: number[] = [];
      onB.on('message', (pack: { n: number }) => fromX.push(pack.n));
      const outcomes: { resumed: boolean; reason?: string }[] = [];
      x.on('reconnect', (outcome) => outcomes.push(outcome));
      // Counted from here: no new session is identified (a resume does not fire it).
      let scopes = 0;
      x.on('scope', () => (scopes += 1));
      let disconnects = 0;
      for (const c of [onB, onA]) c.on('peer/disconnect', () => (disconnects += 1));

      const M = 200;
      const traffic = Promise.all([
        ...[onB, onA].map(async (sender) => {
          for (let n = 0; n < M; n++) {
            sender.peer(id).send({ n });
            await sleep(3);
          }
        }),
        (async () => {
          for (let n = 0; n < M; n++) {
            x.peer(onB.me.socketId).send({ n });
            await sleep(3);
          }
        })(),
      ]);
      await sleep(200);
      // Cut: the proxy refuses from now on, so the client reconnects to node b.
      proxy.blocked = true;
      expect(proxy.cutAll()).toBe(1);
      await traffic;
      await eventually(() => outcomes.length > 0, 10_000, 'the reconnect');
      await eventually(() => [...got.values()].every((list) => list.length >= M) && fromX.length >= M, 10_000, 'every frame').catch(() => undefined);
      await settle(300);
      const range = Array.from({ length: M }, (_, n) => n);
      const missing = (list: number[]) => range.filter((n) => !list.includes(n));
      console.log(`[handover] missing from b: ${missing(got.get(onB.me.socketId)!)}; from a: ${missing(got.get(onA.me.socketId)!)}; from x: ${missing(fromX)}`);
      expect(outcomes).toEqual([{ resumed: true }]);
      expect(x.me.socketId).toBe(id);
      expect(x.endpoints.indexOf(x.endpoint)).toBe(1);
      expect(scopes).toBe(0);
      expect(disconnects).toBe(0);
      for (const [sender, list] of got) expect([...list].sort((p, q) => p - q), `from ${sender}`).toEqual(range);
      expect([...fromX].sort((p, q) => p - q)).toEqual(range);
      // In order, too.
      for (const list of got.values()) expect(list).toEqual(range);
      expect(fromX).toEqual(range);
      // The session's record is node b's now; node a holds none of it.
      await eventually(() => engines[0]!.hub.peer(id) === undefined);
      expect(engines[1]!.hub.peer(id)).toBeDefined();
      expect(await sessionIds(redis.port)).toEqual([id, onA.me.socketId, onB.me.socketId].sort());
    } finally {
      for (const c of clients) c.close();
      await proxy?.stop();
      for (const e of engines) await e.close();
      await redis.stop();
    }
  });
});
