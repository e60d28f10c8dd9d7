import type { WireData } from '@mwse/protocol';

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
   * Frames numbered `base + 1` … `sent`, oldest first: a ring of `kept` frames from `start`
   * (its length a power of two). An ack is an index move, and a session that keeps acking reuses
   * the same slots instead of growing and dropping an array every few hundred frames.
   */
  private ring: (WireData | undefined)[] = emptyRing();
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
    this.applied = this.appliedTold = this.confirmed = applied;
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
    ring[(this.start + this.count) & (ring.length - 1)] = data;
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
    const { ring } = this;
    const mask = ring.length - 1;
    const missed: WireData[] = [];
    for (let i = seq - this.base; i < this.count; i++) missed.push(ring[(this.start + i) & mask]!);
    return missed;
  }

  /** Forget the `n` oldest frames kept. */
  private drop(n: number): void {
    const { ring } = this;
    const mask = ring.length - 1;
    let at = this.start;
    let bytes = this.bytes;
    for (let i = 0; i < n; i++) {
      bytes -= ring[at]!.length;
      ring[at] = undefined;
      at = (at + 1) & mask;
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

  /** Twice the slots, the kept frames first in order. */
  private grow(): (WireData | undefined)[] {
    const { ring, start, count } = this;
    const mask = ring.length - 1;
    const grown = new Array<WireData | undefined>(ring.length * 2).fill(undefined);
    for (let i = 0; i < count; i++) grown[i] = ring[(start + i) & mask];
    this.ring = grown;
    this.start = 0;
    return grown;
  }
}

/** Slots of a new session's ring: a power of two. */
const INITIAL_RING = 16;

function emptyRing(): (WireData | undefined)[] {
  return new Array<WireData | undefined>(INITIAL_RING).fill(undefined);
}
