import { describe, expect, it } from 'vitest';
import { FlushScheduler, OutboundQueue } from '../OutboundQueue.js';
import { FakeSocket } from '../testing/FakeSocket.js';
import { Session } from './Session.js';

const session = (frames = 1024, bytes = 8 * 1024 * 1024) => new Session(Buffer.alloc(32), { frames, bytes });
const frame = (n: number) => `frame ${n}`;

/** Record frames `from` … `to` (numbered as the session numbers them). */
function record(s: Session, from: number, to: number): boolean[] {
  const kept: boolean[] = [];
  for (let n = from; n <= to; n++) kept.push(s.record(frame(n)));
  return kept;
}

describe('Session replay buffer', () => {
  it('an ack frees the frames it covers; missed() replays the rest in order', () => {
    const s = session();
    record(s, 1, 10);
    expect(s.kept).toBe(10);
    expect(s.keptBytes).toBe(10 * 7 + 1);
    s.ack(4);
    expect(s.kept).toBe(6);
    expect(s.keptBytes).toBe(6 * 7 + 1);
    expect(s.missed(4)).toEqual([5, 6, 7, 8, 9, 10].map(frame));
    expect(s.missed(7)).toEqual([8, 9, 10].map(frame));
    expect(s.missed(10)).toEqual([]);
    // Acked frames are gone; a count past what was sent is not a session.
    expect(s.missed(3)).toBeUndefined();
    expect(s.missed(11)).toBeUndefined();
  });

  it('ignores acks behind the last one or past what was sent', () => {
    const s = session();
    record(s, 1, 10);
    s.ack(6);
    s.ack(3);
    s.ack(6);
    s.ack(11);
    s.ack(Number.MAX_SAFE_INTEGER);
    expect(s).toMatchObject({ acked: 6, kept: 4, sent: 10 });
    s.ack(10);
    expect(s).toMatchObject({ acked: 10, kept: 0, keptBytes: 0 });
    expect(s.missed(10)).toEqual([]);
  });

  it('keeps order and counts across many wraps of its ring, acked in uneven steps', () => {
    const s = session();
    let sent = 0;
    let acked = 0;
    // Sizes and steps that do not divide the ring's length: the ring wraps at every offset.
    for (let round = 0; round < 200; round++) {
      const n = 1 + ((round * 37) % 300);
      record(s, sent + 1, sent + n);
      sent += n;
      expect(s.missed(acked)).toEqual(Array.from({ length: sent - acked }, (_, i) => frame(acked + 1 + i)));
      acked = Math.max(acked, sent - ((round * 13) % 40));
      s.ack(acked);
      expect(s.kept).toBe(sent - acked);
      const bytes = Array.from({ length: sent - acked }, (_, i) => frame(acked + 1 + i).length).reduce((a, b) => a + b, 0);
      expect(s.keptBytes).toBe(bytes);
    }
    expect(s.sent).toBe(sent);
  });

  it('while live, the oldest frames make room at the frame bound; while away, going past it means the end', () => {
    const s = session(8);
    expect(record(s, 1, 20).every(Boolean)).toBe(true);
    expect(s.kept).toBe(8);
    expect(s.missed(12)).toEqual([13, 14, 15, 16, 17, 18, 19, 20].map(frame));
    // A resume from before what is kept cannot be exact.
    expect(s.missed(11)).toBeUndefined();
    s.ack(14);
    s.away = true;
    expect(record(s, 21, 22)).toEqual([true, true]);
    expect(s.kept).toBe(8);
    expect(s.record(frame(23))).toBe(false);
    expect(s).toMatchObject({ kept: 8, sent: 22 });
    expect(s.missed(14)).toEqual([15, 16, 17, 18, 19, 20, 21, 22].map(frame));
  });

  it('likewise at the byte bound', () => {
    const s = session(1024, 100);
    const big = 'x'.repeat(40);
    expect([s.record(big), s.record(big), s.record(big)]).toEqual([true, true, true]);
    expect(s).toMatchObject({ kept: 2, keptBytes: 80, sent: 3 });
    s.away = true;
    expect(s.record('y'.repeat(20))).toBe(true);
    expect(s.record('z')).toBe(false);
    expect(s).toMatchObject({ kept: 3, keptBytes: 100, sent: 4 });
    // One frame alone always fits, however big (the outbound queue's bound applies to it).
    const lone = session(1024, 10);
    lone.away = true;
    expect(lone.record('x'.repeat(50))).toBe(true);
    expect(lone.record('y')).toBe(false);
  });

  it('counts binary frames by their bytes', () => {
    const s = session(1024, 64);
    expect(s.record(new Uint8Array(30))).toBe(true);
    expect(s.record(new Uint8Array(30))).toBe(true);
    expect(s.keptBytes).toBe(60);
    s.away = true;
    expect(s.record(new Uint8Array(5))).toBe(false);
    s.away = false;
    expect(s.record(new Uint8Array(5))).toBe(true);
    expect(s).toMatchObject({ kept: 2, keptBytes: 35 });
  });

  it('lets go of the frames it freed, and of a grown ring once emptied', () => {
    const s = session();
    const ringOf = (x: Session) => (x as unknown as { slots: unknown[] }).slots;
    // A session that has kept nothing holds no ring of its own.
    expect(ringOf(s)).toHaveLength(0);
    expect(ringOf(s)).toBe(ringOf(session()));
    record(s, 1, 1000);
    s.ack(1000);
    const slots = () => (s as unknown as { slots: (string[] | undefined)[] }).slots;
    expect(slots().length).toBeLessThanOrEqual(16);
    record(s, 1001, 1010);
    s.ack(1005);
    expect(slots().filter((x) => x !== undefined)).toEqual([1006, 1007, 1008, 1009, 1010].map((n) => [frame(n)]));
    // The ring the fresh sessions share was never written to.
    expect(ringOf(session())).toHaveLength(0);
  });
});

describe('Session replay buffer, frames kept as their queue writes them', () => {
  function carried(frames = 1024, bytes = 8 * 1024 * 1024) {
    const socket = new FakeSocket();
    socket.drains = true;
    const queue = new OutboundQueue(socket, { messages: 1 << 20, bytes: Infinity }, new FlushScheduler(), () => {});
    const s = session(frames, bytes);
    s.carry(queue);
    return { s, queue, socket };
  }

  it('keeps what a flush wrote, counts what is still queued as sent, and replays that last', () => {
    const { s, queue, socket } = carried();
    for (let n = 1; n <= 10; n++) queue.push(frame(n));
    expect(s).toMatchObject({ sent: 10, kept: 0 });
    queue.flush();
    expect(socket.sent).toEqual(Array.from({ length: 10 }, (_, i) => frame(i + 1)));
    expect(s).toMatchObject({ sent: 10, kept: 10, keptBytes: 10 * 7 + 1 });
    for (let n = 11; n <= 13; n++) queue.push(frame(n));
    expect(s.sent).toBe(13);
    // A client cannot have received what was not written: that ack is ignored.
    s.ack(12);
    expect(s.acked).toBe(0);
    s.ack(4);
    expect(s).toMatchObject({ acked: 4, kept: 6, sent: 13 });
    expect(s.missed(4)).toEqual(Array.from({ length: 9 }, (_, i) => frame(i + 5)));
    expect(s.missed(13)).toEqual([]);
    expect(s.missed(3)).toBeUndefined();
    expect(s.missed(14)).toBeUndefined();
  });

  it('one array per flush, not a slot per frame, and the same frame object in every session', () => {
    const members = [carried(), carried(), carried()];
    for (let turn = 0; turn < 5; turn++) {
      for (let n = 1; n <= 40; n++) {
        const data = frame(turn * 40 + n);
        for (const { queue } of members) queue.push(data);
      }
      for (const { queue } of members) queue.flush();
    }
    const [a, b] = members.map((m) => m.s);
    a!.ack(30);
    expect(a!.missed(30)).toEqual(Array.from({ length: 170 }, (_, i) => frame(31 + i)));
    expect(a!.missed(199)![0]).toBe(b!.missed(199)![0]);
    const slots = (a as unknown as { slots: unknown[] }).slots.filter((x) => x !== undefined);
    expect(slots).toHaveLength(5);
  });

  it('never keeps, counts or replays control frames, wherever they fall among flushes, drains and acks', () => {
    const socket = new FakeSocket();
    const queue = new OutboundQueue(socket, { messages: 1 << 20, bytes: Infinity }, new FlushScheduler(), () => {});
    const s = session(1 << 20, 1 << 30);
    s.carry(queue);
    const counted: string[] = [];
    const written: string[] = [];
    let acked = 0;
    let stopped = 0;
    for (let round = 0; round < 400; round++) {
      const n = 1 + ((round * 31) % 23);
      for (let i = 0; i < n; i++) {
        if ((round + i) % 7 === 0) queue.pushControl(`c${round}.${i}`);
        // Some frames large enough to stop a flush at the high-water mark part-way.
        const data = (round + i) % 13 === 0 ? `b${round}.${i}:${'x'.repeat(300_000)}` : `f${round}.${i}`;
        queue.push(data);
        counted.push(data);
      }
      if (round % 3 !== 2) {
        // The reader takes a random share of what the socket buffers, then the queue flushes.
        socket.buffered = Math.max(0, socket.buffered - ((round * 977_777) % 2_000_000));
        queue.flush();
        if (queue.length > 0) stopped += 1;
      }
      written.splice(0, written.length, ...socket.sent.map(String).filter((d) => !d.startsWith('c')));
      expect(s.sent).toBe(counted.length);
      expect(s.missed(acked)).toEqual(counted.slice(acked));
      acked = Math.max(acked, written.length - ((round * 17) % 40));
      s.ack(acked);
      expect(s.acked).toBe(acked);
      expect(s.kept).toBe(written.length - acked);
      expect(s.keptBytes).toBe(written.slice(acked).reduce((sum, f) => sum + f.length, 0));
    }
    // Everything written reached the socket in order, the control frames among them, and some
    // flushes stopped part-way.
    expect(written).toEqual(counted.slice(0, written.length));
    expect(stopped).toBeGreaterThan(3);
  });

  it('takes over what the queue held unwritten when it closes, then keeps frames itself', () => {
    const { s, queue } = carried();
    for (let n = 1; n <= 5; n++) queue.push(frame(n));
    queue.flush();
    queue.pushControl('ack');
    for (let n = 6; n <= 8; n++) queue.push(frame(n));
    s.away = true;
    queue.close();
    expect(s).toMatchObject({ sent: 8, kept: 8 });
    queue.push(frame(99));
    expect(s.sent).toBe(8);
    expect(s.record(frame(9))).toBe(true);
    expect(s.missed(2)).toEqual([3, 4, 5, 6, 7, 8, 9].map(frame));
  });

  it('a resume queues the missed frames again under the numbers they had', () => {
    const { s, queue } = carried();
    for (let n = 1; n <= 6; n++) queue.push(frame(n));
    queue.flush();
    s.ack(2);
    s.away = true;
    queue.close();
    const missed = s.missed(4)!;
    s.away = false;
    s.rewind(4);
    const socket = new FakeSocket();
    const next = new OutboundQueue(socket, { messages: 100, bytes: Infinity }, new FlushScheduler(), () => {});
    s.carry(next);
    for (const data of missed) next.push(data);
    next.push(frame(7));
    next.flush();
    expect(socket.sent).toEqual([5, 6, 7].map(frame));
    expect(s).toMatchObject({ sent: 7, kept: 3, acked: 4 });
    expect(s.missed(5)).toEqual([6, 7].map(frame));
  });

  it('keeps the bounds on what is written: the oldest make room, a frame alone stays whatever its size', () => {
    const { s, queue } = carried(4, 100);
    for (let n = 1; n <= 10; n++) queue.push(frame(n));
    queue.flush();
    expect(s).toMatchObject({ kept: 4, sent: 10 });
    expect(s.missed(6)).toEqual([7, 8, 9, 10].map(frame));
    expect(s.missed(5)).toBeUndefined();
    const big = 'x'.repeat(40);
    for (let i = 0; i < 3; i++) queue.push(big);
    queue.flush();
    expect(s).toMatchObject({ kept: 2, keptBytes: 80, sent: 13 });
    queue.push('y'.repeat(500));
    queue.flush();
    expect(s).toMatchObject({ kept: 1, keptBytes: 500, sent: 14 });
  });

  it('lets go of the frames an ack drops from the middle of a flush', () => {
    const { s, queue } = carried();
    const frames = Array.from({ length: 8 }, (_, i) => frame(i + 1));
    for (const data of frames) queue.push(data);
    queue.flush();
    s.ack(5);
    const [kept] = (s as unknown as { slots: (string[] | undefined)[] }).slots.filter((x) => x !== undefined);
    expect(kept!.slice(0, 5)).toEqual(['', '', '', '', '']);
    expect(s.missed(5)).toEqual(frames.slice(5));
    expect(s.keptBytes).toBe(frames.slice(5).reduce((sum, f) => sum + f.length, 0));
  });

  it("copies a flush of a pair's binary frames into one buffer, and replays and trims them as they were", () => {
    const { s, queue } = carried(1024, 1 << 20);
    const frames = Array.from({ length: 40 }, (_, i) => Buffer.from(Array.from({ length: 1 + ((i * 37) % 300) }, (_, j) => (i + j) & 0xff)));
    for (let turn = 0; turn < 4; turn++) {
      for (const data of frames.slice(turn * 10, turn * 10 + 10)) queue.push(data);
      queue.flush();
    }
    const slots = (s as unknown as { slots: unknown[] }).slots.filter((x) => x !== undefined);
    // One buffer per flush, not the frames themselves.
    expect(slots).toHaveLength(4);
    expect(slots.every((x) => x instanceof Uint8Array)).toBe(true);
    const size = (list: Uint8Array[]) => list.reduce((sum, f) => sum + f.length, 0);
    expect(s).toMatchObject({ sent: 40, kept: 40, keptBytes: size(frames) });
    expect(s.missed(0)).toEqual(frames);
    // Acks that end inside a flush, then on its boundary.
    for (const seq of [3, 17, 20, 33]) {
      s.ack(seq);
      expect(s.missed(seq)).toEqual(frames.slice(seq));
      expect(s.keptBytes).toBe(size(frames.slice(seq)));
    }
    expect(s.missed(32)).toBeUndefined();
  });

  it("keeps a fan-out's frames, and any flush with text in it, by reference", () => {
    const [a, b] = [carried(), carried()];
    const shared = Uint8Array.of(1, 2, 3);
    for (const { queue } of [a, b]) {
      queue.pushShared(shared);
      queue.push(Uint8Array.of(4));
      queue.flush();
    }
    expect(a.s.missed(0)![0]).toBe(shared);
    expect(b.s.missed(0)![0]).toBe(shared);
    // Own frames again, now in a new array: copied; with a text frame among them: not.
    a.queue.push(Uint8Array.of(5));
    a.queue.push(Uint8Array.of(6));
    a.queue.flush();
    const text = 'seven';
    const own = Uint8Array.of(8);
    a.queue.push(own);
    a.queue.push(text);
    a.queue.flush();
    const slots = (a.s as unknown as { slots: unknown[] }).slots.filter((x) => x !== undefined);
    expect(slots.map((x) => x instanceof Uint8Array)).toEqual([false, true, false]);
    const missed = a.s.missed(0)!;
    expect(missed.map((f) => (typeof f === 'string' ? f : [...f]))).toEqual([[1, 2, 3], [4], [5], [6], [8], 'seven']);
    expect(missed[4]).toBe(own);
  });
});
