import { describe, expect, it } from 'vitest';
import { FlushScheduler, HIGH_WATER_MARK, OutboundQueue } from '../OutboundQueue.js';
import { FakeSocket } from '../testing/FakeSocket.js';
import { Session } from './Session.js';
import type { WireData } from '@mwse/protocol';

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

  /**
   * The socket of `queue` drops and its client resumes having received `seq` frames: the
   * missed frames are queued again on a new queue, not flushed yet.
   */
  function resumed(s: Session, queue: OutboundQueue, seq: number) {
    s.away = true;
    queue.close();
    const missed = s.missed(seq)!;
    s.away = false;
    s.rewind(seq);
    const socket = new FakeSocket();
    const next = new OutboundQueue(socket, { messages: 100, bytes: Infinity }, new FlushScheduler(), () => {});
    s.carry(next);
    for (const data of missed) next.push(data);
    return { socket, next };
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
    const { socket, next } = resumed(s, queue, 4);
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

  /** A binary frame of `size` bytes written into the session's ring, each byte from `seed`. */
  function ringFrame(s: Session, size: number, seed: number): Uint8Array {
    const view = s.allocate(size)!;
    for (let i = 0; i < size; i++) view[i] = (seed + i) & 0xff;
    return view;
  }
  const bytesOf = (list: WireData[]) => list.map((f) => (typeof f === 'string' ? f : [...f]));
  const ringsOf = (s: Session) => (s as unknown as { slots: unknown[] }).slots.filter((x) => x !== undefined);

  it("keeps a flush of frames written into its ring as one range of it, and replays and trims them as they were", () => {
    const { s, queue, socket } = carried(1024, 1 << 20);
    const sizes = Array.from({ length: 40 }, (_, i) => 1 + ((i * 37) % 300));
    const copies: number[][] = [];
    for (let turn = 0; turn < 4; turn++) {
      for (let i = turn * 10; i < turn * 10 + 10; i++) {
        const view = ringFrame(s, sizes[i]!, i);
        copies.push([...view]);
        queue.push(view);
      }
      queue.flush();
    }
    expect(socket.sent).toHaveLength(40);
    // One range per flush, all of one ring: no object per frame.
    const slots = ringsOf(s);
    expect(slots).toHaveLength(4);
    expect(new Set(slots).size).toBe(1);
    const size = (from: number) => sizes.slice(from).reduce((sum, n) => sum + n, 0);
    expect(s).toMatchObject({ sent: 40, kept: 40, keptBytes: size(0) });
    expect(bytesOf(s.missed(0)!)).toEqual(copies);
    // Acks that end inside a flush, then on its boundary.
    for (const seq of [3, 17, 20, 33]) {
      s.ack(seq);
      expect(bytesOf(s.missed(seq)!)).toEqual(copies.slice(seq));
      expect(s.keptBytes).toBe(size(seq));
    }
    expect(s.missed(32)).toBeUndefined();
  });

  it('keeps order across many wraps and growths of its ring, with text and shared frames between, flushes stopped short, acked in uneven steps', () => {
    const { s, queue, socket } = carried(1 << 20, 1 << 30);
    const expected: (string | number[])[] = [];
    const shared = Uint8Array.of(9, 9, 9);
    let acked = 0;
    const lengths = new Set<number>();
    const rings = new Set<Uint8Array>();
    let wrapped = 0;
    let stoppedShort = 0;
    for (let round = 0; round < 300; round++) {
      const n = 1 + ((round * 7) % 23);
      for (let k = 0; k < n; k++) {
        const at = expected.length;
        if (at % 11 === 5) {
          queue.push(`text ${at}`);
          expected.push(`text ${at}`);
        } else if (at % 13 === 7) {
          queue.push(shared);
          expected.push([9, 9, 9]);
        } else {
          // Sizes that never divide the ring: it wraps at every offset, and now and then
          // a frame larger than what is free makes a new ring while the old one is in use.
          const size = at % 97 === 0 ? 9000 : 1 + ((at * 53) % 700);
          const view = ringFrame(s, size, at);
          queue.push(view);
          expected.push([...view]);
        }
      }
      // Every fifth flush stops after a frame or two at the high-water mark; the next goes on.
      socket.drains = round % 5 !== 0;
      socket.buffered = round % 5 === 0 ? HIGH_WATER_MARK - 1000 : 0;
      queue.flush();
      if (queue.length > 0) stoppedShort += 1;
      const inside = s as unknown as { ring: Uint8Array; ringTop: number };
      lengths.add(inside.ring.length);
      rings.add(inside.ring);
      if (inside.ringTop >= 0) wrapped += 1;
      expect(bytesOf(s.missed(acked)!)).toEqual(expected.slice(acked));
      // For fifty rounds nothing is acked: the ring fills and a larger one takes over.
      // A client acks only what it was sent.
      if (round < 100 || round >= 150) acked = Math.max(acked, Math.min(socket.sent.length, expected.length - ((round * 13) % 40)));
      s.ack(acked);
      expect(s.kept).toBe(socket.sent.length - acked);
    }
    expect(wrapped).toBeGreaterThan(20);
    expect(stoppedShort).toBeGreaterThan(30);
    expect(rings.size).toBeGreaterThan(1);
    // It grew to hold what was not acked (~200 KB), no further.
    expect(Math.max(...lengths)).toBeLessThanOrEqual(512 * 1024);
  });

  it("writes a JSON client's frames into its ring as UTF-8, which the queue sends as text and a resume replays", () => {
    const { s, queue, socket } = carried();
    queue.textBytes = true;
    const texts = ['{"pack":1,"type":"pack","from":"a"}', '{"pack":"héllo ✓ 🎉","type":"pack","from":"b"}', ''];
    for (const text of texts) queue.push(s.text(text));
    queue.push('{"type":"result","id":1}');
    queue.flush();
    const utf8 = new TextDecoder();
    expect(socket.sent.map((f) => (typeof f === 'string' ? f : utf8.decode(f)))).toEqual([...texts, '{"type":"result","id":1}']);
    expect(socket.asText).toEqual([true, true, true, true]);
    expect(ringsOf(s).map((x) => x instanceof Uint8Array)).toEqual([true, false]);
    const missed = s.missed(1)!;
    expect(missed.map((f) => (typeof f === 'string' ? f : utf8.decode(f)))).toEqual([...texts.slice(1), '{"type":"result","id":1}']);
  });

  it('keeps by reference what is not in its ring: a fan-out\'s frames, text, frames too large for it', () => {
    const [a, b] = [carried(), carried()];
    const shared = Uint8Array.of(1, 2, 3);
    for (const { queue } of [a, b]) {
      queue.push(shared);
      queue.flush();
    }
    expect(a.s.missed(0)![0]).toBe(shared);
    expect(b.s.missed(0)![0]).toBe(shared);
    expect(a.s.allocate(64 * 1024)).toBeUndefined();
    const own = ringFrame(a.s, 2, 5);
    a.queue.push(own);
    a.queue.push('seven');
    a.queue.push(Uint8Array.of(8));
    a.queue.flush();
    const missed = a.s.missed(0)!;
    expect(bytesOf(missed)).toEqual([[1, 2, 3], [5, 6], 'seven', [8]]);
    expect(ringsOf(a.s).map((x) => x instanceof Uint8Array)).toEqual([false, true, false]);
  });

  it('a resume lets go of the ring the replayed frames are in; a new one starts after them', () => {
    const { s, queue } = carried();
    const first = [ringFrame(s, 10, 1), ringFrame(s, 20, 2), ringFrame(s, 30, 3)];
    for (const view of first) queue.push(view);
    queue.flush();
    const { socket, next } = resumed(s, queue, 1);
    const fresh = ringFrame(s, 25, 4);
    next.push(fresh);
    next.flush();
    expect(bytesOf(socket.sent)).toEqual(bytesOf([...first.slice(1), fresh]));
    expect(bytesOf(s.missed(1)!)).toEqual(bytesOf([...first.slice(1), fresh]));
    // The replayed frames are kept by reference (their old ring alive through them), the new one in a new ring.
    expect(fresh.buffer).not.toBe(first[0]!.buffer);
    expect(ringsOf(s).map((x) => x instanceof Uint8Array)).toEqual([false, true]);
  });

  it('moves what its ring keeps to a buffer of that size when its socket closes: an away session holds no ring', () => {
    const { s, queue } = carried();
    const views = [ringFrame(s, 100, 0), ringFrame(s, 7, 1)];
    for (const view of views) queue.push(view);
    queue.push('text');
    queue.flush();
    const queued = ringFrame(s, 50, 2);
    queue.push(queued);
    const expected = bytesOf([...views, 'text', queued]);
    s.ack(1);
    s.away = true;
    queue.close();
    expect((s as unknown as { ring: unknown }).ring).toBeUndefined();
    // No queue carries it: what is sent now is not written into a ring.
    expect(s.allocate(10)).toBeUndefined();
    expect(s.text('x')).toBe('x');
    const buffers = ringsOf(s).filter((x) => x instanceof Uint8Array) as Uint8Array[];
    expect(buffers).toHaveLength(2);
    expect(buffers[0]).toBe(buffers[1]);
    // Frames 2 and 4 with their lengths, nothing of the ring around them.
    expect(buffers[0]!.length).toBe(7 + 4 + 50 + 4);
    expect(bytesOf(s.missed(1)!)).toEqual(expected.slice(1));
    expect(s.record('away')).toBe(true);
    s.ack(2);
    expect(bytesOf(s.missed(2)!)).toEqual([...expected.slice(2), 'away']);
  });

  it('lets go of an empty ring on the heartbeat after one that saw it unused', () => {
    const { s, queue } = carried();
    const ringOf = () => (s as unknown as { ring: Uint8Array | undefined }).ring;
    queue.push(ringFrame(s, 100, 0));
    queue.flush();
    // Used since the last heartbeat, then not yet acked: kept.
    s.rest();
    expect(ringOf()).toBeDefined();
    s.rest();
    expect(ringOf()).toBeDefined();
    s.ack(1);
    s.rest();
    expect(ringOf()).toBeUndefined();
    // The next frame makes a new one, which a busy session keeps between heartbeats.
    queue.push(ringFrame(s, 100, 1));
    queue.flush();
    s.ack(2);
    s.rest();
    expect(ringOf()).toBeDefined();
    queue.push(ringFrame(s, 5, 2));
    queue.flush();
    s.rest();
    expect(ringOf()).toBeDefined();
    expect(bytesOf(s.missed(2)!)).toEqual([[2, 3, 4, 5, 6]]);
  });
});
