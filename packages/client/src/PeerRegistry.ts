import type { Peer } from './Peer.js';

/**
 * The client's peers by socket id, so `mwse.peer(id)` gives the same object for the same id.
 *
 * A busy room shows a client many peers that come and go without a `disconnect` it could see, so
 * peers are held weakly unless something listens to them: an object nobody holds can be collected,
 * and a later `mwse.peer(id)` makes a fresh one — a difference no code can notice, since nothing held
 * the old one. A peer with listeners is held strongly (its listeners must keep firing) until the
 * server says it disconnected.
 */
export class PeerRegistry {
  #pinned = new Map<string, Peer>();
  #weak = new Map<string, WeakRef<Peer>>();
  #finalizer = new FinalizationRegistry<string>((socketId) => {
    // A newer object may have taken the id meanwhile; drop the entry only if it is dead.
    if (!this.#weak.get(socketId)?.deref()) this.#weak.delete(socketId);
  });

  /** The peer object for `socketId`, if one is alive. */
  get(socketId: string): Peer | undefined {
    return this.#pinned.get(socketId) ?? this.#weak.get(socketId)?.deref();
  }

  /** Records a new peer object. */
  add(peer: Peer): void {
    this.#weak.set(peer.socketId, new WeakRef(peer));
    this.#finalizer.register(peer, peer.socketId);
  }

  /** Holds `peer` strongly (it has listeners), or weakly again. */
  pin(peer: Peer, pinned: boolean): void {
    if (pinned) this.#pinned.set(peer.socketId, peer);
    else if (this.#pinned.get(peer.socketId) === peer) this.#pinned.delete(peer.socketId);
  }

  /** How many peers are held strongly (for tests and diagnostics). */
  get pinnedCount(): number {
    return this.#pinned.size;
  }
}
