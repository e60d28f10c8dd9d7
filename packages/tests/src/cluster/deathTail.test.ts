/**
 * The frames a node had counted for a client and not got to it when it was killed with -9 (its
 * socket's unsent tail): the taker of the session reads them back from the dead node's log after
 * the checkpoint the client had acked, and the client gets every frame once. Node processes of
 * their own on a redis-server of the test's own; loopback only.
 */
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { redisMissing, startRedis } from '@mwse/testkit/redis';
import { settle } from '../integration/harness.js';
import { spawnNode } from './nodes.js';
import { redisCall } from './redisRaw.js';

const suite = redisMissing() ? describe.skip : describe;

type Frame = { type: string; [key: string]: unknown };

/** A raw JSON client counting the counted frames it read (all but hello and acks). */
class Counting {
  readonly frames: Frame[] = [];
  counted = 0;
  hello: Frame | undefined;
  readonly closed: Promise<void>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      if (frame.type === 'hello') this.hello = frame;
      else if (frame.type !== 'session/ack') this.counted += 1;
      this.frames.push(frame);
    });
    ws.on('error', () => undefined);
    this.closed = new Promise((resolve) => ws.on('close', () => resolve()));
  }

  static async open(url: string): Promise<Counting> {
    const client = new Counting(new WebSocket(url));
    await new Promise((resolve, reject) => {
      client.ws.once('open', resolve);
      client.ws.once('error', reject);
    });
    return client;
  }

  send(frame: object): void {
    this.ws.send(JSON.stringify(frame));
  }

  async until(match: (f: Frame) => boolean, ms = 10_000): Promise<Frame> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      if (Date.now() > deadline) throw new Error('no such frame in time');
      await settle(10);
    }
  }

  /** The `j` of every pack from `from`, in the order read. */
  packs(from: string): number[] {
    return this.frames.filter((f) => f.type === 'pack' && f.from === from).map((f) => (f.pack as { j: number }).j);
  }
}

suite('frames a killed node counted and never got to its client', () => {
  it('are read back from its log by the taker, after the checkpoint the client acked: every frame once', { timeout: 90_000 }, async () => {
    const redis = await startRedis();
    // Outbound bounds large enough that the node holds what its client does not read, rather
    // than ending the session as a slow consumer.
    const env = { GRACE: '60000', LEASE: '3000', OUTBOUND_FRAMES: '8192', OUTBOUND_BYTES: String(96 * 1024 * 1024) };
    const nodes = [await spawnNode(redis.url, 'tail-a', env), await spawnNode(redis.url, 'tail-b', env)];
    const url = (i: number) => `ws://127.0.0.1:${nodes[i]!.port}/`;
    const open: Counting[] = [];
    try {
      // The reader and a sender on the node that dies, a sender on the one that lives.
      const reader = await Counting.open(url(0));
      const near = await Counting.open(url(0));
      const far = await Counting.open(url(1));
      open.push(reader, near, far);
      const hellos = await Promise.all([reader, near, far].map((c) => c.until((f) => f.type === 'hello')));
      const [readerId, nearId, farId] = hellos.map((h) => h.socketId as string);
      reader.send({ type: 'session/set', id: 1, flags: { pairauth: false } });
      await reader.until((f) => f.type === 'result' && f.id === 1);
      const sent = { near: 0, far: 0 };
      const burst = (n: number, size: number) => {
        const pad = 'x'.repeat(size);
        for (let i = 0; i < n; i++) {
          near.send({ type: 'pack/to', to: readerId, pack: { j: sent.near++, pad } });
          far.send({ type: 'pack/to', to: readerId, pack: { j: sent.far++, pad } });
        }
      };
      // A first stretch the reader reads and acks: its checkpoint.
      burst(20, 16);
      await reader.until(() => reader.packs(nearId!).length === 20 && reader.packs(farId!).length === 20);
      reader.send({ type: 'session/ack', seq: reader.counted });
      await settle(100);
      burst(2, 16);
      await reader.until(() => reader.packs(nearId!).length === 22 && reader.packs(farId!).length === 22);
      await settle(200);

      // Then the reader stops reading: what the node sends it piles up in the socket buffers
      // and then in the node, counted all the same.
      reader.ws.pause();
      burst(600, 16 * 1024);
      const key = `mwse:cluster:session:${readerId}`;
      for (let i = 0; i < 300; i++) {
        if (Number(await redisCall(redis.port, `HGET ${key} s`)) >= reader.counted + 2 * 600) break;
        await settle(50);
      }
      expect(Number(await redisCall(redis.port, `HGET ${key} s`)), 'the dead node counted every frame').toBeGreaterThanOrEqual(1 + 2 * 622);
      nodes[0]!.child.kill('SIGKILL');
      await new Promise((resolve) => nodes[0]!.child.once('exit', resolve));
      // What reached the reader's side of the socket it reads now; the rest is gone with the node.
      reader.ws.resume();
      await reader.closed;
      const seq = reader.counted;
      expect(seq, 'frames the node counted but its client never read').toBeLessThan(1 + 2 * 622);

      // The reader resumes on the live node with what it read.
      const token = (reader.hello!.resume as { token: string }).token;
      const again = await Counting.open(`${url(1)}?resume=1`);
      open.push(again);
      again.send({ type: 'session/resume', socketId: readerId, token, seq, from: 1 });
      const hello = await again.until((f) => f.type === 'hello', 20_000);
      expect(hello.resumed).toBe(true);
      // The far sender goes on; the near one died with its node.
      burst(5, 16);
      const farAll = () => [...reader.packs(farId!), ...again.packs(farId!)];
      await again.until(() => farAll().length >= sent.far, 20_000).catch(() => undefined);
      await settle(300);
      const nearAll = [...reader.packs(nearId!), ...again.packs(nearId!)];
      const expectRun = (got: number[], upTo: number) => {
        const lost = upTo - new Set(got).size;
        const doubled = got.length - new Set(got).size;
        return { lost, doubled, inOrder: got.every((j, i) => i === 0 || j > got[i - 1]!) };
      };
      // Every frame of the far sender once, in order; the near sender's up to what the dead node
      // applied, which is all it was sent here (its socket was read to the end).
      expect(expectRun(farAll(), sent.far)).toEqual({ lost: 0, doubled: 0, inOrder: true });
      expect(expectRun(nearAll, 622)).toEqual({ lost: 0, doubled: 0, inOrder: true });
    } finally {
      for (const c of open) c.ws.terminate();
      for (const n of nodes) n.child.kill('SIGKILL');
      await redis.stop();
    }
  });
});
