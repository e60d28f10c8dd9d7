import type { WireData } from '@mwse/protocol';
import { ByteRing } from './ByteRing.js';

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
 */
export class Session {
  /** Counted server frames queued for this client so far: frame n is the n-th after the hello. */
  sent = 0;
  /** Counted client frames the server has handled so far. */
  applied = 0;
  /** `applied` as last told to the client (`session/ack`, or a resumed hello). */
  appliedTold = 0;
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
   * Frames numbered `base + 1` … `sent`, oldest first: a ring of `kept` frames from `start`
   * (its length a power of two). An ack is an index move, and a session that keeps acking reuses
   * the same slots instead of growing and dropping an array every few hundred frames.
   * A text frame is kept in its slot; a binary frame's bytes are copied into `slab` (in order,
   * so a frame's place there follows from the lengths before it) and its slot holds nothing, so
   * the session points at no young frame (see `ByteRing`). `lens` has a binary frame's length,
   * or -1 for text.
   */
  private ring: (string | undefined)[] = emptyRing();
  private lens: Int32Array = emptyLens();
  private readonly slab = new ByteRing();
  private start = 0;
  private count = 0;
  private bytes = 0;
  private base = 0;

  /**
   * The token before the last rotation, still good until the client sends anything on the
   * resumed socket: a cut that loses the resumed hello must not lose the session with it.
   */
  previousHash: Buffer | undefined;

  constructor(
    /** SHA-256 of the resume token: the token itself is never kept. */
    public tokenHash: Buffer,
    private readonly limits: ReplayLimits,
  ) {}

  /**
   * Cluster takeover: this session goes on from another node's, whose client received `sent`
   * counted frames and of whose frames `applied` were handled there. Nothing before is kept.
   */
  continueFrom(sent: number, applied: number): void {
    this.sent = this.base = this.acked = sent;
    this.applied = this.appliedTold = applied;
  }

  /** Frames kept for replay. */
  get kept(): number {
    return this.count;
  }

  /** Bytes kept for replay. */
  get keptBytes(): number {
    return this.bytes;
  }

  /**
   * Keep `data` as the next counted frame. While the socket is live, the oldest frames make room
   * when the bounds are reached (its client most likely has them: a resume that still needs one
   * is refused with `overflow`). While away, nothing may be lost: false means the session must end.
   */
  record(data: WireData): boolean {
    const size = data.length;
    const { frames, bytes } = this.limits;
    if (this.count > 0 && (this.count >= frames || this.bytes + size > bytes)) {
      if (this.away) return false;
      while (this.count > 0 && (this.count >= frames || this.bytes + size > bytes)) this.drop(1);
    }
    let { ring } = this;
    if (this.count === ring.length) ring = this.grow();
    const slot = (this.start + this.count) & (ring.length - 1);
    if (typeof data === 'string') {
      ring[slot] = data;
      this.lens[slot] = -1;
    } else {
      this.slab.push(data);
      this.lens[slot] = size;
    }
    this.count += 1;
    this.bytes += size;
    this.sent += 1;
    return true;
  }

  /** The client received `seq` counted frames: forget those. Out-of-range values are ignored. */
  ack(seq: number): void {
    if (seq <= this.acked || seq > this.sent) return;
    this.acked = seq;
    // `base + kept` is `sent`, so this is at most `kept`.
    if (seq > this.base) this.drop(seq - this.base);
  }

  /**
   * The frames after the client's `seq`, to replay in order; undefined when some of them are no
   * longer kept, or `seq` is more than was ever sent.
   */
  missed(seq: number): WireData[] | undefined {
    if (seq < this.base || seq > this.sent) return undefined;
    const { ring, lens, slab } = this;
    const mask = ring.length - 1;
    const from = seq - this.base;
    const missed: WireData[] = [];
    // Offset in the slab of the next binary frame: after those of the frames not replayed.
    let offset = 0;
    for (let i = 0; i < this.count; i++) {
      const slot = (this.start + i) & mask;
      const len = lens[slot]!;
      if (i >= from) missed.push(len < 0 ? ring[slot]! : slab.read(offset, len));
      if (len >= 0) offset += len;
    }
    return missed;
  }

  /** Forget the `n` oldest frames kept. */
  private drop(n: number): void {
    const { ring, lens } = this;
    const mask = ring.length - 1;
    let at = this.start;
    let bytes = this.bytes;
    let binary = 0;
    for (let i = 0; i < n; i++) {
      const len = lens[at]!;
      if (len < 0) {
        bytes -= ring[at]!.length;
        ring[at] = undefined;
      } else {
        bytes -= len;
        binary += len;
      }
      at = (at + 1) & mask;
    }
    this.slab.shift(binary);
    this.bytes = bytes;
    this.count -= n;
    this.base += n;
    if (this.count === 0 && ring.length > INITIAL_RING) {
      // Emptied: an idle or away session holds no more than a fresh one.
      this.ring = emptyRing();
      this.lens = emptyLens();
      this.start = 0;
    } else {
      this.start = at;
    }
  }

  /** Twice the slots, the kept frames first in order. */
  private grow(): (string | undefined)[] {
    const { ring, lens, start, count } = this;
    const mask = ring.length - 1;
    const grown = new Array<string | undefined>(ring.length * 2).fill(undefined);
    const grownLens = new Int32Array(ring.length * 2);
    for (let i = 0; i < count; i++) {
      grown[i] = ring[(start + i) & mask];
      grownLens[i] = lens[(start + i) & mask]!;
    }
    this.ring = grown;
    this.lens = grownLens;
    this.start = 0;
    return grown;
  }
}

/** Slots of a new session's ring: a power of two. */
const INITIAL_RING = 16;

function emptyRing(): (string | undefined)[] {
  return new Array<string | undefined>(INITIAL_RING).fill(undefined);
}

function emptyLens(): Int32Array {
  return new Int32Array(INITIAL_RING);
}
