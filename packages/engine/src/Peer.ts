import type { SessionFlags } from '@mwse/protocol';
import type { RateLimiter } from './admission/RateLimiter.js';
import type { OutboundQueue } from './OutboundQueue.js';
import type { InfoPool } from './services/InfoPool.js';
import type { Room } from './services/Room.js';
import type { Link } from './session/Link.js';
import type { Session } from './session/Session.js';
import type { TransportSocket } from './transports/Transport.js';

/** Flags every peer starts with. */
export const DEFAULT_FLAGS: Required<SessionFlags> = {
  pairauth: true,
  readable: true,
  writable: true,
  pairinfo: true,
};

/** What each relation of a peer holds. */
interface Relations {
  trusted: Peer;
  trustedBy: Peer;
  pairRequestsFrom: Peer;
  pairRequestsTo: Peer;
  watchers: Peer;
  rooms: Room;
  invitedTo: Room;
}

/**
 * Every relation a peer has no member in yet: a `Set` holds a hash table from birth (~140 bytes
 * even empty), and most connections never pair, watch or join anything. Typed read-only, and
 * {@link Peer.relate} replaces it before the first member goes in.
 */
const NONE: ReadonlySet<never> = new Set<never>();

/**
 * The server's state for one connection. Relations point at other `Peer` objects and are kept
 * symmetric (each has its reverse), so a disconnect can undo them without scanning every peer.
 * They are read directly and changed only through {@link Peer.relate} and {@link Peer.unrelate}.
 */
export class Peer {
  readonly flags: Required<SessionFlags> = { ...DEFAULT_FLAGS };
  /** Peers allowed to send me direct traffic while pair-auth is on. */
  trusted: ReadonlySet<Peer> = NONE;
  /** Reverse of `trusted`: peers that accepted me. */
  trustedBy: ReadonlySet<Peer> = NONE;
  /** Pair requests sent to me and not yet answered, and their reverse. */
  pairRequestsFrom: ReadonlySet<Peer> = NONE;
  pairRequestsTo: ReadonlySet<Peer> = NONE;
  /** Peers told when I disconnect (symmetric). */
  watchers: ReadonlySet<Peer> = NONE;
  rooms: ReadonlySet<Room> = NONE;
  invitedTo: ReadonlySet<Room> = NONE;
  /** My requests in flight: correlation id → target, and when the server saw it (latency metric). Made on the first. */
  pendingRequests: Map<number, { target: Peer; at: number }> | undefined;
  lastSeen = Date.now();
  /** The hub has forgotten this peer (its relations are undone). */
  closed = false;
  /** `Hub.disconnect()` was called: nothing more is sent or handled, and `closed` follows. */
  closing = false;
  /** The queue of the socket that carries the session now (closed while away). */
  queue!: OutboundQueue;
  /** Set when sessions are resumable: counters, replay and token (see `session/Session.ts`). */
  session: Session | undefined;
  /** The socket id as UTF-8, encoded once for the binary frames this peer sends. */
  readonly idBytes: Uint8Array;
  /** Undefined when rate limiting is off. */
  limiter?: RateLimiter;
  /**
   * Cluster mode: the node this peer's socket is on, when it is not this one. Such a peer is a
   * ghost (docs/cluster.md): its frames go to that node, and its relations mirror the edges that
   * touch this node's peers.
   */
  remote: string | undefined;
  /**
   * Cluster mode with resume: told when one of this peer's relations changes, so its session
   * record in Redis is written again (`cluster/SessionMirror.ts`).
   */
  changed: ((peer: Peer) => void) | undefined;

  constructor(
    readonly id: string,
    /** The socket carrying this session now, or the last one while away; a resume replaces it. */
    public link: Link,
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

  get socket(): TransportSocket {
    return this.link.socket;
  }

  /** A socket carries this session and is still open (it may outlive `closed` during a close handshake). */
  get socketOpen(): boolean {
    return this.link.open && this.link.peer === this;
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
    // Every direct message calls this: after the first, one lookup and done.
    if (other === this || this.watchers.has(other)) return;
    this.relate('watchers', other);
    other.relate('watchers', this);
  }

  /** Adds `member` to one of my relations (the caller keeps its reverse). */
  relate<K extends keyof Relations>(relation: K, member: Relations[K]): void {
    const set = this[relation] as ReadonlySet<Relations[K]>;
    // The fields are public read-only views; this is the one place that swaps one.
    if (set === NONE) (this as unknown as Record<K, ReadonlySet<Relations[K]>>)[relation] = new Set([member]);
    else (set as Set<Relations[K]>).add(member);
    this.changed?.(this);
  }

  /** Removes `member` from one of my relations; false if it was not there. */
  unrelate<K extends keyof Relations>(relation: K, member: Relations[K]): boolean {
    const set = this[relation] as ReadonlySet<Relations[K]>;
    if (set === NONE || !(set as Set<Relations[K]>).delete(member)) return false;
    this.changed?.(this);
    return true;
  }
}
