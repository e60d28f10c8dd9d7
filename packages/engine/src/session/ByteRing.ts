/**
 * Bytes kept oldest first in one buffer used as a ring: bytes are appended at the end and taken
 * off the front. A session keeps its binary frames here by value, so the session (long-lived,
 * soon in the old generation) holds no reference to each young frame: storing one would be an
 * old-to-young pointer that every young-generation collection visits, and would keep the frame
 * alive into old space until its ack.
 *
 * The buffer is allocated at the first push (`INITIAL` bytes), doubles when it is full, and
 * once emptied is let go of if it grew past `KEEP` bytes. Bounds are the caller's.
 */
export class ByteRing {
  private buf: Uint8Array = NONE;
  /** Offset of the oldest byte. */
  private head = 0;
  private used = 0;

  /** Bytes kept. */
  get size(): number {
    return this.used;
  }

  /** Bytes allocated. */
  get capacity(): number {
    return this.buf.length;
  }

  /** Append a copy of `data`. */
  push(data: Uint8Array): void {
    const n = data.length;
    if (this.used + n > this.buf.length) this.grow(this.used + n);
    const { buf } = this;
    const cap = buf.length;
    let at = this.head + this.used;
    if (at >= cap) at -= cap;
    const room = cap - at;
    if (n <= room) buf.set(data, at);
    else {
      buf.set(data.subarray(0, room), at);
      buf.set(data.subarray(room), 0);
    }
    this.used += n;
  }

  /** Forget the `n` oldest bytes (at most `size`). */
  shift(n: number): void {
    if (n <= 0) return;
    this.used -= n;
    if (this.used <= 0) {
      this.used = 0;
      this.head = 0;
      // Emptied: an idle or away session holds no more than a small buffer.
      if (this.buf.length > KEEP) this.buf = NONE;
      return;
    }
    const head = this.head + n;
    this.head = head >= this.buf.length ? head - this.buf.length : head;
  }

  /** A copy of the `n` bytes that start `offset` bytes after the oldest. */
  read(offset: number, n: number): Uint8Array {
    const { buf } = this;
    const cap = buf.length;
    const out = new Uint8Array(n);
    if (n === 0) return out;
    let at = this.head + offset;
    if (at >= cap) at -= cap;
    const room = cap - at;
    if (n <= room) out.set(buf.subarray(at, at + n));
    else {
      out.set(buf.subarray(at, cap));
      out.set(buf.subarray(0, n - room), room);
    }
    return out;
  }

  /** At least `need` bytes, a power of two times `INITIAL`, the kept bytes first in order. */
  private grow(need: number): void {
    let cap = Math.max(this.buf.length, INITIAL);
    while (cap < need) cap *= 2;
    const grown = new Uint8Array(cap);
    const { buf, head, used } = this;
    const first = Math.min(used, buf.length - head);
    grown.set(buf.subarray(head, head + first));
    if (first < used) grown.set(buf.subarray(0, used - first), first);
    this.buf = grown;
    this.head = 0;
  }
}

/** Bytes of a ring's first buffer. */
export const INITIAL = 4 * 1024;
/** An emptied ring keeps a buffer this big or smaller, so a steady session does not reallocate. */
export const KEEP = 16 * 1024;

const NONE = new Uint8Array(0);
