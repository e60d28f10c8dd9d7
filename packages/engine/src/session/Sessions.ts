import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { CloseCode, type ClientFrameOf, type ResumeRefusal, type ServerFrame, type WireData } from '@mwse/protocol';
import type { Peer } from '../Peer.js';
import type { Link } from './Link.js';
import { Session, type EndReason, type ReplayLimits } from './Session.js';

/**
 * A server `session/ack` goes out after `ACK_EVERY` applied frames or `ACK_BYTES` of them,
 * whichever first, and at most `ACK_DELAY` ms after the first one not yet acked. The counts are
 * the SDK's (its `ResumableSession.ts`), well inside what it keeps to resend (1024 frames,
 * 8 MiB). The delay is ten times the SDK's: the client keeps its frames whether or not they are
 * acked, so a later ack costs it nothing but a few more frames held, and a resume resends only
 * what the resumed hello says was not applied. A frame the server keeps until it is acked costs
 * the server memory and collector work, which is why the SDK acks within 25 ms; the server's own
 * acks only cost frames to write, and at 25 ms a member of a busy room that sends a frame now
 * and then got one ack for every two of its frames (docs/performance.md, "Sessions").
 */
export const ACK_EVERY = 256;
export const ACK_BYTES = 1024 * 1024;
export const ACK_DELAY = 250;
/** Ended sessions remembered (so a late resume hears why): at most this many, for one grace window. */
const MAX_TOMBSTONES = 10_000;

/** What the session keeper needs from the hub. */
export interface SessionHost {
  peer(id: string): Peer | undefined;
  /** Give `peer` a new socket and outbound queue. */
  attach(peer: Peer, link: Link): void;
  /** Queue a frame that is not counted (hello, acks). */
  sendControl(peer: Peer, frame: ServerFrame): void;
  /** End a session as a disconnect does (deferred, services run once). */
  disconnect(peer: Peer, code: number, reason: string): void;
}

/** A new session's secret: handed to the client once, kept only hashed. */
export interface Minted {
  session: Session;
  token: string;
}

/** A session back on a new socket, and the frames to replay to it after its hello. */
export interface Resumed {
  peer: Peer;
  missed: WireData[];
}

interface Tombstone {
  tokenHash: Buffer;
  /** The token before the last rotation, if its client may not have seen the newer one. */
  previousHash: Buffer | undefined;
  reason: EndReason;
  at: number;
}

function hash(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/**
 * Sessions that outlive their sockets (docs/sessions.md): mints and checks resume tokens, keeps
 * away sessions for the grace window, decides resumes, and sends the server's acks.
 */
export class Sessions {
  private readonly tombstones = new Map<string, Tombstone>();
  private readonly unacked = new Set<Peer>();
  private ackTimer: NodeJS.Timeout | undefined;
  /** Sessions whose socket is gone (a gauge). */
  awayCount = 0;
  /** Cluster mode: the epoch new tokens name (`<secret>.<epoch>`, see cluster/Epoch.ts). */
  epoch: string | undefined;
  /**
   * Cluster takeover: acks tell only what Redis confirmed (see {@link confirm}), since the
   * client drops what is acked from its resend buffer and a taker goes on from Redis's count.
   */
  confirming = false;

  constructor(
    private readonly host: SessionHost,
    /** Milliseconds an away session is kept; 0: sessions are not kept. */
    readonly grace: number,
    private readonly limits: ReplayLimits,
  ) {}

  get enabled(): boolean {
    return this.grace > 0;
  }

  /** A new session with a fresh token (256 random bits, base64url). */
  mint(): Minted {
    const token = this.newToken();
    return { session: new Session(hash(token), this.limits), token };
  }

  /** Cluster takeover: a session for a token already handed out (by another node), going on from its counters. */
  adopt(tokenHash: Buffer, sent: number, applied: number): Session {
    const session = new Session(tokenHash, this.limits);
    session.continueFrom(sent, applied);
    return session;
  }

  private newToken(): string {
    const secret = randomBytes(32).toString('base64url');
    return this.epoch === undefined ? secret : `${secret}.${this.epoch}`;
  }

  /** The hello's `resume` field, with a new token: the old one stops working at once. */
  rotate(session: Session): { token: string; grace: number } {
    const token = this.newToken();
    session.previousHash = session.tokenHash;
    session.tokenHash = hash(token);
    return { token, grace: this.grace };
  }

  /** A counted client frame of `size` bytes was handled: tell the client now and then. */
  applied(peer: Peer, session: Session, size: number): void {
    session.appliedBytes += size;
    // Acked once Redis confirms it instead.
    if (this.confirming) return;
    const unacked = session.applied - session.appliedTold;
    // The first frame since the last ack: later ones find the peer waiting already.
    this.ackDue(peer, session, unacked, unacked === 1);
  }

  /**
   * Cluster takeover: Redis holds `applied` as the session's count now, written after all its
   * frames published, so acks may tell that much (at the same cadence as {@link applied}).
   */
  confirm(peer: Peer, applied: number): void {
    const session = peer.session;
    if (!session || peer.closed || peer.remote !== undefined || applied <= session.confirmed) return;
    session.confirmed = applied;
    const unacked = Math.min(applied, session.applied) - session.appliedTold;
    if (unacked > 0) this.ackDue(peer, session, unacked, true);
  }

  /**
   * `unacked` counted frames of `peer` not yet acked: the ack goes now past `ACK_EVERY` frames or
   * `ACK_BYTES`, else within `ACK_DELAY` (`wait`: the peer is not waiting for the timer yet).
   */
  private ackDue(peer: Peer, session: Session, unacked: number, wait: boolean): void {
    if (unacked >= ACK_EVERY || session.appliedBytes >= ACK_BYTES) {
      this.sendAck(peer, session);
      return;
    }
    if (wait) this.unacked.add(peer);
    this.ackTimer ??= setTimeout(this.flushAcks, ACK_DELAY);
  }

  private readonly flushAcks = (): void => {
    this.ackTimer = undefined;
    for (const peer of this.unacked) if (peer.session && !peer.closed) this.sendAck(peer, peer.session);
    this.unacked.clear();
  };

  private sendAck(peer: Peer, session: Session): void {
    this.unacked.delete(peer);
    const seq = this.confirming ? Math.min(session.confirmed, session.applied) : session.applied;
    if (session.away || seq <= session.appliedTold) return;
    session.appliedTold = seq;
    session.appliedBytes = 0;
    this.host.sendControl(peer, { type: 'session/ack', seq });
  }

  /** The socket is gone but the session stays, unseen by anyone, for the grace window. */
  away(peer: Peer): void {
    const session = peer.session!;
    if (session.away) return;
    session.away = true;
    this.awayCount += 1;
    if (peer.link.peer === peer) peer.link.peer = undefined;
    peer.queue.close();
    this.unacked.delete(peer);
    session.timer = setTimeout(() => this.end(peer, 'expired'), this.grace);
    session.timer.unref();
  }

  /** End a session for `reason` (a later resume attempt with its token is told so). */
  end(peer: Peer, reason: EndReason): void {
    if (peer.session) peer.session.endReason ??= reason;
    // A session lost with the cluster's state: its client comes back at once, as a new session.
    const code = reason === 'ended' ? CloseCode.Normal : reason === 'state-lost' ? CloseCode.GoingAway : CloseCode.PolicyViolation;
    this.host.disconnect(peer, code, `session ${reason}`);
  }

  /** Cluster mode: the session moved to another node. Its timers go; no tombstone stays. */
  release(peer: Peer): void {
    const session = peer.session;
    if (!session) return;
    clearTimeout(session.timer);
    session.timer = undefined;
    if (session.away) this.awayCount -= 1;
    session.away = false;
    this.unacked.delete(peer);
  }

  /** The hub forgot `peer`: drop its timers, and remember why its session ended. */
  forget(peer: Peer): void {
    const session = peer.session;
    if (!session) return;
    clearTimeout(session.timer);
    if (session.away) this.awayCount -= 1;
    session.away = false;
    this.unacked.delete(peer);
    const now = Date.now();
    this.tombstones.set(peer.id, { tokenHash: session.tokenHash, previousHash: session.previousHash, reason: session.endReason ?? 'ended', at: now });
    // Oldest first (insertion order): drop what is past the window or over the cap.
    for (const [id, stone] of this.tombstones) {
      if (this.tombstones.size <= MAX_TOMBSTONES && stone.at > now - this.grace) break;
      this.tombstones.delete(id);
    }
  }

  /**
   * Try to give `frame`'s session to `link`. On success the session has its new socket, and the
   * frames its client missed are returned for the caller to queue after the resumed hello;
   * otherwise why not (the caller starts a new session). A wrong token learns nothing: it reads
   * `unknown` whether or not the session exists.
   */
  resume(link: Link, frame: ClientFrameOf<'session/resume'>): Resumed | ResumeRefusal {
    if (!this.enabled) return 'disabled';
    const peer = this.host.peer(frame.socketId);
    const session = peer?.session;
    if (!peer || !session || peer.closed || peer.closing) {
      const stone = this.tombstones.get(frame.socketId);
      // Either token the session would have taken: a client whose resumed hello was lost still
      // holds the previous one, and should hear why its session ended, not `unknown`.
      const known = stone && (matches(stone.tokenHash, frame.token) || (stone.previousHash !== undefined && matches(stone.previousHash, frame.token)));
      return known ? stone.reason : 'unknown';
    }
    const presented = hash(frame.token);
    const current = timingSafeEqual(session.tokenHash, presented);
    const previous = session.previousHash !== undefined && timingSafeEqual(session.previousHash, presented);
    if (!current && !previous) return 'unknown';
    // The client never saw the newer token (the resumed hello was lost): the older one stays current.
    if (previous) session.tokenHash = session.previousHash!;
    // The bridge approved this socket again (fail-closed); it must be the same person or device.
    if (link.admitted.identity !== peer.identity) return 'identity';
    if (link.admitted.binary !== peer.binary) return 'codec';
    if (frame.seq > session.sent) return 'unknown';
    const missed = session.missed(frame.seq);
    if (!missed || frame.from > session.applied) {
      // Frames are lost one way or the other: this session can never be resumed exactly.
      this.end(peer, 'overflow');
      return 'overflow';
    }
    if (peer.socketOpen) {
      // A second socket resumed a live session (the first may be half-open): the newest wins.
      const old = peer.link;
      old.peer = undefined;
      peer.queue.close();
      old.close(CloseCode.SessionTaken, 'session resumed on another connection');
    } else {
      clearTimeout(session.timer);
      session.timer = undefined;
      if (session.away) this.awayCount -= 1;
    }
    session.away = false;
    // The missed frames are queued again on the new socket, with the numbers they had.
    session.rewind(frame.seq);
    this.host.attach(peer, link);
    peer.lastSeen = Date.now();
    session.appliedTold = session.applied;
    return { peer, missed };
  }
}

/** Constant-time comparison of a presented token with a stored hash. */
function matches(stored: Buffer, token: string): boolean {
  return timingSafeEqual(stored, hash(token));
}
