import { redisMissing, startRedis, type TestRedis } from '@mwse/testkit/redis';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createEngine, type Engine } from '../Engine.js';

// A session's applied count in Redis against what its frames published, on two nodes against a
// redis-server of the test's own: the count never runs ahead of the publishes (Redis's MONITOR
// gives the order it ran the nodes' scripts in), and the client is acked only a count Redis
// holds (writes paused, no ack).
const suite = redisMissing() ? describe.skip : describe;
const quiet = { error() {}, warn() {}, info() {}, debug() {} };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Frame = { type: string; [key: string]: unknown };

/** A raw JSON client: every frame it got, in order. */
class Raw {
  readonly frames: Frame[] = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.frames.push(JSON.parse(data.toString()) as Frame));
  }

  static async open(port: number): Promise<Raw> {
    const raw = new Raw(new WebSocket(`ws://127.0.0.1:${port}/`));
    await new Promise((resolve, reject) => {
      raw.ws.once('open', resolve);
      raw.ws.once('error', reject);
    });
    await raw.until((f) => f.type === 'hello');
    return raw;
  }

  get id(): string {
    return this.frames.find((f) => f.type === 'hello')!.socketId as string;
  }

  send(frame: object): void {
    this.ws.send(JSON.stringify(frame));
  }

  async until(match: (f: Frame) => boolean, ms = 5000): Promise<Frame> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error('no such frame in time');
      await sleep(10);
    }
  }

  acks(): number[] {
    return this.frames.filter((f) => f.type === 'session/ack').map((f) => f.seq as number);
  }
}

suite('session counts in Redis against the bus', () => {
  let redis: TestRedis;
  let admin: Redis;
  const engines: Engine[] = [];
  const clients: Raw[] = [];

  beforeAll(async () => {
    redis = await startRedis({ appendonly: false });
    admin = new Redis(redis.url);
    // A long lease: renewed every 20 s, never within the suite. A renewal writes the node's lease
    // over whatever the key holds, which would undo the last test's "taken by another" at random.
    for (const nodeId of ['order-a', 'order-b']) {
      engines.push(
        await createEngine({ host: '127.0.0.1', port: 0, transport: 'ws', logger: quiet, resumeGrace: 60_000, cluster: { redis: redis.url, nodeId, lease: 60_000 } }),
      );
    }
  });
  /**
   * `a` on the first node, `b` on the second taking its direct frames, one frame from `a` to `b`
   * delivered and counted: `a`'s record and the applied count Redis holds for it.
   */
  async function pairAcross(settleMs: number) {
    const [a, b] = [await Raw.open(engines[0]!.port), await Raw.open(engines[1]!.port)];
    clients.push(a, b);
    b.send({ type: 'session/set', id: 1, flags: { pairauth: false } });
    await b.until((f) => f.type === 'result');
    a.send({ type: 'pack/to', to: b.id, pack: { m: 'first' } });
    await b.until((f) => f.type === 'pack');
    await sleep(settleMs);
    const record = `mwse:cluster:session:${a.id}`;
    return { a, b, record, base: Number(await admin.hget(record, 'a')) };
  }

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await Promise.all(engines.map((e) => e.close()));
    admin?.disconnect();
    await redis?.stop();
  });

  it('writes a session’s applied count with the publishes of the frames it counts, in one transaction', async () => {
    const { a, b, base } = await pairAcross(200);

    // Redis's order of the nodes' commands, per connection: A's publishes to B's log, A's writes
    // of a's count, and the MULTI/EXEC around them.
    const monitor = await admin.monitor();
    type Block = { published: number; written: number };
    const seen: { published: number; written: number }[] = [];
    const open = new Map<string, Block>();
    const outside: number[] = [];
    let published = 0;
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      const command = args[0]?.toLowerCase();
      if (command === 'multi') open.set(source, { published: 0, written: 0 });
      if (command === 'exec') {
        const block = open.get(source);
        open.delete(source);
        // Every frame of a published in this transaction is counted by a write in it.
        if (block && block.published > block.written) outside.push(block.published);
      }
      if (command !== 'eval') return;
      const keys = args.slice(3, 3 + Number(args[2]));
      if (keys[0] === 'mwse:cluster:log:order-b') {
        let top = 0;
        for (const m of args.join(' ').matchAll(/cap-(\d+)/g)) top = Math.max(top, Number(m[1]) + 1);
        if (top === 0) return;
        published = Math.max(published, top);
        const block = open.get(source);
        if (block) block.published = Math.max(block.published, top);
        else outside.push(top);
      } else if (keys[0] === 'mwse:cluster:sessions:order-a') {
        const at = args.indexOf(a.id);
        if (at <= 0 || args[at - 1] !== 'c') return;
        const written = Number(args[at + 1]!.split(',')[0]) - base;
        seen.push({ published, written });
        const block = open.get(source);
        if (block) block.written = Math.max(block.written, written);
      }
    });
    const frames = 150;
    for (let j = 0; j < frames; j++) {
      a.send({ type: 'pack/to', to: b.id, pack: { m: `cap-${j}` } });
      if (j % 3 === 0) await sleep(1);
    }
    await b.until((f) => f.type === 'pack' && (f.pack as { m: string }).m === `cap-${frames - 1}`);
    await sleep(200);
    monitor.disconnect();
    const ahead = seen.filter((s) => s.written > s.published);
    expect(seen.length).toBeGreaterThan(5);
    expect(seen.at(-1)!.written).toBe(frames);
    expect(ahead, `${ahead.length} of ${seen.length} count writes ran ahead of the publishes`).toEqual([]);
    expect(outside, 'publishes of frames whose count was not written in their transaction').toEqual([]);
  });

  it('sends a frame between two sessions of one node only once Redis holds it', async () => {
    const [a, b] = [await Raw.open(engines[0]!.port), await Raw.open(engines[0]!.port)];
    clients.push(a, b);
    b.send({ type: 'session/set', id: 1, flags: { pairauth: false } });
    await b.until((f) => f.type === 'result' && f.id === 1);
    // Writes paused: the node's log cannot take the frame, so b may not get it yet.
    await admin.call('CLIENT', 'PAUSE', '600', 'WRITE');
    const paused = Date.now();
    a.send({ type: 'pack/to', to: b.id, pack: { m: 'local' } });
    await sleep(300);
    const early = b.frames.some((f) => f.type === 'pack');
    const got = await b.until((f) => f.type === 'pack');
    expect(early, 'delivered while Redis wrote nothing').toBe(false);
    expect(Date.now() - paused).toBeGreaterThanOrEqual(550);
    expect((got.pack as { m: string }).m).toBe('local');
    // It is an entry of the node's own log, for a taker of b to find.
    const entries = (await admin.xrevrange('mwse:cluster:log:order-a', '+', '-', 'COUNT', 20)) as [string, string[]][];
    expect(entries.some(([, fields]) => fields.join(' ').includes('local'))).toBe(true);
  });

  it('acks a client only the count Redis has confirmed', async () => {
    const a = await Raw.open(engines[0]!.port);
    clients.push(a);
    a.send({ type: 'session/set', id: 1, flags: { pairauth: false } });
    await a.until((f) => f.type === 'session/ack');
    const record = `mwse:cluster:session:${a.id}`;
    // Writes paused: the node's count cannot reach Redis, so it may not be acked.
    await admin.call('CLIENT', 'PAUSE', '800', 'WRITE');
    const paused = Date.now();
    const before = a.acks().length;
    for (let id = 2; id <= 6; id++) a.send({ type: 'session/set', id, flags: { pairauth: false } });
    await sleep(Math.max(0, paused + 500 - Date.now()));
    expect(a.acks().slice(before), 'acks while Redis wrote nothing').toEqual([]);
    // Once Redis holds the count, it is acked.
    const ack = await a.until((f) => f.type === 'session/ack' && f.seq === 6, 5000);
    expect(ack.seq).toBe(6);
    expect(Number(await admin.hget(record, 'a'))).toBeGreaterThanOrEqual(6);
  });

  // Last: the node fences itself at the end.
  it('writes no count while the node’s lease is not its own, as the bus then publishes nothing', async () => {
    const { a, b, record, base } = await pairAcross(100);
    // The node was taken for dead (its lease is another's now) and does not know it yet.
    await admin.set('mwse:cluster:lease:order-a', 'taken');
    a.send({ type: 'pack/to', to: b.id, pack: { m: 'refused' } });
    await sleep(300);
    expect(b.frames.some((f) => f.type === 'pack' && (f.pack as { m: string }).m === 'refused')).toBe(false);
    expect(Number(await admin.hget(record, 'a'))).toBe(base);
  });
});
