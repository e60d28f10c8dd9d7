import type { Peer } from './Peer.js';
import type { Wire } from './Wire.js';
import type { Sendable } from './Sendable.js';

/**
 * A peer's public key/value metadata (name, avatar, user id…). Anyone may read it (unless the owner
 * turned `readable` off); only its owner writes it. Not private: never put secrets in it.
 *
 * As in the seed, `set` always writes **your own** info, whichever peer's `info` you call it on:
 * `mwse.peer(id).info.set('k', 1)` is the same as `mwse.me.info.set('k', 1)`.
 *
 * @example
 * await mwse.me.info.set('name', 'John');
 * await mwse.me.info.get('name'); // 'John'
 * await mwse.peer(id).info.get(); // { name: 'Jane', avatar: '…' }
 */
export class PeerInfo {
  readonly #peer: Peer;
  readonly #wire: Wire;

  /** Made by `Peer`; not meant to be called directly. */
  constructor(peer: Peer, wire: Wire) {
    this.#peer = peer;
    this.#wire = wire;
  }

  /** The whole record of this peer's info. */
  get(): Promise<Record<string, unknown>>;
  /** One key of this peer's info (`undefined` when it is not set). */
  get<T = unknown>(key: string): Promise<T | undefined>;
  async get(key?: string): Promise<unknown> {
    // `me` has no id before the hello; its own info is read once the client is scoped.
    if (this.#peer.isMe && !this.#wire.isScoped) await this.#wire.scoped();
    const frame = { type: 'info/get' as const, peer: this.#peer.socketId };
    const data = await this.#wire.call(key === undefined ? frame : { ...frame, key });
    return data ?? (key === undefined ? {} : undefined);
  }

  /**
   * Sets one key of **your** info; `null` or `undefined` removes it. Resolves once the server stored
   * it; your pairs are told (`peer.on('info')`), and `mwse.me` fires `info` too
   * (with `undefined` for a removed key, as pairs see it).
   */
  async set<T>(key: string, value: T & Sendable<T>): Promise<void> {
    await this.#wire.call({ type: 'info/set', key, value: value ?? null });
    this.#wire.me.emit('info', key, value ?? undefined);
  }

  /** Removes one key of **your** info. */
  remove(key: string): Promise<void> {
    return this.set(key, null);
  }
}
