import type { WireData } from '@mwse/protocol';
import { type FrameLog, Run } from './FrameLog.js';

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
  get sent(): number {
    this.settle();
    return this.total;
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
   * Frames numbered `base + 1` … `sent`, oldest first: a ring of `entries` slots from `start`
   * (its length a power of two), each a frame or a `Run` of frames kept in a shared `FrameLog`,
   * `count` frames in all. An ack is an index move, and a session that keeps acking reuses the
   * same slots instead of growing and dropping an array every few hundred frames.
   */
  private ring: (WireData | Run | undefined)[] = emptyRing();
  private start = 0;
  private entries = 0;
  private count = 0;
  private bytes = 0;
  private base = 0;
  /** `sent`, without the frames `tail` took since it was last settled. */
  private total = 0;
  /**
   * The run in the newest slot, when that slot is one: `keepShared` extends it in place and
   * counts nothing else, so `count`, `bytes` and `total` leave out its frames from `settledTo`
   * on until `settle` adds them. `limit` and `byteLimit` say how far it may grow within the
   * bounds: its next frame `i` fits while `i < limit` and `chunk.ends[i] <= byteLimit` (the
   * log's `end` when it is the log's frame appended last).
   */
  private tail: Run | undefined;
  private settledTo = 0;
  private limit = 0;
  private byteLimit = 0;
  /** `limits`, read on every frame. */
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
    this.settle();
    this.total = this.base = this.acked = sent;
    this.applied = this.appliedTold = this.confirmed = applied;
  }

  /** Frames kept for replay. */
  get kept(): number {
    this.settle();
    return this.count;
  }

  /** Bytes kept for replay. */
  get keptBytes(): number {
    this.settle();
    return this.bytes;
  }

  /**
   * Keep `data` as the next counted frame. While the socket is live, the oldest frames make room
   * when the bounds are reached (its client most likely has them: a resume that still needs one
   * is refused with `overflow`). While away, nothing may be lost: false means the session must end.
   */
  record(data: WireData): boolean {
    this.settle();
    const size = data.length;
    if (!this.makeRoom(size)) return false;
    this.push(data);
    this.tail = undefined;
    this.count += 1;
    this.bytes += size;
    this.total += 1;
    return true;
  }

  /**
   * Keep the frame `log` appended last as the next counted frame, as `record` would, but as a
   * place in the log: when the frame before it was the log's frame before, in the same chunk, this
   * only extends that run. The hot path of a room's fan-out: one store, no count.
   */
  keepShared(log: FrameLog): boolean {
    const { tail } = this;
    const { at, chunk } = log;
    if (tail !== undefined && tail.to === at && at < this.limit && tail.chunk === chunk && log.end <= this.byteLimit) {
      tail.to = at + 1;
      return true;
    }
    return this.keepSharedSlow(log);
  }

  private keepSharedSlow(log: FrameLog): boolean {
    this.settle();
    const { chunk, at, size } = log;
    if (!this.makeRoom(size)) return false;
    const { tail } = this;
    if (tail !== undefined && tail.to === at && tail.chunk === chunk) tail.to = at + 1;
    else this.push((this.tail = new Run(chunk, at, at + 1)));
    this.settledTo = at + 1;
    this.count += 1;
    this.bytes += size;
    this.total += 1;
    this.arm();
    return true;
  }

  /** Count what `tail` took since it was last settled. */
  private settle(): void {
    const { tail } = this;
    if (tail === undefined || tail.to === this.settledTo) return;
    const taken = tail.to - this.settledTo;
    this.count += taken;
    this.bytes += tail.chunk.size(this.settledTo, tail.to);
    this.total += taken;
    this.settledTo = tail.to;
    this.arm();
  }

  /** How far `tail` may grow from `settledTo` within the bounds (see `tail`). */
  private arm(): void {
    const { tail } = this;
    if (tail === undefined) return;
    const { ends } = tail.chunk;
    this.limit = this.settledTo + (this.maxFrames - this.count);
    this.byteLimit = this.maxBytes - this.bytes + (this.settledTo > 0 ? ends[this.settledTo - 1]! : 0);
  }

  /** Within the bounds, room for one more frame of `size`; false when away and there is none. */
  private makeRoom(size: number): boolean {
    if (this.count < this.maxFrames && this.bytes + size <= this.maxBytes) return true;
    if (this.count === 0) return true;
    if (this.away) return false;
    while (this.count > 0 && (this.count >= this.maxFrames || this.bytes + size > this.maxBytes)) this.drop(1);
    return true;
  }

  /** Put `entry` in the next slot. */
  private push(entry: WireData | Run): void {
    let { ring } = this;
    if (this.entries === ring.length) ring = this.grow();
    ring[(this.start + this.entries) & (ring.length - 1)] = entry;
    this.entries += 1;
  }

  /** The client received `seq` counted frames: forget those. Out-of-range values are ignored. */
  ack(seq: number): void {
    if (seq <= this.acked || seq > this.sent) return;
    this.acked = seq;
    // `base + kept` is `sent`, so this is at most `kept`.
    if (seq > this.base) this.drop(seq - this.base);
    this.arm();
  }

  /**
   * The frames after the client's `seq`, to replay in order; undefined when some of them are no
   * longer kept, or `seq` is more than was ever sent.
   */
  missed(seq: number): WireData[] | undefined {
    if (seq < this.base || seq > this.sent) return undefined;
    // `sent` settled the counts.
    const { ring } = this;
    const mask = ring.length - 1;
    const missed: WireData[] = [];
    let skip = seq - this.base;
    for (let i = 0; i < this.entries; i++) {
      const entry = ring[(this.start + i) & mask]!;
      if (!(entry instanceof Run)) {
        if (skip > 0) skip -= 1;
        else missed.push(entry);
        continue;
      }
      const from = entry.from + Math.min(skip, entry.to - entry.from);
      skip -= from - entry.from;
      for (let n = from; n < entry.to; n++) missed.push(entry.chunk.frames[n]!);
    }
    return missed;
  }

  /** Forget the `n` oldest frames kept (at most `kept`; the counts settled). */
  private drop(n: number): void {
    const { ring } = this;
    const mask = ring.length - 1;
    let at = this.start;
    let bytes = this.bytes;
    let left = n;
    while (left > 0) {
      const entry = ring[at]!;
      if (entry instanceof Run) {
        const end = Math.min(entry.to, entry.from + left);
        bytes -= entry.chunk.size(entry.from, end);
        left -= end - entry.from;
        entry.from = end;
        // Partly dropped: the rest of the run stays the oldest entry.
        if (end < entry.to) break;
        if (entry === this.tail) this.tail = undefined;
      } else {
        bytes -= entry.length;
        left -= 1;
      }
      ring[at] = undefined;
      at = (at + 1) & mask;
      this.entries -= 1;
    }
    this.bytes = bytes;
    this.count -= n;
    this.base += n;
    if (this.count === 0 && ring.length > INITIAL_RING) {
      // Emptied: an idle or away session holds no more than a fresh one.
      this.ring = emptyRing();
      this.start = 0;
    } else {
      this.start = at;
    }
  }

  /** Twice the slots, the kept entries first in order. */
  private grow(): (WireData | Run | undefined)[] {
    const { ring, start, entries } = this;
    const mask = ring.length - 1;
    const grown = new Array<WireData | Run | undefined>(ring.length * 2).fill(undefined);
    for (let i = 0; i < entries; i++) grown[i] = ring[(start + i) & mask];
    this.ring = grown;
    this.start = 0;
    return grown;
  }
}

/** Slots of a new session's ring: a power of two. */
const INITIAL_RING = 16;

function emptyRing(): (WireData | Run | undefined)[] {
  return new Array<WireData | Run | undefined>(INITIAL_RING).fill(undefined);
}
