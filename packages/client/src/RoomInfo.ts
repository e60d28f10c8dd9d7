import type { Wire } from './Wire.js';
import type { Sendable } from './Sendable.js';

/**
 * A room's shared key/value state. Members write it; every member is told of each change
 * (`room.on('info')`); anyone may read a public room's info, only members a private one's.
 *
 * @example
 * await room.info.set('topic', 'release planning');
 * room.on('info', (key, value) => render(key, value));
 * await room.info.get(); // { topic: 'release planning' }
 */
export class RoomInfo {
  readonly #name: string;
  readonly #wire: Wire;

  /** Made by `Room`; not meant to be called directly. */
  constructor(name: string, wire: Wire) {
    this.#name = name;
    this.#wire = wire;
  }

  /** The whole record. */
  get(): Promise<Record<string, unknown>>;
  /** One key (`undefined` when it is not set). */
  get<T = unknown>(key: string): Promise<T | undefined>;
  async get(key?: string): Promise<unknown> {
    const frame = { type: 'room/info/get' as const, name: this.#name };
    const data = await this.#wire.call(key === undefined ? frame : { ...frame, key });
    return data ?? (key === undefined ? {} : undefined);
  }

  /** Sets one key (members only); `null` or `undefined` removes it. Rejects with `too-large`. */
  async set<T>(key: string, value: T & Sendable<T>): Promise<void> {
    await this.#wire.call({ type: 'room/info/set', name: this.#name, key, value: value ?? null });
  }

  /** Removes one key. */
  remove(key: string): Promise<void> {
    return this.set(key, null);
  }
}
