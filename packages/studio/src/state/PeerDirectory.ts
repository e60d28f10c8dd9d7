import type { MWSE, Peer } from '@mwse/client';
import { shortId } from '../ui/format.js';
import { Store } from './Store.js';
import { subscribe } from './subscribe.js';

/** What Studio knows of one peer it shows. */
export interface PeerCard {
  readonly peer: Peer;
  /** Its info record, once fetched. */
  info: Record<string, unknown> | undefined;
  /** It turned `readable` off: its info cannot be read. */
  hidden: boolean;
  /** It left the server. */
  gone: boolean;
  users: number;
  loading: boolean;
}

/**
 * Info of the peers on screen. Pairs push their info changes (`peer/info`), but a room member
 * you are not paired with pushes nothing, so every peer some open column shows ("tracks") is also
 * polled at Studio's `pollInterval`.
 */
export class PeerDirectory extends Store {
  readonly #mwse: MWSE;
  readonly #interval: number;
  #cards = new Map<string, PeerCard>();

  constructor(mwse: MWSE, pollInterval: number) {
    super();
    this.#mwse = mwse;
    this.#interval = pollInterval;
  }

  /**
   * Keeps `peer`'s info fresh until the returned function is called (each call counts; the last
   * release forgets it). The first one fetches at once.
   */
  track(peer: Peer): () => void {
    let card = this.#cards.get(peer.socketId);
    if (!card) {
      card = { peer, info: undefined, hidden: false, gone: false, users: 0, loading: false };
      this.#cards.set(peer.socketId, card);
      void this.refresh(peer);
    }
    card.users++;
    let released = false;
    return () => {
      if (released || !card) return;
      released = true;
      if (--card.users === 0) this.#cards.delete(peer.socketId);
    };
  }

  /** What Studio knows of `peer` (only while something tracks it). */
  card(peer: Peer): PeerCard | undefined {
    return this.#cards.get(peer.socketId);
  }

  /** Its info record, when known. */
  info(peer: Peer): Record<string, unknown> | undefined {
    return this.#cards.get(peer.socketId)?.info;
  }

  /** Its display name: `info.name` when it is a non-empty string, else the start of its id. */
  name(peer: Peer): string {
    const name = this.info(peer)?.name;
    if (typeof name === 'string' && name.trim()) return name.trim();
    return peer.isMe ? 'Me' : shortId(peer.socketId);
  }

  /** True once `peer` is known to have left. */
  gone(peer: Peer): boolean {
    return this.#cards.get(peer.socketId)?.gone ?? false;
  }

  /** Fetches `peer`'s info now (when tracked). */
  async refresh(peer: Peer): Promise<void> {
    const card = this.#cards.get(peer.socketId);
    if (!card || card.loading || card.gone || !this.#mwse.connected) return;
    card.loading = true;
    try {
      this.#update(card, await peer.info.get(), false);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'unreachable') this.#markGone(card);
      else if (code === 'forbidden') this.#update(card, undefined, true);
    } finally {
      card.loading = false;
    }
  }

  protected attach(): void {
    const mwse = this.#mwse;
    this.onStop(subscribe(mwse, 'peer/info', (peer, key, value) => {
      const card = this.#cards.get(peer.socketId);
      if (card) this.#update(card, withKey(card.info, key, value), false);
    }));
    this.onStop(subscribe(mwse.me, 'info', (key, value) => {
      const card = this.#cards.get(mwse.me.socketId);
      if (card) this.#update(card, withKey(card.info, key, value), false);
    }));
    this.onStop(subscribe(mwse, 'peer/disconnect', (peer) => {
      const card = this.#cards.get(peer.socketId);
      if (card) this.#markGone(card);
    }));
    // `me` gets a new socket id on every connection: key its card by the new one.
    this.onStop(subscribe(mwse, 'scope', () => {
      for (const [id, card] of this.#cards) {
        if (card.peer.isMe && id !== card.peer.socketId) {
          this.#cards.delete(id);
          this.#cards.set(card.peer.socketId, card);
        }
      }
      void this.refresh(mwse.me);
    }));
    const timer = setInterval(() => this.#poll(), this.#interval);
    this.onStop(() => clearInterval(timer));
  }

  #poll(): void {
    // Your own info changes only through your own calls, which the SDK reports: no need to poll it.
    for (const card of this.#cards.values()) if (!card.peer.isMe) void this.refresh(card.peer);
  }

  #update(card: PeerCard, info: Record<string, unknown> | undefined, hidden: boolean): void {
    if (card.hidden === hidden && sameJson(card.info, info)) return;
    card.info = info;
    card.hidden = hidden;
    this.changed.emit();
  }

  #markGone(card: PeerCard): void {
    if (card.gone) return;
    card.gone = true;
    this.changed.emit();
  }
}

function withKey(info: Record<string, unknown> | undefined, key: string, value: unknown): Record<string, unknown> {
  const next = { ...info };
  if (value === undefined || value === null) delete next[key];
  else next[key] = value;
  return next;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
