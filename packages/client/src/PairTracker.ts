import type { PairEvent } from './Wire.js';

/**
 * Which peers this connection is paired with, so `accepted/pair` fires once per pairing.
 *
 * A pairing is accepted from both ends when both sides trust each other (each calls
 * `acceptPair()`, or one asks and the other accepts): each side then hears its own acceptance and
 * the other's. Handlers that start something per pairing (a WebRTC call) would run twice; so the
 * first acceptance either way starts the pairing and fires, later ones are news the client keeps
 * to itself. `end/pair`, the peer leaving and a new connection (new id, no pairs) end it.
 */
export class PairTracker {
  #paired = new Set<string>();
  #epoch = -1;

  /**
   * Whether `event` about `peerId`, seen on connection `epoch`, should reach listeners; updates the
   * pairing state either way.
   */
  admit(event: PairEvent, peerId: string, epoch: number): boolean {
    if (epoch !== this.#epoch) {
      this.#paired.clear();
      this.#epoch = epoch;
    }
    if (event === 'end/pair') {
      this.#paired.delete(peerId);
      return true;
    }
    if (event !== 'accepted/pair') return true;
    if (this.#paired.has(peerId)) return false;
    this.#paired.add(peerId);
    return true;
  }

  /** The pairing with `peerId` ended without an event here (we ended it, or the peer left). */
  forget(peerId: string): void {
    this.#paired.delete(peerId);
  }
}
