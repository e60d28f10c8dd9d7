/**
 * What a cluster node mirrors of its sessions into Redis (docs/cluster.md, "Node death"): a record
 * per session with its state, gone when the session ends; nothing with `takeover: false`; and a
 * record another node holds is never written or deleted by the old owner (fencing).
 */
import { describe, expect, it } from 'vitest';
import MWSE from '@mwse/client';
import { createEngine, type Engine } from '@mwse/engine';
import { redisMissing, startRedis } from '@mwse/testkit/redis';
import { settle } from '../integration/harness.js';
import { quiet } from './nodes.js';
import { redisCall, redisList, sessionIds } from './redisRaw.js';

async function record(port: number, id: string): Promise<Record<string, string>> {
  const flat = await redisList(port, `HGETALL mwse:cluster:session:${id}`);
  const out: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

/** A Redis reply that is a status or one bulk string (`+OK`, `INFO`), as text. */
const redisText = async (port: number, command: string) => String(await redisCall(port, command));

async function within(ms: number, check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await settle(50);
  }
}

describe.skipIf(redisMissing())('session records in Redis', () => {
  it('are not rewritten by requests and answers, only their applied counts', async () => {
    const redis = await startRedis({ appendonly: false });
    const engines: Engine[] = [];
    const clients: MWSE[] = [];
    try {
      for (const nodeId of ['tunnel-a', 'tunnel-b']) {
        engines.push(await createEngine({ host: '127.0.0.1', port: 0, transport: 'ws', logger: quiet, resumeGrace: 60_000, cluster: { redis: redis.url, nodeId } }));
      }
      for (const engine of engines) {
        // JSON text: binary tunnel frames take another path in the engine.
        const mwse = new MWSE({ endpoint: `ws://127.0.0.1:${engine.port}/`, reconnect: false, codec: 'json' });
        clients.push(mwse);
        await mwse.scope();
      }
      const [a, b] = clients as [MWSE, MWSE];
      await b.disablePairAuth();
      b.peer(a.me.socketId).on('request', (req) => req.response('pong'));
      // The first request relates the two (watchers): their records are written for that.
      await a.peer(b.me.socketId).request('ping');
      await within(3000, async () => (await record(redis.port, a.me.socketId)).d?.includes(b.me.socketId) ?? false, 'a’s watcher');
      await settle(200);
      const before = Number((await record(redis.port, a.me.socketId)).a);
      expect(await redisText(redis.port, 'CONFIG RESETSTAT')).toBe('OK');
      for (let k = 0; k < 10; k++) await a.peer(b.me.socketId).request('ping');
      await within(3000, async () => Number((await record(redis.port, a.me.socketId)).a) === before + 10, 'the applied count');
      // Only a record write adds its id to the node's set: none was written.
      const stats = await redisText(redis.port, 'INFO commandstats');
      expect(stats).toMatch(/cmdstat_hset:/);
      expect(stats).not.toMatch(/cmdstat_sadd:/);
    } finally {
      for (const c of clients) c.close();
      for (const e of engines) await e.close();
      await redis.stop();
    }
  });

  it('hold each session’s state, go when it ends, and are not written with takeover off', async () => {
    const redis = await startRedis({ appendonly: false });
    const engines: Engine[] = [];
    const clients: MWSE[] = [];
    try {
      for (const [nodeId, takeover] of [['mirror-a', true], ['mirror-b', true], ['mirror-off', false]] as const) {
        engines.push(
          await createEngine({ host: '127.0.0.1', port: 0, transport: 'ws', logger: quiet, resumeGrace: 60_000, cluster: { redis: redis.url, nodeId, takeover } }),
        );
      }
      const connect = async (engine: Engine) => {
        const mwse = new MWSE({ endpoint: `ws://127.0.0.1:${engine.port}/`, reconnect: false });
        clients.push(mwse);
        await mwse.scope();
        return mwse;
      };
      const [a, b, off] = [await connect(engines[0]!), await connect(engines[1]!), await connect(engines[2]!)];
      await b.peer(a.me.socketId).acceptPair();
      await a.me.info.set('name', 'alice');
      await a.setSession({ pairinfo: false });
      await a.room({ name: 'mirror-room', joinType: 'free' }).createRoom();
      await within(3000, async () => (await record(redis.port, a.me.socketId)).d?.includes('alice') ?? false, 'a’s record');
      const stored = await record(redis.port, a.me.socketId);
      expect(stored.node).toBe('mirror-a');
      expect(stored.gen).toBe('1');
      const data = JSON.parse(stored.d!) as Record<string, unknown>;
      expect(data.trustedBy).toEqual([b.me.socketId]);
      expect(data.info).toEqual({ name: 'alice' });
      expect((data.flags as { pairinfo: boolean }).pairinfo).toBe(false);
      expect(data.rooms).toEqual([['mirror-room', true]]);
      expect(data.binary).toBe(true);
      expect(typeof data.tok).toBe('string');
      const bData = JSON.parse((await record(redis.port, b.me.socketId)).d!) as { trusted: string[] };
      expect(bData.trusted).toEqual([a.me.socketId]);
      // The node with takeover off keeps its sessions to itself.
      expect(off.state).toBe('open');
      expect(await sessionIds(redis.port)).toEqual([a.me.socketId, b.me.socketId].sort());
      // The applied count follows the client's frames.
      const before = Number((await record(redis.port, a.me.socketId)).a);
      const sentBefore = Number((await record(redis.port, b.me.socketId)).s ?? 0);
      let heard = 0;
      b.on('message', () => (heard += 1));
      for (let k = 0; k < 5; k++) a.peer(b.me.socketId).send({ k });
      await within(3000, async () => Number((await record(redis.port, a.me.socketId)).a) === before + 5, 'the applied count');
      // The receiver's count of frames sent follows too (it sent nothing), with its node's position
      // in its bus log: the last entry, which carried them (a taker reads the log after it).
      await within(3000, async () => heard === 5 && Number((await record(redis.port, b.me.socketId)).s) === sentBefore + 5, 'the sent count');
      const last = (await redisCall(redis.port, 'XREVRANGE mwse:cluster:log:mirror-b + - COUNT 1')) as [string, string[]][];
      expect(last.length).toBe(1);
      expect(await redisCall(redis.port, 'GET mwse:cluster:pos:mirror-b')).toBe(last[0]![0]);
      expect(last[0]![1][3]).toContain(b.me.socketId);
      // A session that ends takes its record with it.
      b.close();
      await within(3000, async () => !(await sessionIds(redis.port)).includes(b.me.socketId), 'b’s record gone');
    } finally {
      for (const c of clients) c.close();
      for (const e of engines) await e.close();
      await redis.stop();
    }
  });

  it('leaves a record another node holds alone: the old owner neither writes nor deletes it', async () => {
    const redis = await startRedis({ appendonly: false });
    let engine: Engine | undefined;
    const clients: MWSE[] = [];
    try {
      engine = await createEngine({ host: '127.0.0.1', port: 0, transport: 'ws', logger: quiet, resumeGrace: 60_000, cluster: { redis: redis.url, nodeId: 'fenced-a' } });
      const mwse = new MWSE({ endpoint: `ws://127.0.0.1:${engine.port}/`, reconnect: false });
      clients.push(mwse);
      await mwse.scope();
      const id = mwse.me.socketId;
      await within(3000, async () => (await record(redis.port, id)).node === 'fenced-a', 'the record');
      // Another node took it over (as a takeover's script would leave it).
      await redisList(redis.port, `HSET mwse:cluster:session:${id} node fenced-elsewhere gen 2`).catch(() => undefined);
      await within(3000, async () => (await record(redis.port, id)).node === 'fenced-elsewhere', 'the record moved');
      const moved = await record(redis.port, id);
      await mwse.me.info.set('late', 1);
      await settle(300);
      expect(await record(redis.port, id)).toEqual(moved);
      mwse.close();
      await settle(500);
      expect(await record(redis.port, id)).toEqual(moved);
    } finally {
      for (const c of clients) c.close();
      await engine?.close();
      await redis.stop();
    }
  });
});
