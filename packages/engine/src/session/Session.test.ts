import { describe, expect, it } from 'vitest';
import { CHUNK_BYTES, CHUNK_FRAMES, FrameLog } from './FrameLog.js';
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
    record(s, 1, 1000);
    s.ack(1000);
    const ring = (s as unknown as { ring: unknown[] }).ring;
    expect(ring.length).toBeLessThanOrEqual(16);
    record(s, 1001, 1010);
    s.ack(1005);
    const slots = (s as unknown as { ring: unknown[] }).ring;
    expect(slots.filter((x) => x !== undefined)).toEqual([1006, 1007, 1008, 1009, 1010].map(frame));
  });
});

describe('Session replay buffer, frames kept in a shared log', () => {
  /** A room's fan-out: append each frame once, then every session keeps it from the log. */
  function fanOut(log: FrameLog, sessions: Session[], data: string): boolean[] {
    log.append(data);
    return sessions.map((s) => s.keepShared(log));
  }

  it('keeps one frame object for every session, and replays it to each after its own ack', () => {
    const log = new FrameLog();
    const [a, b] = [session(), session()];
    for (let n = 1; n <= 100; n++) fanOut(log, [a, b], frame(n));
    a.ack(30);
    b.ack(75);
    expect(a.missed(30)).toEqual(Array.from({ length: 70 }, (_, i) => frame(31 + i)));
    expect(b.missed(75)).toEqual(Array.from({ length: 25 }, (_, i) => frame(76 + i)));
    // The same strings, not copies.
    expect(a.missed(99)![0]).toBe(b.missed(99)![0]);
    expect(a).toMatchObject({ kept: 70, sent: 100 });
    expect(a.keptBytes).toBe(frame(31).length * 69 + frame(100).length);
    // 100 frames over chunks of CHUNK_FRAMES: a few runs, not a slot per frame.
    const slots = (a as unknown as { ring: unknown[] }).ring.filter((x) => x !== undefined);
    expect(slots.length).toBeLessThanOrEqual(Math.ceil(70 / CHUNK_FRAMES) + 1);
  });

  it('interleaves shared and own frames in the order they were sent, across wraps and uneven acks', () => {
    const logs = [new FrameLog(), new FrameLog()];
    const s = session();
    const other = session();
    const sent: string[] = [];
    let acked = 0;
    for (let round = 0; round < 300; round++) {
      // Runs of room frames from two rooms, a direct frame between some of them.
      const n = 1 + ((round * 29) % 70);
      for (let i = 0; i < n; i++) {
        const data = `r${round}.${i}`;
        const log = logs[(round + (i >> 3)) % 2]!;
        log.append(data);
        expect(s.keepShared(log)).toBe(true);
        expect(other.keepShared(log)).toBe(true);
        sent.push(data);
        if ((round + i) % 11 === 0) {
          s.record(`d${round}.${i}`);
          sent.push(`d${round}.${i}`);
        }
      }
      expect(s.missed(acked)).toEqual(sent.slice(acked));
      acked = Math.max(acked, sent.length - ((round * 17) % 90));
      s.ack(acked);
      expect(s.kept).toBe(sent.length - acked);
      expect(s.keptBytes).toBe(sent.slice(acked).reduce((sum, f) => sum + f.length, 0));
    }
    expect(s.sent).toBe(sent.length);
    // The other session never acked: it keeps the newest room frames up to its bound.
    const room = sent.filter((f) => f.startsWith('r'));
    expect(other.kept).toBe(1024);
    expect(other.missed(other.sent - 1024)).toEqual(room.slice(-1024));
  });

  it('starts a new chunk past its byte bound, and keeps the bounds of the session as record() does', () => {
    const log = new FrameLog();
    const big = 'x'.repeat(CHUNK_BYTES);
    log.append(big);
    const first = log.chunk;
    log.append('y');
    expect(log.chunk).not.toBe(first);

    const s = session(4, 1024);
    for (let n = 1; n <= 10; n++) fanOut(log, [s], frame(n));
    expect(s).toMatchObject({ kept: 4, sent: 10 });
    expect(s.missed(6)).toEqual([7, 8, 9, 10].map(frame));
    s.away = true;
    log.append(frame(11));
    expect(s.keepShared(log)).toBe(false);
    expect(s).toMatchObject({ kept: 4, sent: 10 });
  });

  it('keeps the byte bound on shared frames, live (the oldest make room) and away (the end)', () => {
    const log = new FrameLog();
    const s = session(1024, 100);
    const big = 'x'.repeat(40);
    expect(fanOut(log, [s], big)).toEqual([true]);
    expect(fanOut(log, [s], big)).toEqual([true]);
    expect(fanOut(log, [s], big)).toEqual([true]);
    expect(s).toMatchObject({ kept: 2, keptBytes: 80, sent: 3 });
    s.away = true;
    expect(fanOut(log, [s], 'y'.repeat(20))).toEqual([true]);
    expect(fanOut(log, [s], 'z')).toEqual([false]);
    expect(s).toMatchObject({ kept: 3, keptBytes: 100, sent: 4 });
    expect(s.missed(1)).toEqual([big, big, 'y'.repeat(20)]);
    // Acked while away (a resume that replays): room again, and the run goes on.
    s.ack(3);
    expect(fanOut(log, [s], 'w'.repeat(70))).toEqual([true]);
    expect(s).toMatchObject({ kept: 2, keptBytes: 90, sent: 5 });
    expect(s.missed(3)).toEqual(['y'.repeat(20), 'w'.repeat(70)]);
  });
});
