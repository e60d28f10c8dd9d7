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
  /** The client said it received this many counted frames. */
  acked = 0;
  /** No socket carries the session; `timer` ends it when the grace window is over. */
  away = false;
  timer: NodeJS.Timeout | undefined;
  /** Set before the session is ended for a reason other than a plain close. */
  endReason: EndReason | undefined;
  /** Frames numbered `base + 1` … `sent`, oldest first, from `head` on. */
  private frames: WireData[] = [];
  private head = 0;
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
    return this.frames.length - this.head;
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
    while (this.kept > 0 && (this.kept >= this.limits.frames || this.bytes + size > this.limits.bytes)) {
      if (this.away) return false;
      this.dropOldest();
    }
    this.frames.push(data);
    this.bytes += size;
    this.sent += 1;
    return true;
  }

  /** The client received `seq` counted frames: forget those. Out-of-range values are ignored. */
  ack(seq: number): void {
    if (seq <= this.acked || seq > this.sent) return;
    this.acked = seq;
    while (this.base < seq && this.kept > 0) this.dropOldest();
  }

  /**
   * The frames after the client's `seq`, to replay in order; undefined when some of them are no
   * longer kept, or `seq` is more than was ever sent.
   */
  missed(seq: number): WireData[] | undefined {
    if (seq < this.base || seq > this.sent) return undefined;
    return this.frames.slice(this.head + (seq - this.base));
  }

  private dropOldest(): void {
    const data = this.frames[this.head]!;
    this.frames[this.head++] = '';
    this.bytes -= data.length;
    this.base += 1;
    if (this.head === this.frames.length) {
      this.frames = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.frames.length) {
      this.frames = this.frames.slice(this.head);
      this.head = 0;
    }
  }
}
