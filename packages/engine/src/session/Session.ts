import type { WireData } from '@mwse/protocol';
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
 * queue stores as without sessions, and the session stores one entry per flush. Binary frames
 * no other queue was given (a pair's, not a room's) are copied into one buffer per flush: one
 * object alive until the ack instead of one per frame, for the garbage collector to copy at
 * each young-generation collection (docs/performance.md). Frames for a session with no socket
 * (away, or rebuilt in a takeover) are kept one by one (`record`).
 */
export class Session implements Keeper {
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
   * `meta[4i + 3]` is -1, else of a buffer of copied frames (each after its length in 4 bytes,
   * little-endian), frame `meta[4i]` starting at byte `meta[4i + 3]`. The ranges live in a typed
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
    this.clear();
    this.total = this.base = this.acked = sent;
    this.applied = this.appliedTold = this.confirmed = applied;
  }

  /**
   * A resume: the client received `seq` frames, and those after it are queued again on its new
   * socket, numbered as they were. Nothing is kept from here on but what that queue writes.
   */
  rewind(seq: number): void {
    this.clear();
    this.total = this.base = this.acked = seq;
  }

  /** `queue` carries the session's frames from now on: what it writes, the session keeps. */
  carry(queue: OutboundQueue): void {
    this.queue = queue;
    queue.keeper = this;
  }

  /** Called by `queue` as it closes, after it handed over what it held unwritten. */
  closed(queue: OutboundQueue): void {
    if (this.queue === queue) this.queue = undefined;
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
   * were queued: they are kept as one entry. The oldest frames make room when the bounds are
   * passed (the client most likely has them: a resume that still needs one is refused with
   * `overflow`); a frame alone is kept whatever its size.
   */
  written(frames: WireData[], from: number, to: number, bytes: number, own: boolean): void {
    const n = to - from;
    if (n === 0) return;
    // One frame copied would be one object alive for another: kept as it is.
    if (!own || n === 1 || !this.copy(frames, from, to, bytes)) this.push(frames, from, to, bytes, -1);
    this.count += n;
    this.bytes += bytes;
    this.total += n;
    if (this.count > this.maxFrames || this.bytes > this.maxBytes) this.trim();
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

  /**
   * Keep binary `frames[from … to - 1]` (`bytes` in all) as one entry of copies, each after its
   * length; false, with nothing kept, when one of them is text.
   */
  private copy(frames: WireData[], from: number, to: number, bytes: number): boolean {
    const buffer = Buffer.allocUnsafe(bytes + 4 * (to - from));
    let at = 0;
    for (let i = from; i < to; i++) {
      const frame = frames[i]!;
      if (typeof frame === 'string') return false;
      const size = frame.length;
      buffer[at] = size & 0xff;
      buffer[at + 1] = (size >>> 8) & 0xff;
      buffer[at + 2] = (size >>> 16) & 0xff;
      buffer[at + 3] = size >>> 24;
      buffer.set(frame, at + 4);
      at += 4 + size;
    }
    this.push(buffer, 0, to - from, bytes, 0);
    return true;
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
          for (let i = from; i < from + left; i++) {
            const length = lengthAt(buffer, offset);
            size += length;
            offset += 4 + length;
          }
          meta[META * at + 3] = offset;
        }
        meta[META * at] = from + left;
        meta[META * at + 2] = meta[META * at + 2]! - size;
        bytes -= size;
        break;
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
      // Emptied: an idle or away session holds no more than a fresh one.
      this.clear();
    } else {
      this.start = at;
    }
  }

  /** Forget every frame kept (the counts are the caller's to set). */
  private clear(): void {
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
/** Numbers kept per slot in `Session.meta`. */
const META = 4;

/** The ring of a session that has kept nothing yet, shared: `push` grows it before writing. */
const NO_SLOTS: (WireData[] | Uint8Array | undefined)[] = [];
const NO_META = new Int32Array(0);

/** The length written before a copied frame at `offset` (see `Session.slots`). */
function lengthAt(buffer: Uint8Array, offset: number): number {
  return buffer[offset]! | (buffer[offset + 1]! << 8) | (buffer[offset + 2]! << 16) | (buffer[offset + 3]! << 24);
}
