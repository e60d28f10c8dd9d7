import { redisMissing, startRedis, type TestRedis } from '@mwse/testkit/redis';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bus, type Op } from './Bus.js';
import { type ClusterRedis, openRedis } from './RedisLink.js';
import { batchHead, batchOf } from './busLog.js';
import { writeOps } from './busOps.js';

// The bus and its log against a redis-server of the test's own (AOF on): sequence numbers, gaps
// filled from the log, duplicates skipped, a restarted source, state lost, fencing. Batches the
// channel "lost" are made by writing to the log without publishing, in the bus's own format.
const suite = redisMissing() ? describe.skip : describe;
const quiet = { error() {}, warn() {}, info() {}, debug() {} };
const turn = (ms = 2) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await turn(10);
  expect(check()).toBe(true);
}

interface TestNode {
  id: string;
  bus: Bus;
  /** The ids of the `g` ops applied here, in order. */
  applied: string[];
  lost: { node: string; reason: string }[];
  live: Set<string>;
  pub: ClusterRedis;
  sub: ClusterRedis;
  leaseKey: string;
}

suite('cluster bus and its log', () => {
  let redis: TestRedis;
  let admin: Redis;
  const open: TestNode[] = [];
  let n = 0;

  beforeAll(async () => {
    redis = await startRedis({ appendonly: true });
    admin = new Redis(redis.url);
  });
  afterAll(async () => {
    for (const node of open) {
      node.bus.stop();
      node.pub.disconnect();
      node.sub.disconnect();
    }
    admin?.disconnect();
    await redis?.stop();
  });

  async function node(id: string, live: string[], seen?: (op: Op, bus: Bus) => void): Promise<TestNode> {
    const pub = openRedis(redis.url, id);
    const sub = openRedis(redis.url, `${id}-sub`);
    await Promise.all([pub.connect(), sub.connect()]);
    const leaseKey = `test:lease:${id}`;
    await admin.set(leaseKey, `tag-${id}`);
    const applied: string[] = [];
    const lost: { node: string; reason: string }[] = [];
    const alive = new Set(live);
    const bus = new Bus(pub, sub, id, quiet, {
      apply: (op: Op) => {
        if (op.o === 'g') applied.push(op.id);
        seen?.(op, bus);
        return undefined;
      },
      announced: () => {},
      probed: () => {},
      live: (other) => alive.has(other),
      lost: (other, reason) => lost.push({ node: other, reason }),
    });
    bus.fence(leaseKey, `tag-${id}`);
    await bus.listen();
    const self: TestNode = { id, bus, applied, lost, live: alive, pub, sub, leaseKey };
    open.push(self);
    return self;
  }

  /** Two fresh nodes that take each other for live. */
  async function pair(): Promise<[TestNode, TestNode]> {
    const k = ++n;
    const a = await node(`a${k}`, [`b${k}`]);
    const b = await node(`b${k}`, [`a${k}`]);
    return [a, b];
  }

  const log = (id: string) => `mwse:cluster:log:${id}`;
  const channel = (id: string) => `mwse:cluster:node:${id}`;

  /** The header the bus gave the last batch in `target`'s log: source, epoch, sequence. */
  async function lastHeader(target: string): Promise<{ n: string; e: string; q: number }> {
    const [entry] = await admin.xrevrange(log(target), '+', '-', 'COUNT', 1);
    return batchOf(entry![0], entry![1][1]!, '');
  }

  /** Append a batch to `target`'s log as the bus would, and publish it only if `publish`. */
  async function forge(target: string, head: { n: string; e: string; q: number }, ids: string[], publish: boolean): Promise<string> {
    const h = batchHead(head.n, head.e, head.q);
    const o = writeOps(ids.map((id) => ({ o: 'g', id })), head.n);
    const id = (await admin.xadd(log(target), '*', 'h', h, 'o', o))!;
    if (publish) await admin.publish(channel(target), `{"i":"${id}",${h}}\n${o}`);
    return id;
  }

  it('applies every batch once and in order though pub/sub connections are killed', async () => {
    const [a, b] = await pair();
    const sent: string[] = [];
    const send = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const id = `m${sent.length}`;
        sent.push(id);
        b.bus.push(a.id, { o: 'g', id });
        await turn();
      }
    };
    await send(20);
    for (let k = 0; k < 3; k++) {
      expect(await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub')).toBeGreaterThan(0);
      // Sent at once: before ioredis has reconnected and resubscribed.
      await send(20);
      await turn(300);
    }
    await until(() => a.applied.length >= sent.length);
    await turn(200);
    expect(a.applied).toEqual(sent);
    expect(a.bus.recovered).toBeGreaterThan(0);
    expect(a.lost).toEqual([]);
  });

  it('fills a gap the sequence numbers show, from the log, before what comes after it', async () => {
    const [a, b] = await pair();
    b.bus.push(a.id, { o: 'g', id: 'one' });
    await until(() => a.applied.length === 1);
    const head = await lastHeader(a.id);
    await forge(a.id, { ...head, q: 2 }, ['two'], false);
    await forge(a.id, { ...head, q: 3 }, ['three'], true);
    await until(() => a.applied.length === 3);
    expect(a.applied).toEqual(['one', 'two', 'three']);
    expect(a.bus.recovered).toBe(2);
  });

  it('fills a gap its probe shows, with no later batch to show it', async () => {
    const [a, b] = await pair();
    b.bus.push(a.id, { o: 'g', id: 'one' });
    await until(() => a.applied.length === 1);
    await forge(a.id, { ...(await lastHeader(a.id)), q: 2 }, ['two'], false);
    await turn(100);
    expect(a.applied).toEqual(['one']);
    a.bus.probe();
    await until(() => a.applied.length === 2);
    expect(a.applied).toEqual(['one', 'two']);
  });

  it('skips a batch it has applied, repeated by the channel or appended again', async () => {
    const [a, b] = await pair();
    b.bus.push(a.id, { o: 'g', id: 'one' });
    await until(() => a.applied.length === 1);
    const [entry] = await admin.xrevrange(log(a.id), '+', '-', 'COUNT', 1);
    await admin.publish(channel(a.id), `{"i":"${entry![0]}",${entry![1][1]}${entry![1][3]}}`);
    await forge(a.id, await lastHeader(a.id), ['one again'], true);
    b.bus.push(a.id, { o: 'g', id: 'two' });
    await until(() => a.applied.length >= 2);
    await turn(100);
    expect(a.applied).toEqual(['one', 'two']);
  });

  it('takes a restarted source’s new sequence from its start', async () => {
    const [a, b] = await pair();
    for (const id of ['one', 'two', 'three']) {
      b.bus.push(a.id, { o: 'g', id });
      await turn();
    }
    await until(() => a.applied.length === 3);
    b.bus.stop();
    const again = await node(b.id, [a.id]);
    again.bus.push(a.id, { o: 'g', id: 'after restart' });
    await until(() => a.applied.length === 4);
    expect(a.applied[3]).toBe('after restart');
    expect((await lastHeader(a.id)).q).toBe(1);
    expect(a.lost).toEqual([]);
  });

  it('reports batches no longer in the log as state lost', async () => {
    const [a, b] = await pair();
    b.bus.push(a.id, { o: 'g', id: 'one' });
    await until(() => a.applied.length === 1);
    // Batch 2 was neither published nor kept (trimmed past the log's bound).
    await forge(a.id, { ...(await lastHeader(a.id)), q: 3 }, ['three'], true);
    await until(() => a.lost.length === 1);
    expect(a.lost[0]!.node).toBe(b.id);
    expect(a.lost[0]!.reason).toMatch(/2\.\.2/);
    expect(a.bus.stateLost).toBe(1);
  });

  it('publishes nothing for a node whose lease is gone, and says so', async () => {
    const [a, b] = await pair();
    await admin.del(b.leaseKey);
    b.bus.push(a.id, { o: 'g', id: 'fenced' });
    await until(() => b.lost.length === 1);
    expect(b.lost[0]!.reason).toMatch(/fenced/);
    await turn(100);
    expect(a.applied).toEqual([]);
    expect(await admin.exists(log(a.id))).toBe(0);
  });

  it('applies nothing from a node that is not live here', async () => {
    const [a, b] = await pair();
    a.live.delete(b.id);
    b.bus.push(a.id, { o: 'g', id: 'from the dead' });
    await turn(100);
    expect(a.applied).toEqual([]);
    a.live.add(b.id);
    b.bus.push(a.id, { o: 'g', id: 'alive again' });
    await until(() => a.applied.length === 1);
    await turn(50);
    expect(a.applied).toEqual(['alive again']);
  });

  it('tells how far in its log it has applied: each batch from its first op on, a repeat once passed', async () => {
    const k = ++n;
    const at: [string, string][] = [];
    const a = await node(`a${k}`, [`b${k}`], (op, bus) => op.o === 'g' && at.push([op.id, bus.appliedAt]));
    const b = await node(`b${k}`, [`a${k}`]);
    const before = a.bus.appliedAt;
    b.bus.push(a.id, { o: 'g', id: 'one' });
    b.bus.push(a.id, { o: 'g', id: 'two' });
    await until(() => a.applied.length === 2);
    const [entry] = await admin.xrevrange(log(a.id), '+', '-', 'COUNT', 1);
    expect(entry![0]).not.toBe(before);
    // Both ops of the batch ran with its id already given out (the mirror may write it then).
    expect(at).toEqual([
      ['one', entry![0]],
      ['two', entry![0]],
    ]);
    expect(a.bus.appliedAt).toBe(entry![0]);
    // A repeat of that batch (same sequence number) is skipped, and passed.
    const head = await lastHeader(a.id);
    const repeat = await forge(a.id, head, ['one again'], true);
    await until(() => a.bus.appliedAt === repeat);
    expect(a.applied).toEqual(['one', 'two']);
  });

  it('bounds the log by age: it expires when no batch comes for twice its retention', async () => {
    const [a, b] = await pair();
    b.bus.push(a.id, { o: 'g', id: 'one' });
    await until(() => a.applied.length === 1);
    expect(b.bus.retention).toBe(6000);
    const ttl = await admin.pttl(log(a.id));
    expect(ttl).toBeGreaterThan(9000);
    expect(ttl).toBeLessThanOrEqual(12_000);
  });
});
