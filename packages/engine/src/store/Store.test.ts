import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NotificationQuotas, StoredNotification } from '../services/NotificationStore.js';
import { MemoryStore } from './MemoryStore.js';
import { SqliteStore } from './SqliteStore.js';
import type { ReplyRoute, Store } from './Store.js';

const dir = mkdtempSync(join(tmpdir(), 'mwse-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** Each backend: how to make a fresh store, and how to reopen it as a restart would (memory cannot). */
const BACKENDS: [string, () => { open(): Store; durable: boolean }][] = [
  ['memory', () => ({ open: () => new MemoryStore(), durable: false })],
  [
    'sqlite',
    () => {
      const path = join(dir, `store-${++files}.db`);
      return { open: () => SqliteStore.open(path), durable: true };
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

describe.each(BACKENDS)('%s store', (_name, backend) => {
  it('keeps notifications per identity, oldest first, until acked', () => {
    const store = backend().open();
    const a = note('alice');
    const b = note('alice');
    expect(store.notifications.put(a.n, Q, 1_000, a.route)).toBeUndefined();
    expect(store.notifications.put(b.n, Q, 1_000, b.route)).toBeUndefined();
    expect((store.notifications.waiting('alice', 1_000) as StoredNotification[]).map((n) => n.nid)).toEqual([a.n.nid, b.n.nid]);
    expect(store.notifications.ack('alice', a.n.nid)).toBe(true);
    expect(store.notifications.ack('alice', a.n.nid)).toBe(false);
    expect(store.notifications.ack('bob', b.n.nid)).toBe(false);
    expect((store.notifications.waiting('alice', 1_000) as StoredNotification[]).map((n) => n.nid)).toEqual([b.n.nid]);
    expect(store.notifications.size).toBe(1);
    void store.close();
  });

  it('refuses past each quota, in count and in bytes', () => {
    const store = backend().open();
    const put = (identity: string, sender?: string, frame?: string) => {
      const { n, route } = note(identity, sender, frame);
      return store.notifications.put(n, Q, 1_000, route);
    };
    for (let i = 0; i < 3; i++) expect(put('full')).toBeUndefined();
    expect(put('full')).toBe('identity');
    expect(put('x', 'identity:s')).toBeUndefined();
    expect(put('y', 'identity:s')).toBeUndefined();
    expect(put('z', 'identity:s')).toBe('sender');
    expect(put('w', 'identity:t', 'x'.repeat(1001))).toBe('oversized');
    expect(put('w', 'identity:t', 'x'.repeat(600))).toBeUndefined();
    expect(put('w', 'identity:t', 'x'.repeat(600))).toBe('identity-bytes');
    expect(store.notifications.bytes).toBe(5 * 17 + 600);
    void store.close();
  });

  it('expires by ttl, and the sweep drops routes of expired notifications', () => {
    const store = backend().open();
    const { n, route } = note('eve', undefined, undefined, 10, 1_000);
    store.notifications.put(n, Q, 1_000, route);
    expect(store.routes.get(n.nid)).toMatchObject({ nid: n.nid, identity: 'eve' });
    expect(store.notifications.waiting('eve', 1_011)).toEqual([]);
    store.notifications.sweep(1_011);
    expect(store.routes.get(n.nid)).toBeUndefined();
    expect(store.notifications.size).toBe(0);
    void store.close();
  });

  it('keeps reply routes after the ack (a reply may come later)', () => {
    const store = backend().open();
    const { n, route } = note('rita');
    store.notifications.put(n, Q, 1_000, route);
    store.notifications.ack('rita', n.nid);
    expect(store.routes.get(n.nid)).toEqual(route);
    store.routes.put({ nid: 'peer-1', from: 'a', to: 'b', expiresAt: 9e12 });
    expect(store.routes.get('peer-1')).toEqual({ nid: 'peer-1', from: 'a', to: 'b', expiresAt: 9e12 });
    void store.close();
  });

  it('keeps key digests up to a bound and finds their domain', () => {
    const store = backend().open();
    const digest = Buffer.alloc(32, 7);
    expect(store.keys.add({ digest, domain: 'app.example', created: 1 }, 2)).toBe(true);
    expect(store.keys.add({ digest: Buffer.alloc(32, 8), domain: 'b', created: 1 }, 2)).toBe(true);
    expect(store.keys.add({ digest: Buffer.alloc(32, 9), domain: 'c', created: 1 }, 2)).toBe(false);
    expect(store.keys.find(Buffer.alloc(32, 7))).toBe('app.example');
    expect(store.keys.find(Buffer.alloc(32, 9))).toBeUndefined();
    void store.close();
  });

  it('bounds the inbox, dropping the oldest, and drains in order', () => {
    const store = backend().open();
    const event = (i: number) => ({ id: `e${i}`, event: 'notify/reply', at: i });
    expect(store.inbox.push(event(1), 2)).toBe(0);
    expect(store.inbox.push(event(2), 2)).toBe(0);
    expect(store.inbox.push(event(3), 2)).toBe(1);
    expect(store.inbox.drain()).toEqual([event(2), event(3)]);
    expect(store.inbox.drain()).toEqual([]);
    void store.close();
  });

  it('queues webhook rows with a due time, bounded, until removed', () => {
    const store = backend().open();
    const job = { id: 'w1', body: '{"id":"w1"}', attempt: 1, nextAt: 5 };
    expect(store.webhooks.enqueue(job, 1)).toBe(true);
    expect(store.webhooks.enqueue({ ...job, id: 'w2' }, 1)).toBe(false);
    store.webhooks.reschedule({ ...job, attempt: 2, nextAt: 50 });
    expect(store.webhooks.pending()).toEqual([{ ...job, attempt: 2, nextAt: 50 }]);
    store.webhooks.remove('w1');
    expect(store.webhooks.pending()).toEqual([]);
    void store.close();
  });

  it('gives everything back after a reopen when durable', () => {
    const b = backend();
    if (!b.durable) return;
    const first = b.open();
    const now = Date.now();
    const text = note('dora', undefined, '{"t":1}', 60_000, now);
    const bytes = note('dora', undefined, new Uint8Array([1, 2, 3]), 60_000, now);
    const gone = note('dora', undefined, '{"t":2}', 60_000, now);
    for (const { n, route } of [text, bytes, gone]) first.notifications.put(n, Q, now, route);
    first.notifications.ack('dora', gone.n.nid);
    first.keys.add({ digest: Buffer.alloc(32, 1), domain: 'kept', created: 1 }, 10);
    first.inbox.push({ id: 'e1', event: 'x', at: 1 }, 10);
    first.webhooks.enqueue({ id: 'w', body: '{}', attempt: 3, nextAt: 77 }, 10);
    // No close: a killed process does not close either.
    const second = b.open();
    const waiting = second.notifications.waiting('dora') as StoredNotification[];
    expect(waiting.map((n) => [n.nid, n.frame, n.bytes])).toEqual([
      [text.n.nid, '{"t":1}', 7],
      [bytes.n.nid, new Uint8Array([1, 2, 3]), 3],
    ]);
    expect(second.routes.get(gone.n.nid)).toEqual(gone.route);
    expect(second.keys.find(Buffer.alloc(32, 1))).toBe('kept');
    expect(second.inbox.drain()).toEqual([{ id: 'e1', event: 'x', at: 1 }]);
    expect(second.webhooks.pending()).toEqual([{ id: 'w', body: '{}', attempt: 3, nextAt: 77 }]);
    void first.close();
    void second.close();
    const third = b.open();
    expect(third.inbox.drain()).toEqual([]);
    void third.close();
  });
});
