import { describe, expect, it } from 'vitest';
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

  it('replays binary frames by value: changing a frame after it was kept does not change the replay', () => {
    const s = session();
    const sent = Uint8Array.from([1, 2, 3, 4]);
    s.record(sent);
    sent.fill(9);
    expect(s.missed(0)).toEqual([Uint8Array.from([1, 2, 3, 4])]);
    // Nor does a replayed frame change with what is kept after it over the same bytes.
    const replayed = s.missed(0)![0]!;
    s.ack(1);
    for (let n = 0; n < 100; n++) s.record(new Uint8Array(64).fill(n));
    expect(replayed).toEqual(Uint8Array.from([1, 2, 3, 4]));
  });

  it('keeps text and binary frames interleaved in order, exactly, across wraps, growth and uneven acks', () => {
    const s = session(4096, 1 << 20);
    // Frame n: text every third frame, else n's bytes, of a length that varies from 0 to 700,
    // so binary frames cross the end of the byte ring at every offset and make it grow.
    const frames = new Map<number, string | Uint8Array>();
    const expected = (n: number): string | Uint8Array => {
      let f = frames.get(n);
      if (f === undefined) {
        f = n % 3 === 0 ? frame(n) : Uint8Array.from({ length: (n * 97) % 701 }, (_, i) => (n + i) & 255);
        frames.set(n, f);
      }
      return f;
    };
    // Compared as text: a deep comparison of byte arrays is slow.
    const shown = (list: (string | Uint8Array)[] | undefined) =>
      list?.map((f) => (typeof f === 'string' ? f : `bin ${Buffer.from(f).toString('hex')}`));
    const range = (after: number, to: number) => Array.from({ length: to - after }, (_, i) => expected(after + 1 + i));
    let sent = 0;
    let acked = 0;
    for (let round = 0; round < 80; round++) {
      const n = 1 + ((round * 29) % 37);
      for (let k = 0; k < n; k++) expect(s.record(expected(++sent))).toBe(true);
      expect(shown(s.missed(acked))).toEqual(shown(range(acked, sent)));
      const from = Math.max(acked, sent - 5);
      expect(shown(s.missed(from))).toEqual(shown(range(from, sent)));
      // Acks that sometimes empty everything and sometimes leave a tail.
      acked = round % 5 === 0 ? sent : Math.max(acked, sent - ((round * 11) % 23));
      s.ack(acked);
      expect(s.kept).toBe(sent - acked);
      expect(s.keptBytes).toBe(range(acked, sent).reduce((sum, f) => sum + f.length, 0));
    }
    const slab = (s as unknown as { slab: { capacity: number } }).slab.capacity;
    expect(slab).toBeGreaterThan(4096);
  });

  it('at the bounds, binary frames are dropped oldest first while live and end the session while away', () => {
    const s = session(1024, 1000);
    const big = (n: number) => new Uint8Array(300).fill(n);
    expect([1, 2, 3, 4].map((n) => s.record(big(n)))).toEqual([true, true, true, true]);
    expect(s).toMatchObject({ kept: 3, keptBytes: 900, sent: 4 });
    expect(s.missed(1)).toEqual([big(2), big(3), big(4)]);
    s.record('t'.repeat(50));
    expect(s).toMatchObject({ kept: 4, keptBytes: 950 });
    s.away = true;
    expect(s.record(big(6))).toBe(false);
    expect(s.missed(1)).toEqual([big(2), big(3), big(4), 't'.repeat(50)]);
    s.away = false;
    expect(s.record(big(6))).toBe(true);
    expect(s.missed(2)).toEqual([big(3), big(4), 't'.repeat(50), big(6)]);
    expect(s.missed(3)).toEqual([big(4), 't'.repeat(50), big(6)]);
    expect(s.missed(1)).toBeUndefined();
  });

  it('an emptied session lets go of a grown byte ring; a session without binary frames has none', () => {
    const s = session(4096, 8 * 1024 * 1024);
    const slab = () => (s as unknown as { slab: { capacity: number } }).slab.capacity;
    record(s, 1, 100);
    expect(slab()).toBe(0);
    for (let n = 0; n < 200; n++) s.record(new Uint8Array(1000).fill(n));
    expect(slab()).toBeGreaterThanOrEqual(200 * 1000);
    s.ack(200);
    expect(slab()).toBeGreaterThanOrEqual(100 * 1000);
    s.ack(300);
    expect(slab()).toBe(0);
    expect(s).toMatchObject({ kept: 0, keptBytes: 0 });
  });
});
