/**
 * Order across hand-overs (docs/cluster.md, "A live node hands a session over"): several
 * sessions moved back and forth between two live nodes, round after round, while a peer on each
 * node sends each of them a numbered frame every millisecond and each sends one back. A sender on
 * the session's own node is the hard case: its frames go through that node's log, and some are
 * still on their way through it when the session is released. Every sender's frames arrive once
 * and in order, both ways. Nodes in-process; each client reaches each node through a cutting
 * proxy, and a round cuts both.
 */
import { describe, expect, it } from 'vitest';
import MWSE from '@mwse/client';
import type { Engine } from '@mwse/engine';
import { CutProxy } from '@mwse/testkit/cut-proxy';
import { redisMissing, startRedis } from '@mwse/testkit/redis';
import { eventually, settle } from '../integration/harness.js';
import { connect, startNode } from './nodes.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What is wrong with `list` as the frames 0..m-1 in order, if anything. */
function fault(list: number[], m: number): string | undefined {
  const seen = new Set(list);
  const lost = m - seen.size;
  const doubled = list.length - seen.size;
  const swaps = list.flatMap((n, i) => (i > 0 && n < list[i - 1]! ? [`${list[i - 1]} before ${n}`] : []));
  if (lost === 0 && doubled === 0 && swaps.length === 0) return undefined;
  return `lost ${lost}, doubled ${doubled}, out of order ${swaps.length}${swaps.length ? ` (${swaps.join(', ')})` : ''}`;
}

describe.skipIf(redisMissing())('sessions handed over between live nodes, round after round', () => {
  it('keeps every sender’s frames once and in order, senders on either node', async () => {
    const redis = await startRedis({ appendonly: false });
    const engines: Engine[] = [];
    const proxies: CutProxy[] = [];
    const clients: MWSE[] = [];
    try {
      for (const nodeId of ['order-a', 'order-b']) engines.push(await startNode(redis.url, nodeId, { resumeGrace: 60_000 }));
      for (const engine of engines) proxies.push(await new CutProxy(engine.port).start());
      const senders = await Promise.all(engines.map((engine) => connect(engine.port)));
      clients.push(...senders);
      const K = 6;
      const movers: MWSE[] = [];
      for (let k = 0; k < K; k++) {
        const mover = new MWSE({ endpoint: proxies.map((p) => p.endpoint), reconnect: { initialDelay: 20, maxDelay: 100 } });
        clients.push(mover);
        await mover.scope();
        movers.push(mover);
      }
      const ids = movers.map((m) => m.me.socketId);
      for (const mover of movers) {
        for (const sender of senders) {
          await mover.peer(sender.me.socketId).acceptPair();
          await sender.peer(mover.me.socketId).acceptPair();
        }
      }
      // got[mover][sender]: what the mover received from that sender; back[sender][mover].
      const got = movers.map(() => senders.map(() => [] as number[]));
      const back = senders.map(() => movers.map(() => [] as number[]));
      movers.forEach((mover, k) =>
        mover.on('message', (pack: { n: number }, peer: { socketId: string }) => {
          const s = senders.findIndex((sender) => sender.me.socketId === peer.socketId);
          if (s >= 0) got[k]![s]!.push(pack.n);
        }),
      );
      senders.forEach((sender, s) =>
        sender.on('message', (pack: { n: number }, peer: { socketId: string }) => {
          const k = ids.indexOf(peer.socketId);
          if (k >= 0) back[s]![k]!.push(pack.n);
        }),
      );
      const outcomes = movers.map(() => [] as { resumed: boolean }[]);
      movers.forEach((mover, k) => mover.on('reconnect', (outcome) => outcomes[k]!.push(outcome)));

      const M = 600;
      let sending = true;
      const traffic = (async () => {
        for (let n = 0; n < M; n++) {
          for (const sender of senders) for (const id of ids) sender.peer(id).send({ n });
          movers.forEach((mover) => {
            for (const sender of senders) mover.peer(sender.me.socketId).send({ n });
          });
          await sleep(1);
        }
        sending = false;
      })();
      // Rounds of hand-overs while the traffic flows: each cut moves every mover to the other node.
      const R = 4;
      let rounds = 0;
      for (let r = 0; r < R && sending; r++) {
        await sleep(120);
        for (const proxy of proxies) proxy.cutAll();
        await eventually(() => outcomes.every((list) => list.length >= r + 1), 15_000, `round ${r + 1} of reconnects`);
        rounds += 1;
      }
      await traffic;
      const complete = () => got.every((row) => row.every((l) => l.length >= M)) && back.every((row) => row.every((l) => l.length >= M));
      await eventually(complete, 15_000, 'every frame').catch(() => undefined);
      await settle(300);
      const faults: string[] = [];
      got.forEach((row, k) => row.forEach((list, s) => {
        const f = fault(list, M);
        if (f) faults.push(`to mover ${k} from the sender on node ${'ab'[s]}: ${f}`);
      }));
      back.forEach((row, s) => row.forEach((list, k) => {
        const f = fault(list, M);
        if (f) faults.push(`from mover ${k} to the sender on node ${'ab'[s]}: ${f}`);
      }));
      console.log(`[handoverOrder] ${rounds} rounds, ${rounds * K} hand-overs; faults: ${faults.length ? faults.join('; ') : 'none'}`);
      expect(rounds).toBeGreaterThanOrEqual(2);
      for (const list of outcomes) expect(list.every((o) => o.resumed)).toBe(true);
      expect(faults).toEqual([]);
    } finally {
      for (const c of clients) c.close();
      for (const proxy of proxies) await proxy.stop();
      for (const e of engines) await e.close();
      await redis.stop();
    }
  }, 60_000);
});
