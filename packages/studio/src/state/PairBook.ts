import type { MWSE, Pairs, Peer } from '@mwse/client';
import { Store } from './Store.js';
import { subscribe } from './subscribe.js';

/**
 * Where a pairing with a peer stands, as this connection saw it: `incoming` (it asked me),
 * `outgoing` (I asked it), `paired` (accepted either way).
 */
export type PairState = 'none' | 'incoming' | 'outgoing' | 'paired';

/** One peer's pairing. */
export interface PairEntry {
  readonly peer: Peer;
  readonly state: Exclude<PairState, 'none'>;
  /** When Studio learnt of this state (epoch ms). */
  readonly since: number;
}

/**
 * Pairings and pending pair requests: the server's list (`mwse.fetchPairs()`) when Studio starts
 * and on every `scope`, kept current by the SDK's pair events.
 */
export class PairBook extends Store {
  readonly #mwse: MWSE;
  #entries = new Map<string, PairEntry>();

  constructor(mwse: MWSE) {
    super();
    this.#mwse = mwse;
  }

  /** Every pairing and pending request, oldest first. */
  get entries(): readonly PairEntry[] {
    return [...this.#entries.values()];
  }

  /** Where the pairing with `peer` stands. */
  state(peer: Peer): PairState {
    return this.#entries.get(peer.socketId)?.state ?? 'none';
  }

  /** How many peers are in `state`. */
  count(state: Exclude<PairState, 'none'>): number {
    return this.entries.filter((entry) => entry.state === state).length;
  }

  /** Studio asked `peer` to pair (its request was delivered). */
  asked(peer: Peer): void {
    if (this.state(peer) === 'none') this.#set(peer, 'outgoing');
  }

  /** Studio rejected or ended the pairing with `peer`. */
  ended(peer: Peer): void {
    if (this.#entries.delete(peer.socketId)) this.changed.emit();
  }

  /**
   * Adds what the server holds and the book does not know yet (pairs made before Studio started).
   * An event that arrived meanwhile is newer than the list, so entries already here stay.
   */
  async load(): Promise<void> {
    if (!this.#mwse.connected) return;
    let pairs: Pairs;
    try {
      pairs = await this.#mwse.fetchPairs();
    } catch {
      return; // a server without `pair/list`, or the connection dropped: events still count
    }
    const found: [Peer[], PairEntry['state']][] = [
      [[...pairs.accepted, ...pairs.acceptedBy], 'paired'],
      [pairs.incoming, 'incoming'],
      [pairs.outgoing, 'outgoing'],
    ];
    let added = false;
    for (const [peers, state] of found) {
      for (const peer of peers) {
        if (this.#entries.has(peer.socketId)) continue;
        this.#entries.set(peer.socketId, { peer, state, since: Date.now() });
        added = true;
      }
    }
    if (added) this.changed.emit();
  }

  protected attach(): void {
    const mwse = this.#mwse;
    void this.load();
    this.onStop(subscribe(mwse, 'scope', () => void this.load()));
    this.onStop(subscribe(mwse, 'request/pair', (peer) => {
      if (this.state(peer) !== 'paired') this.#set(peer, 'incoming');
    }));
    this.onStop(subscribe(mwse, 'accepted/pair', (peer) => this.#set(peer, 'paired')));
    this.onStop(subscribe(mwse, 'end/pair', (peer) => this.ended(peer)));
    this.onStop(subscribe(mwse, 'peer/disconnect', (peer) => this.ended(peer)));
    // Pairs belong to a connection: after a drop this peer is a new one, paired with no one.
    this.onStop(subscribe(mwse, 'disconnect', () => {
      this.#entries.clear();
      this.changed.emit();
    }));
  }

  #set(peer: Peer, state: PairEntry['state']): void {
    this.#entries.set(peer.socketId, { peer, state, since: Date.now() });
    this.changed.emit();
  }
}
