/** One encoded client frame, as the connection writes it. */
export interface Written {
  readonly data: string | Uint8Array;
  written?(): void;
}

/** Bounds of the frames kept for resending (the server's own default bounds). */
export interface ResendLimits {
  frames: number;
  bytes: number;
}

/**
 * When `session/ack` goes out: after `ACK_EVERY` counted server frames or `ACK_BYTES` of them
 * (text counted per UTF-16 unit, as the server counts), whichever comes first, and at most
 * `ACK_DELAY` ms after the first frame not yet acked. The count is high because a member of a
 * busy room receives far more than it sends, and each ack is a frame the server reads; the delay
 * stays short because the server keeps every frame until it is acked, and frames kept longer
 * cost it more garbage-collector work and memory (docs/performance.md, "Sessions"). The server
 * keeps 1024 frames and 8 MiB by default (`replayFrames`, `replayBytes`), so an ack is always due
 * well within what it keeps.
 */
export const ACK_EVERY = 256;
export const ACK_BYTES = 1024 * 1024;
export const ACK_DELAY = 25;

/**
 * The client's half of a resumable session: the token for the next resume, frames counted both
 * ways since the hello, and the frames written that the server has not said it applied (resent
 * after a resume, so each reaches the server exactly once).
 */
export class ResumableSession {
  /** Counted server frames received. */
  received = 0;
  /** `received` as last acknowledged to the server. */
  acked = 0;
  /** Size of the counted frames received since the last ack. */
  receivedBytes = 0;
  /** Counted frames written before `unacked[0]`: the server must have applied at least these. */
  private base = 0;
  private unacked: Written[] = [];
  private head = 0;
  private bytes = 0;

  constructor(
    readonly socketId: string,
    /** Rotated by every resumed hello. */
    public token: string,
    private readonly limits: ResendLimits,
  ) {}

  /** What to send first on a socket opened to resume this session. */
  resumeFrame(): string {
    return JSON.stringify({ type: 'session/resume', socketId: this.socketId, token: this.token, seq: this.received, from: this.base });
  }

  /**
   * A counted frame was written: keep it until the server applied it. Past the bounds the oldest
   * is let go (the server most likely has it: a resume that still needs it is refused).
   */
  wrote(out: Written): void {
    this.unacked.push(out);
    this.bytes += out.data.length;
    while (this.unacked.length - this.head > this.limits.frames || (this.bytes > this.limits.bytes && this.unacked.length - this.head > 1)) {
      this.drop();
    }
  }

  /** The server applied `seq` counted frames. */
  applied(seq: number): void {
    while (this.base < seq && this.head < this.unacked.length) this.drop();
  }

  /** What the server did not apply, to write again in order (they stay kept). */
  unapplied(): Written[] {
    return this.unacked.slice(this.head);
  }

  private drop(): void {
    const out = this.unacked[this.head]!;
    this.unacked[this.head++] = undefined as unknown as Written;
    this.bytes -= out.data.length;
    this.base += 1;
    if (this.head === this.unacked.length) {
      this.unacked = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.unacked.length) {
      this.unacked = this.unacked.slice(this.head);
      this.head = 0;
    }
  }
}
