import { describe, expect, it } from 'vitest';
import { ByteRing, INITIAL, KEEP } from './ByteRing.js';

/** `n` bytes counting up from `from` (mod 256), so any misplaced byte shows. */
const bytes = (from: number, n: number) => Uint8Array.from({ length: n }, (_, i) => (from + i) & 255);

describe('ByteRing', () => {
  it('allocates nothing until the first push, then a small buffer', () => {
    const r = new ByteRing();
    expect(r.capacity).toBe(0);
    r.push(bytes(0, 10));
    expect(r.capacity).toBe(INITIAL);
    expect(r.size).toBe(10);
    expect(r.read(0, 10)).toEqual(bytes(0, 10));
    expect(r.read(3, 4)).toEqual(bytes(3, 4));
  });

  it('keeps bytes in order across the end of its buffer', () => {
    const r = new ByteRing();
    // Fill most of the buffer, free the front, then push past the end: the push wraps.
    r.push(bytes(0, INITIAL - 100));
    r.shift(INITIAL - 200);
    expect(r.size).toBe(100);
    r.push(bytes(7, 300));
    expect(r.capacity).toBe(INITIAL);
    expect(r.size).toBe(400);
    expect(r.read(0, 100)).toEqual(bytes(INITIAL - 200, 100));
    expect(r.read(100, 300)).toEqual(bytes(7, 300));
    // A read that itself crosses the end.
    expect(r.read(50, 200)).toEqual(Uint8Array.from([...bytes(INITIAL - 150, 50), ...bytes(7, 150)]));
  });

  it('grows by doubling, keeping wrapped bytes in order', () => {
    const r = new ByteRing();
    r.push(bytes(0, INITIAL - 10));
    r.shift(INITIAL - 20);
    r.push(bytes(1, 50)); // wraps
    r.push(bytes(2, INITIAL)); // does not fit: grows
    expect(r.capacity).toBe(2 * INITIAL);
    expect(r.read(0, 10)).toEqual(bytes(INITIAL - 20, 10));
    expect(r.read(10, 50)).toEqual(bytes(1, 50));
    expect(r.read(60, INITIAL)).toEqual(bytes(2, INITIAL));
    // One push bigger than twice the buffer goes straight to the size it needs.
    r.push(bytes(3, 5 * INITIAL));
    expect(r.capacity).toBe(8 * INITIAL);
    expect(r.read(60 + INITIAL, 5 * INITIAL)).toEqual(bytes(3, 5 * INITIAL));
  });

  it('reads are copies: later pushes over freed bytes do not change them', () => {
    const r = new ByteRing();
    r.push(bytes(0, INITIAL));
    const before = r.read(0, 16);
    r.shift(INITIAL);
    r.push(bytes(100, INITIAL));
    expect(before).toEqual(bytes(0, 16));
  });

  it('lets go of a grown buffer once emptied, keeps a small one', () => {
    const r = new ByteRing();
    r.push(bytes(0, 4 * KEEP));
    expect(r.capacity).toBeGreaterThan(KEEP);
    r.shift(KEEP);
    expect(r.capacity).toBeGreaterThan(KEEP);
    r.shift(3 * KEEP);
    expect(r).toMatchObject({ size: 0, capacity: 0 });
    r.push(bytes(0, 100));
    expect(r.capacity).toBe(INITIAL);
    r.shift(100);
    expect(r).toMatchObject({ size: 0, capacity: INITIAL });
    // Emptied, it starts again from the front.
    r.push(bytes(9, INITIAL));
    expect(r).toMatchObject({ size: INITIAL, capacity: INITIAL });
    expect(r.read(0, INITIAL)).toEqual(bytes(9, INITIAL));
  });
});
