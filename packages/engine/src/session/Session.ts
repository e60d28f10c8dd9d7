import type { WireData } from '@mwse/protocol';
import type { FrameAllocator } from '@mwse/protocol/binary';
import type { Keeper, OutboundQueue } from '../OutboundQueue.js';

/** What one session keeps for its client at most (`replayFrames`, `replayBytes`). */
export interface ReplayLimits {
  frames: number;
  /** Text counts one per UTF-16 unit, like the outbound queue. */
  bytes: number;
}

/** Why a session ended, as a later resume attempt is told (`hello.reason`). */
export type EndReason = 'expired' | 'overflow' | 'ended' | 'state-lost';

/**
 * The part of a peer that lets it outlive its socket: frames counted both ways since the hello
 * (implicit sequence numbers, so the wire format carries none), the server frames its client has
 * not acknowledged yet (to replay them on resume), and the hash of its current resume token.
 *
 * While a socket carries the session, a frame queued is a frame kept: the socket's outbound
 * queue hands the session the array of frames it wrote at each flush (`written`), and the
 * session keeps that array, with the range written, as one entry until the client acks it. So
 * a frame costs the session nothing as it is queued, a room message sent to 149 members is 149
 * queue stores as without sessions, and the session stores one entry per flush.
 *
 * A pair's frames (tunnel frames to this one client) are written straight into a byte ring of
 * the session's, each after its length: binary frames as they are encoded (`allocate`), and so
 * is a JSON direct message copied from its sender's bytes (`jsonPack` in tunnelEncoding.ts);
 * other JSON ones as UTF-8 (`text`). The queue sends a JSON client's bytes as text. A flush of
 * them is kept as one range of the ring, with no object alive until the ack for the garbage
 * collector to copy at each young-generation collection (docs/performance.md). Frames for a session
 * with no socket (away, or rebuilt in a takeover) are kept one by one (`record`).
 */
export class Session implements Keeper, FrameAllocator {
  /** Counted server frames queued for this client so far: frame n is the n-th after the hello. */
  get sent(): number {
    const { queue } = this;
    return queue !== undefined ? this.total + queue.pending : this.total;
  }
  /** Counted client frames the server has handled so far. */
  applied = 0;
  /** `applied` as last told to the client (`session/ack`, or a resumed hello). */
  appliedTold = 0;
  /**
   * Cluster takeover: `applied` as Redis last confirmed it (the session mirror's write answered),
   * after everything those frames published. Only this much is acked (see `Sessions.confirm`).
   */
  confirmed = 0;
  /** Size of the frames applied since `appliedTold` was last told by an ack. */
  appliedBytes = 0;
  /** The client said it received this many counted frames. */
  acked = 0;
  /** No socket carries the session; `timer` ends it when the grace window is over. */
  away = false;
  timer: NodeJS.Timeout | undefined;
  /** Set before the session is ended for a reason other than a plain close. */
  endReason: EndReason | undefined;
  /**
   * Frames numbered `base + 1` … `total`, oldest first: a ring of `entries` slots from `start`
   * (its length a power of two), `count` frames in all. Slot `i` holds frames `meta[4i]` to
   * `meta[4i + 1]` (exclusive) of `meta[4i + 2]` bytes, of an array of frames when
   * `meta[4i + 3]` is -1, else of a byte buffer (the byte ring, or one it replaced) holding the
   * frames one after the other, each after its length in 4 bytes, little-endian, frame
   * `meta[4i]` starting at byte `meta[4i + 3]`. The ranges live in a typed
   * array, so keeping an entry stores one pointer, and an ack is an index move over slots the
   * session keeps using.
   */
  private slots: (WireData[] | Uint8Array | undefined)[] = NO_SLOTS;
  private meta = NO_META;
  private start = 0;
  private entries = 0;
  private count = 0;
  private bytes = 0;
  private base = 0;
  /** Frames numbered so far that left the queue: written to the socket, or kept while away. */
  private total = 0;
  /** The queue of the socket carrying the session; what it holds unwritten counts as sent. */
  private queue: OutboundQueue | undefined;
  /**
   * The byte ring a pair's frames are written into (`allocate`, `text`), made by the first. Bytes
   * `ringTail` … `ringHead` are in use (frames kept, queued, or given out and never queued),
   * or, once it wrapped, `ringTail` … `ringTop` and 0 … `ringHead`; `ringTop` is -1 until then.
   * A ring too small for a frame is replaced by one twice its size, the frames in the old one
   * keeping it alive until they are acked.
   */
  private ring: Buffer | undefined;
  private ringBytes: ArrayBufferLike | undefined;
  private ringHead = 0;
  private ringTail = 0;
  private ringTop = -1;
  /** A frame went into the ring since the last `rest`. */
  private ringUsed = false;
  /**
   * Frames of the ring given out (`commit`) and not kept yet: `givenPending` of them, the last
   * `given.last`, the oldest at byte `givenFrom`, all one after the other when `givenInOrder`.
   * They are queued as they are given and written in that order, so a flush whose last frame is
   * `given.last` and whose length is `givenPending` holds exactly those (`written`), and is kept
   * without reading where each frame is: V8 reads a typed array's `buffer` and `byteOffset`
   * through a call into its runtime.
   *
   * The last frame is held by a small object made afresh at each such flush, not by the session:
   * a session lives long and is in V8's old generation, so storing each new (young) frame in it
   * took the write barrier's slow path and left one more old-to-new slot for the next scavenge
   * to visit; stored in a young object it is a plain store (docs/performance.md).
   */
  private given: { last: Uint8Array | undefined } = { last: undefined };
  private givenPending = 0;
  private givenFrom = 0;
  private givenInOrder = true;
  /** `limits`, read on every entry. */
  private readonly maxFrames: number;
  private readonly maxBytes: number;

  /**
   * The token before the last rotation, still good until the client sends anything on the
   * resumed socket: a cut that loses the resumed hello must not lose the session with it.
   */
  previousHash: Buffer | undefined;

  constructor(
    /** SHA-256 of the resume token: the token itself is never kept. */
    public tokenHash: Buffer,
    limits: ReplayLimits,
  ) {
    this.maxFrames = limits.frames;
    this.maxBytes = limits.bytes;
  }

  /**
   * Cluster takeover: this session goes on from another node's, whose client received `sent`
   * counted frames and of whose frames `applied` were handled there. Nothing before is kept.
   */
  continueFrom(sent: number, applied: number): void {
    this.clear(false);
    this.total = this.base = this.acked = sent;
    this.applied = this.appliedTold = this.confirmed = applied;
  }

  /**
   * A resume: the client received `seq` frames, and those after it are queued again on its new
   * socket, numbered as they were. Nothing is kept from here on but what that queue writes.
   */
  rewind(seq: number): void {
    // The ring is let go of: `missed` gave out views of it, which are queued again.
    this.clear(false);
    this.total = this.base = this.acked = seq;
  }

  /** `queue` carries the session's frames from now on: what it writes, the session keeps. */
  carry(queue: OutboundQueue): void {
    this.queue = queue;
    queue.keeper = this;
  }

  /**
   * Called by `queue` as it closes, after it handed over what it held unwritten: nothing more is
   * written into the ring, and what it keeps moves to a buffer of its size, so an away session
   * holds the frames its client missed and not a ring around them.
   */
  closed(queue: OutboundQueue): void {
    if (this.queue !== queue) return;
    this.queue = undefined;
    const { ring } = this;
    if (ring === undefined) return;
    this.dropRing();
    const { slots, meta } = this;
    const mask = slots.length - 1;
    let size = 0;
    for (let i = 0; i < this.entries; i++) {
      const at = (this.start + i) & mask;
      if (slots[at] === ring) size += this.span(at);
    }
    if (size === 0) return;
    const kept = Buffer.allocUnsafeSlow(size);
    let offset = 0;
    for (let i = 0; i < this.entries; i++) {
      const at = (this.start + i) & mask;
      if (slots[at] !== ring) continue;
      const from = meta[META * at + 3]!;
      const length = this.span(at);
      kept.set(ring.subarray(from, from + length), offset);
      slots[at] = kept;
      meta[META * at + 3] = offset;
      offset += length;
    }
  }

  /** Frames kept for replay that left the queue (written, or kept while away). */
  get kept(): number {
    return this.count;
  }

  /** Bytes of those frames. */
  get keptBytes(): number {
    return this.bytes;
  }

  /**
   * The queue wrote `frames[from … to - 1]` (`bytes` in all), counted frames in the order they
   * were queued: they are kept as one entry, or one per run of frames in the ring and per run
   * of others. The oldest frames make room when the bounds are passed (the client most likely
   * has them: a resume that still needs one is refused with `overflow`); a frame alone is kept
   * whatever its size.
   */
  written(frames: WireData[], from: number, to: number, bytes: number): void {
    const n = to - from;
    if (n === 0) return;
    if (this.ringBytes === undefined) {
      this.push(frames, from, to, bytes, -1);
    } else if (n === this.givenPending && this.givenInOrder && frames[to - 1] === this.given.last) {
      this.push(this.ring!, 0, n, bytes, this.givenFrom);
      this.givenPending = 0;
      this.given = { last: undefined };
    } else {
      this.split(frames, from, to, this.ringBytes);
    }
    this.count += n;
    this.bytes += bytes;
    this.total += n;
    if (this.count > this.maxFrames || this.bytes > this.maxBytes) this.trim();
  }

  /**
   * Keep `frames[from … to - 1]` as entries: each run of frames one after the other in the
   * ring as a range of it, each run of other frames by reference.
   */
  private split(frames: WireData[], from: number, to: number, ring: ArrayBufferLike): void {
    let i = from;
    while (i < to) {
      let size = 0;
      let j = i;
      for (; j < to; j++) {
        const frame = frames[j]!;
        if (typeof frame !== 'string' && frame.buffer === ring) break;
        size += frame.length;
      }
      if (j > i) this.push(frames, i, j, size, -1);
      if (j === to) return;
      const offset = (frames[j] as Uint8Array).byteOffset - 4;
      let end = offset;
      size = 0;
      let k = j;
      for (; k < to; k++) {
        const frame = frames[k]!;
        if (typeof frame === 'string' || frame.buffer !== ring || frame.byteOffset !== end + 4) break;
        size += frame.length;
        end += 4 + frame.length;
      }
      this.push(this.ring!, 0, k - j, size, offset);
      // The oldest frames given out are kept now.
      this.givenPending -= k - j;
      this.givenFrom = end;
      if (this.givenPending === 0) this.given.last = undefined;
      i = k;
    }
  }

  /**
   * Room for a binary frame of `size` bytes in the ring, its length written before it: the
   * frame is encoded there, queued, and kept where it is once written. Undefined for a frame
   * over `MAX_RING_FRAME`, or when the ring is `MAX_RING` and full: it is allocated elsewhere
   * and kept by reference.
   */
  allocate(size: number): Uint8Array | undefined {
    const at = this.reserve(size);
    return at < 0 ? undefined : this.commit(at, size);
  }

  /**
   * `data`, a JSON frame for this client, written into the ring as UTF-8 to be queued in its
   * place (the queue sends it as text): kept as bytes, it is no object alive until the ack.
   * `data` itself when it does not fit.
   */
  text(data: string): WireData {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const most = 3 * data.length;
    const at = this.reserve(most);
    return at < 0 ? data : this.commit(at, this.ring!.write(data, at + 4, most, 'utf8'));
  }

  /** Where in the ring `size` bytes and their length fit (a new ring if need be); -1 if nowhere. */
  private reserve(size: number): number {
    const need = size + 4;
    // No queue carries the session (away, or closing): what is sent now is not queued.
    if (need > MAX_RING_FRAME || this.queue === undefined) return -1;
    const { ring } = this;
    if (ring !== undefined) {
      const head = this.ringHead;
      if (this.ringTop < 0) {
        if (head + need <= ring.length) return head;
        if (need <= this.ringTail) {
          // Wrapped: the bytes below the oldest in use are free.
          this.ringTop = head;
          return 0;
        }
      } else if (head + need <= this.ringTail) {
        return head;
      }
    }
    let length = ring === undefined ? INITIAL_RING : ring.length * 2;
    while (length < 2 * need) length *= 2;
    if (length > MAX_RING) return -1;
    // What the old ring holds stays where it is, kept alive by its entries until acked, and
    // its frames still queued are kept by reference.
    this.dropRing();
    this.ring = Buffer.allocUnsafeSlow(length);
    this.ringBytes = this.ring.buffer;
    return 0;
  }

  /** The `size` bytes at `at + 4` of the ring hold a frame: its length goes before it. */
  private commit(at: number, size: number): Uint8Array {
    const ring = this.ring!;
    ring[at] = size & 0xff;
    ring[at + 1] = (size >>> 8) & 0xff;
    ring[at + 2] = (size >>> 16) & 0xff;
    ring[at + 3] = size >>> 24;
    if (this.givenPending === 0) {
      this.givenFrom = at;
      this.givenInOrder = true;
    } else if (at !== this.ringHead) {
      this.givenInOrder = false;
    }
    this.ringHead = at + 4 + size;
    this.ringUsed = true;
    this.givenPending += 1;
    const view = new Uint8Array(this.ringBytes!, at + 4, size);
    this.given.last = view;
    return view;
  }

  /** An entry of the ring from byte `start` was dropped up to byte `end`: those are free. */
  private freed(start: number, end: number): void {
    // A range below the oldest in use is past the wrap: everything above it was dropped.
    if (this.ringTop >= 0 && start < this.ringTail) this.ringTop = -1;
    this.ringTail = end;
    if (this.ringTop >= 0 && end === this.ringTop) {
      this.ringTop = -1;
      this.ringTail = 0;
    }
    if (this.ringTop < 0 && this.ringTail === this.ringHead) this.ringTail = this.ringHead = 0;
  }

  /**
   * Called every heartbeat: a ring with nothing in it that no frame used since the last call is
   * let go of, so an idle session holds no more than a new one.
   */
  rest(): void {
    if (this.ring !== undefined && !this.ringUsed && this.ringTop < 0 && this.ringTail === this.ringHead) this.dropRing();
    this.ringUsed = false;
  }

  private dropRing(): void {
    this.ring = this.ringBytes = undefined;
    this.ringHead = this.ringTail = 0;
    this.ringTop = -1;
    this.given.last = undefined;
    this.givenPending = 0;
  }

  /**
   * Keep `data` as the next counted frame, for a session no queue carries (away, or rebuilt
   * in a takeover); a queue keeps what it writes itself. While away, nothing may be lost: false
   * means the session must end.
   */
  record(data: WireData): boolean {
    const size = data.length;
    if (!this.makeRoom(size)) return false;
    this.push([data], 0, 1, size, -1);
    this.count += 1;
    this.bytes += size;
    this.total += 1;
    return true;
  }

  /** Within the bounds, room for one more frame of `size`; false when away and there is none. */
  private makeRoom(size: number): boolean {
    if (this.count < this.maxFrames && this.bytes + size <= this.maxBytes) return true;
    if (this.count === 0) return true;
    if (this.away) return false;
    while (this.count > 0 && (this.count >= this.maxFrames || this.bytes + size > this.maxBytes)) this.drop(1);
    return true;
  }

  /** Past a bound: drop the oldest frames until within it, keeping at least the newest. */
  private trim(): void {
    if (this.count > this.maxFrames) this.drop(this.count - this.maxFrames);
    while (this.count > 1 && this.bytes > this.maxBytes) this.drop(1);
  }

  /** Bytes a buffer entry in slot `at` takes: its frames, each after its length. */
  private span(at: number): number {
    const { meta } = this;
    return meta[META * at + 2]! + 4 * (meta[META * at + 1]! - meta[META * at]!);
  }

  /** Put an entry in the next slot (`offset`: -1 for an array of frames, see `slots`). */
  private push(frames: WireData[] | Uint8Array, from: number, to: number, bytes: number, offset: number): void {
    if (this.entries === this.slots.length) this.grow();
    const at = (this.start + this.entries) & (this.slots.length - 1);
    this.slots[at] = frames;
    const { meta } = this;
    meta[META * at] = from;
    meta[META * at + 1] = to;
    meta[META * at + 2] = bytes;
    meta[META * at + 3] = offset;
    this.entries += 1;
  }

  /** The client received `seq` counted frames: forget those. Out-of-range values are ignored. */
  ack(seq: number): void {
    // A client can have received only what was written: frames still queued are not acked.
    if (seq <= this.acked || seq > this.total) return;
    this.acked = seq;
    // `base + kept` is `total`, so this is at most `kept`.
    if (seq > this.base) this.drop(seq - this.base);
  }

  /**
   * The frames after the client's `seq`, to replay in order, those its queue holds unwritten
   * last; undefined when some of them are no longer kept, or `seq` is more than was ever sent.
   */
  missed(seq: number): WireData[] | undefined {
    if (seq < this.base || seq > this.sent) return undefined;
    const { slots, meta } = this;
    const mask = slots.length - 1;
    const kept: WireData[] = [];
    for (let i = 0; i < this.entries; i++) {
      const at = (this.start + i) & mask;
      const from = meta[META * at]!;
      const to = meta[META * at + 1]!;
      let offset = meta[META * at + 3]!;
      if (offset < 0) {
        const frames = slots[at] as WireData[];
        for (let n = from; n < to; n++) kept.push(frames[n]!);
        continue;
      }
      const buffer = slots[at] as Uint8Array;
      for (let n = from; n < to; n++) {
        const size = lengthAt(buffer, offset);
        kept.push(buffer.subarray(offset + 4, offset + 4 + size));
        offset += 4 + size;
      }
    }
    this.queue?.unwritten(kept);
    return seq === this.base ? kept : kept.slice(seq - this.base);
  }

  /** Forget the `n` oldest frames kept (at most `kept`). */
  private drop(n: number): void {
    const { slots, meta } = this;
    const mask = slots.length - 1;
    let at = this.start;
    let bytes = this.bytes;
    let left = n;
    while (left > 0) {
      const from = meta[META * at]!;
      const to = meta[META * at + 1]!;
      if (to - from > left) {
        // Partly dropped: the rest of the entry stays the oldest.
        let size = 0;
        let offset = meta[META * at + 3]!;
        if (offset < 0) {
          // The dropped frames are let go of here (no other reader is below `from`: the queue
          // reads only what it has not written).
          const frames = slots[at] as WireData[];
          for (let i = from; i < from + left; i++) {
            size += frames[i]!.length;
            frames[i] = '';
          }
        } else {
          const buffer = slots[at] as Uint8Array;
          const start = offset;
          for (let i = from; i < from + left; i++) {
            const length = lengthAt(buffer, offset);
            size += length;
            offset += 4 + length;
          }
          meta[META * at + 3] = offset;
          if (buffer === this.ring) this.freed(start, offset);
        }
        meta[META * at] = from + left;
        meta[META * at + 2] = meta[META * at + 2]! - size;
        bytes -= size;
        break;
      }
      if (slots[at] === this.ring) {
        const offset = meta[META * at + 3]!;
        this.freed(offset, offset + this.span(at));
      }
      bytes -= meta[META * at + 2]!;
      left -= to - from;
      slots[at] = undefined;
      at = (at + 1) & mask;
      this.entries -= 1;
    }
    this.bytes = bytes;
    this.count -= n;
    this.base += n;
    if (this.count === 0 && slots.length > INITIAL_SLOTS) {
      // Emptied: an idle or away session holds no more than a fresh one (the ring may hold
      // frames still queued).
      this.clear(true);
    } else {
      this.start = at;
    }
  }

  /** Forget every frame kept (the counts are the caller's to set), and the ring unless `keepRing`. */
  private clear(keepRing: boolean): void {
    if (!keepRing) this.dropRing();
    if (this.slots.length > INITIAL_SLOTS) {
      // Allocated again by the next entry: an idle session holds no ring at all.
      this.slots = NO_SLOTS;
      this.meta = NO_META;
    } else {
      this.slots.fill(undefined);
    }
    this.start = this.entries = this.count = this.bytes = 0;
  }

  /** Twice the slots (`INITIAL_SLOTS` for the first entry), the kept entries first in order. */
  private grow(): void {
    const { slots, meta, start, entries } = this;
    const mask = slots.length - 1;
    const length = Math.max(INITIAL_SLOTS, slots.length * 2);
    const grown = new Array<WireData[] | Uint8Array | undefined>(length).fill(undefined);
    const grownMeta = new Int32Array(META * length);
    for (let i = 0; i < entries; i++) {
      const at = (start + i) & mask;
      grown[i] = slots[at];
      grownMeta.set(meta.subarray(META * at, META * at + META), META * i);
    }
    this.slots = grown;
    this.meta = grownMeta;
    this.start = 0;
  }
}

/** Slots of a new session's ring: a power of two. */
const INITIAL_SLOTS = 16;
/** Bytes of a session's first byte ring. */
const INITIAL_RING = 16 * 1024;
/** The largest frame encoded into the ring, with its length (larger ones are kept by reference). */
const MAX_RING_FRAME = 64 * 1024;
/** The ring grows no larger; past it, frames are kept by reference. */
const MAX_RING = 4 * 1024 * 1024;
/** Numbers kept per slot in `Session.meta`. */
const META = 4;

/** The ring of a session that has kept nothing yet, shared: `push` grows it before writing. */
const NO_SLOTS: (WireData[] | Uint8Array | undefined)[] = [];
const NO_META = new Int32Array(0);

/** The length written before a copied frame at `offset` (see `Session.slots`). */
function lengthAt(buffer: Uint8Array, offset: number): number {
  return buffer[offset]! | (buffer[offset + 1]! << 8) | (buffer[offset + 2]! << 16) | (buffer[offset + 3]! << 24);
}
