import type { SessionFlags } from '@mwse/protocol';
import type { RateLimiter } from './admission/RateLimiter.js';
import type { OutboundQueue } from './OutboundQueue.js';
import type { InfoPool } from './services/InfoPool.js';
import type { Room } from './services/Room.js';
import type { TransportSocket } from './transports/Transport.js';

/** Flags every peer starts with. */
export const DEFAULT_FLAGS: Required<SessionFlags> = {
  pairauth: true,
  readable: true,
  writable: true,
  pairinfo: true,
};

/**
 * The server's state for one connection. Relations point at other `Peer` objects and are kept
 * symmetric (each has its reverse), so a disconnect can undo them without scanning every peer.
 */
export class Peer {
  readonly flags: Required<SessionFlags> = { ...DEFAULT_FLAGS };
  /** Peers allowed to send me direct traffic while pair-auth is on. */
  readonly trusted = new Set<Peer>();
  /** Reverse of `trusted`: peers that accepted me. */
  readonly trustedBy = new Set<Peer>();
  /** Pair requests sent to me and not yet answered, and their reverse. */
  readonly pairRequestsFrom = new Set<Peer>();
  readonly pairRequestsTo = new Set<Peer>();
  /** Peers told when I disconnect (symmetric). */
  readonly watchers = new Set<Peer>();
  readonly rooms = new Set<Room>();
  readonly invitedTo = new Set<Room>();
  /** My requests in flight: correlation id → target, and when the server saw it (latency metric). */
  readonly pendingRequests = new Map<number, { target: Peer; at: number }>();
  lastSeen = Date.now();
  /** The hub has forgotten this peer (its relations are undone). */
  closed = false;
  /** The transport's socket is still open (it may outlive `closed` during a close handshake). */
  socketOpen = true;
  queue!: OutboundQueue;
  /** The socket id as UTF-8, encoded once for the binary frames this peer sends. */
  readonly idBytes: Uint8Array;
  /** Undefined when rate limiting is off. */
  limiter?: RateLimiter;

  constructor(
    readonly id: string,
    readonly socket: TransportSocket,
    /** The client address the connection was admitted from (after `trustProxy`). */
    readonly address: string,
    readonly info: InfoPool,
    /** Given by the bridge's approval; keys store-and-forward. */
    readonly identity: string | undefined,
    /** Tunnel frames to this peer travel in the binary framing (it asked at connect). */
    readonly binary: boolean,
  ) {
    this.idBytes = Buffer.from(id);
  }

  /** True when direct traffic from `from` reaches me (SPEC §4, pair-auth). */
  accepts(from: Peer): boolean {
    return this.flags.writable && (!this.flags.pairauth || this.trusted.has(from));
  }

  /** Everyone I am paired with in either direction: they get my info changes. */
  *pairs(): Iterable<Peer> {
    yield* this.trusted;
    for (const p of this.trustedBy) if (!this.trusted.has(p)) yield p;
  }

  watch(other: Peer): void {
    if (other === this) return;
    this.watchers.add(other);
    other.watchers.add(this);
  }
}
