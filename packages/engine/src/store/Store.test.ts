import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisMissing, startRedis, type TestRedis } from '@mwse/testkit/redis';
import { afterAll, beforeAll, describe, expect, it as test } from 'vitest';
import type { NotificationQuotas, StoredNotification } from '../services/NotificationStore.js';
import { MemoryStore } from './MemoryStore.js';
import { RedisStore } from './RedisStore.js';
import { SqliteStore } from './SqliteStore.js';
import type { Awaitable, ReplyRoute, Store } from './Store.js';

const dir = mkdtempSync(join(tmpdir(), 'mwse-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

// The Redis backend runs on a redis-server of this suite's own (AOF on), never a shared one.
let redis: TestRedis | undefined;
beforeAll(async () => {
  if (!redisMissing()) redis = await startRedis();
});
afterAll(() => redis?.stop());
let prefixes = 0;

/** Each backend: how to make a fresh store, and how to reopen it as a restart would (memory cannot). */
const BACKENDS: [string, () => { open(): Awaitable<Store>; durable: boolean }][] = [
  ['memory', () => ({ open: () => new MemoryStore(), durable: false })],
  [
    'sqlite',
    () => {
      const path = join(dir, `store-${++files}.db`);
      return { open: () => SqliteStore.open(path), durable: true };
    },
  ],
  [
    'redis',
    () => {
      // A prefix of its own per store: one Redis serves every test, as one serves many engines.
      const prefix = `t${++prefixes}:`;
      return { open: () => RedisStore.open(redis!.url, { prefix }), durable: true };
    },
  ],
];

const Q: NotificationQuotas = {
  perIdentity: 3,
  perSender: 5,
  total: 8,
  bytesPerIdentity: 1000,
  bytesPerSender: 2000,
  bytesTotal: 4000,
};

let seq = 0;
function note(identity: string, sender = 'identity:s', frame: string | Uint8Array = '{"type":"notify"}', ttl = 60_000, now = 1_000) {
  const nid = `n${++seq}`;
  const bytes = typeof frame === 'string' ? Buffer.byteLength(frame) : frame.byteLength;
  const n: StoredNotification = { nid, identity, sender, expiresAt: now + ttl, frame, bytes };
  const route: ReplyRoute = { nid, from: 'sock', fromIdentity: 's', identity, actions: [{ id: 'ok' }], expiresAt: n.expiresAt };
  return { n, route };
}

describe.each(BACKENDS)('%s store', (name, backend) => {
  // Skipped only where redis-server is missing outside CI (.ci/run installs it).
  const it = name === 'redis' && redisMissing() ? test.skip : test;
  it('keeps notifications per identity, oldest first, until acked', async () => {
    const store = await backend().open();
    const a = note('alice');
    const b = note('alice');
    expect(await store.notifications.put(a.n, Q, 1_000, a.route)).toBeUndefined();
    expect(await store.notifications.put(b.n, Q, 1_000, b.route)).toBeUndefined();
    expect((await store.notifications.waiting('alice', 1_000)).map((n) => n.nid)).toEqual([a.n.nid, b.n.nid]);
    expect(await store.notifications.ack('alice', a.n.nid)).toBe(true);
    expect(await store.notifications.ack('alice', a.n.nid)).toBe(false);
    expect(await store.notifications.ack('bob', b.n.nid)).toBe(false);
    expect((await store.notifications.waiting('alice', 1_000)).map((n) => n.nid)).toEqual([b.n.nid]);
    expect(store.notifications.size).toBe(1);
    await store.close();
  });

  it('refuses past each quota, in count and in bytes', async () => {
    const store = await backend().open();
    const put = (identity: string, sender?: string, frame?: string) => {
      const { n, route } = note(identity, sender, frame);
      return store.notifications.put(n, Q, 1_000, route);
    };
    for (let i = 0; i < 3; i++) expect(await put('full')).toBeUndefined();
    expect(await put('full')).toBe('identity');
    expect(await put('x', 'identity:s')).toBeUndefined();
    expect(await put('y', 'identity:s')).toBeUndefined();
    expect(await put('z', 'identity:s')).toBe('sender');
    expect(await put('w', 'identity:t', 'x'.repeat(1001))).toBe('oversized');
    expect(await put('w', 'identity:t', 'x'.repeat(600))).toBeUndefined();
    expect(await put('w', 'identity:t', 'x'.repeat(600))).toBe('identity-bytes');
    expect(store.notifications.bytes).toBe(5 * 17 + 600);
    await store.close();
  });

  it('expires by ttl, and the sweep drops routes of expired notifications', async () => {
    const store = await backend().open();
    const { n, route } = note('eve', undefined, undefined, 10, 1_000);
    await store.notifications.put(n, Q, 1_000, route);
    expect(await store.routes.get(n.nid)).toMatchObject({ nid: n.nid, identity: 'eve' });
    expect(await store.notifications.waiting('eve', 1_011)).toEqual([]);
    await store.notifications.sweep(1_011);
    expect(await store.routes.get(n.nid)).toBeUndefined();
    expect(store.notifications.size).toBe(0);
    await store.close();
  });

  it('keeps reply routes after the ack (a reply may come later)', async () => {
    const store = await backend().open();
    const { n, route } = note('rita');
    await store.notifications.put(n, Q, 1_000, route);
    await store.notifications.ack('rita', n.nid);
    expect(await store.routes.get(n.nid)).toEqual(route);
    await store.routes.put({ nid: 'peer-1', from: 'a', to: 'b', expiresAt: 9e12 });
    expect(await store.routes.get('peer-1')).toEqual({ nid: 'peer-1', from: 'a', to: 'b', expiresAt: 9e12 });
    await store.close();
  });

  it('keeps key digests up to a bound and finds their domain', async () => {
    const store = await backend().open();
    const digest = Buffer.alloc(32, 7);
    expect(await store.keys.add({ digest, domain: 'app.example', created: 1 }, 2)).toBe(true);
    expect(await store.keys.add({ digest: Buffer.alloc(32, 8), domain: 'b', created: 1 }, 2)).toBe(true);
    expect(await store.keys.add({ digest: Buffer.alloc(32, 9), domain: 'c', created: 1 }, 2)).toBe(false);
    expect(await store.keys.find(Buffer.alloc(32, 7))).toBe('app.example');
    expect(await store.keys.find(Buffer.alloc(32, 9))).toBeUndefined();
    await store.close();
  });

  it('bounds the inbox, dropping the oldest, and drains in order', async () => {
    const store = await backend().open();
    const event = (i: number) => ({ id: `e${i}`, event: 'notify/reply', at: i });
    expect(await store.inbox.push(event(1), 2)).toBe(0);
    expect(await store.inbox.push(event(2), 2)).toBe(0);
    expect(await store.inbox.push(event(3), 2)).toBe(1);
    expect(await store.inbox.drain()).toEqual([event(2), event(3)]);
    expect(await store.inbox.drain()).toEqual([]);
    await store.close();
  });

  it('reads the inbox at least once: events stay until a later read acks them', async () => {
    const store = await backend().open();
    const event = (i: number) => ({ id: `e${i}`, event: 'notify/reply', at: i });
    for (let i = 1; i <= 5; i++) await store.inbox.push(event(i), 10);
    // A read whose answer is lost is made again and gets the same events.
    expect(await store.inbox.read(undefined, 2)).toEqual([event(1), event(2)]);
    expect(await store.inbox.read(undefined, 2)).toEqual([event(1), event(2)]);
    // Acking e2 drops e1 and e2, and the next ones come.
    expect(await store.inbox.read('e2', 2)).toEqual([event(3), event(4)]);
    // The same ack again (its answer was lost) drops nothing more; an id never queued neither.
    expect(await store.inbox.read('e2', 10)).toEqual([event(3), event(4), event(5)]);
    expect(await store.inbox.read('e-unknown', 10)).toEqual([event(3), event(4), event(5)]);
    await store.inbox.push(event(6), 10);
    expect(await store.inbox.read('e5', 10)).toEqual([event(6)]);
    expect(await store.inbox.read('e6', 10)).toEqual([]);
    // A later push after everything was acked starts a fresh queue.
    await store.inbox.push(event(7), 10);
    expect(await store.inbox.read(undefined, 10)).toEqual([event(7)]);
    // Events read but not acked are still there for a drain, and the bound still drops the oldest.
    await store.inbox.push(event(8), 2);
    expect(await store.inbox.drain()).toEqual([event(7), event(8)]);
    await store.close();
  });

  it('queues webhook rows with a due time, bounded, until removed', async () => {
    const store = await backend().open();
    const job = { id: 'w1', body: '{"id":"w1"}', attempt: 1, nextAt: 5 };
    expect(await store.webhooks.enqueue(job, 1)).toBe(true);
    expect(await store.webhooks.enqueue({ ...job, id: 'w2' }, 1)).toBe(false);
    await store.webhooks.reschedule({ ...job, attempt: 2, nextAt: 50 });
    expect(await store.webhooks.pending()).toEqual([{ ...job, attempt: 2, nextAt: 50 }]);
    await store.webhooks.remove('w1');
    expect(await store.webhooks.pending()).toEqual([]);
    await store.close();
  });

  it('gives everything back after a reopen when durable', async () => {
    const b = backend();
    if (!b.durable) return;
    const first = await b.open();
    const now = Date.now();
    const text = note('dora', undefined, '{"t":1}', 60_000, now);
    const bytes = note('dora', undefined, new Uint8Array([1, 2, 3]), 60_000, now);
    const gone = note('dora', undefined, '{"t":2}', 60_000, now);
    for (const { n, route } of [text, bytes, gone]) await first.notifications.put(n, Q, now, route);
    await first.notifications.ack('dora', gone.n.nid);
    await first.keys.add({ digest: Buffer.alloc(32, 1), domain: 'kept', created: 1 }, 10);
    await first.inbox.push({ id: 'e1', event: 'x', at: 1 }, 10);
    await first.webhooks.enqueue({ id: 'w', body: '{}', attempt: 3, nextAt: 77 }, 10);
    // No close: a killed process does not close either.
    const second = await b.open();
    const waiting = await second.notifications.waiting('dora');
    expect(waiting.map((n) => [n.nid, n.frame, n.bytes])).toEqual([
      [text.n.nid, '{"t":1}', 7],
      [bytes.n.nid, new Uint8Array([1, 2, 3]), 3],
    ]);
    expect(await second.routes.get(gone.n.nid)).toEqual(gone.route);
    expect(await second.keys.find(Buffer.alloc(32, 1))).toBe('kept');
    expect(await second.inbox.drain()).toEqual([{ id: 'e1', event: 'x', at: 1 }]);
    expect(await second.webhooks.pending()).toEqual([{ id: 'w', body: '{}', attempt: 3, nextAt: 77 }]);
    await first.close();
    await second.close();
    const third = await b.open();
    expect(await third.inbox.drain()).toEqual([]);
    // Read but not acked before a kill: still there after it; acked: gone.
    for (let i = 1; i <= 3; i++) await third.inbox.push({ id: `r${i}`, event: 'x', at: i }, 10);
    expect((await third.inbox.read(undefined, 10)).map((e) => e.id)).toEqual(['r1', 'r2', 'r3']);
    expect((await third.inbox.read('r1', 10)).map((e) => e.id)).toEqual(['r2', 'r3']);
    const fourth = await b.open();
    expect((await fourth.inbox.read(undefined, 10)).map((e) => e.id)).toEqual(['r2', 'r3']);
    await third.close();
    await fourth.close();
  });
});
