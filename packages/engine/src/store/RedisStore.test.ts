import { freePort } from '@mwse/testkit/net';
import { redisMissing, startRedis, type TestRedis } from '@mwse/testkit/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotificationQuotas, StoredNotification } from '../services/NotificationStore.js';
import { RedisStore, RedisUnavailableError } from './RedisStore.js';

// What only a shared, networked store has to get right; the contract itself is Store.test.ts.
// Skipped only where redis-server is missing outside CI (.ci/run installs it).
const suite = redisMissing() ? describe.skip : describe;

const Q: NotificationQuotas = {
  perIdentity: 10,
  perSender: 1000,
  total: 1000,
  bytesPerIdentity: 1e6,
  bytesPerSender: 1e6,
  bytesTotal: 1e6,
};

let seq = 0;
function note(identity: string, sender = 's'): StoredNotification {
  const nid = `r${++seq}`;
  return { nid, identity, sender, expiresAt: Date.now() + 60_000, frame: '{"n":1}', bytes: 7 };
}
const route = (n: StoredNotification) => ({ nid: n.nid, from: 'x', identity: n.identity, expiresAt: n.expiresAt });

suite('redis store', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis({ appendonly: true });
  });
  afterAll(() => redis?.stop());

  it('checks a quota atomically across engines sharing one Redis', async () => {
    const a = await RedisStore.open(redis.url, { prefix: 'shared1:' });
    const b = await RedisStore.open(redis.url, { prefix: 'shared1:' });
    // 60 puts racing from two clients at a quota of 10: a check-then-write would overshoot.
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => {
        const n = note('crowded');
        return (i % 2 ? a : b).notifications.put(n, Q, Date.now(), route(n));
      }),
    );
    expect(results.filter((r) => r === undefined)).toHaveLength(10);
    expect(results.filter((r) => r === 'identity')).toHaveLength(50);
    expect(await a.notifications.waiting('crowded')).toHaveLength(10);
    // What one engine acks, the other no longer delivers.
    const [first] = await b.notifications.waiting('crowded');
    expect(await a.notifications.ack('crowded', first!.nid)).toBe(true);
    expect(await b.notifications.ack('crowded', first!.nid)).toBe(false);
    expect(await b.notifications.waiting('crowded')).toHaveLength(9);
    await a.close();
    await b.close();
  });

  it('drains the inbox once across engines', async () => {
    const a = await RedisStore.open(redis.url, { prefix: 'shared2:' });
    const b = await RedisStore.open(redis.url, { prefix: 'shared2:' });
    for (let i = 0; i < 20; i++) await (i % 2 ? a : b).inbox.push({ id: `e${i}`, event: 'x', at: i }, 100);
    const [left, right] = await Promise.all([a.inbox.drain(), b.inbox.drain()]);
    expect([...left, ...right].map((e) => e.id).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `e${i}`).sort());
    await a.close();
    await b.close();
  });

  it('keeps what it acknowledged across a Redis restart (AOF)', async () => {
    const store = await RedisStore.open(redis.url, { prefix: 'aof:' });
    const n = note('kept');
    expect(await store.notifications.put(n, Q, Date.now(), route(n))).toBeUndefined();
    expect(await store.keys.add({ digest: Buffer.alloc(32, 3), domain: 'aof.example', created: 1 }, 10)).toBe(true);
    expect(await store.webhooks.enqueue({ id: 'w-aof', body: '{}', attempt: 2, nextAt: 9 }, 10)).toBe(true);
    await store.close();
    await redis.restart();
    const again = await RedisStore.open(redis.url, { prefix: 'aof:' });
    expect((await again.notifications.waiting('kept')).map((m) => m.nid)).toEqual([n.nid]);
    expect(again.notifications.size).toBe(1);
    expect(await again.keys.find(Buffer.alloc(32, 3))).toBe('aof.example');
    expect(await again.webhooks.pending()).toEqual([{ id: 'w-aof', body: '{}', attempt: 2, nextAt: 9 }]);
    await again.close();
  });

  it('fails to open with the reason when Redis refuses the connection', async () => {
    const port = await freePort();
    const opening = RedisStore.open(`redis://:secret@127.0.0.1:${port}/0`);
    await expect(opening).rejects.toBeInstanceOf(RedisUnavailableError);
    await expect(opening).rejects.toThrow(
      new RegExp(`cannot use Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}/0: .*ECONNREFUSED`),
    );
  });
});
