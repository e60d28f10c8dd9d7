import type { MWSE, Room, RoomSummary } from '@mwse/client';
import { describeError } from '../ui/format.js';
import { Store } from './Store.js';
import { subscribe } from './subscribe.js';

/**
 * The server's public rooms. The server pushes nothing when rooms come and go, so this polls
 * `mwse.listRooms()` at Studio's `pollInterval` while some column uses it.
 */
export class RoomDirectory extends Store {
  readonly #mwse: MWSE;
  readonly #interval: number;
  #list: RoomSummary[] = [];
  #error: string | undefined;
  #loaded = false;
  #users = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #joined = new Set<string>();

  constructor(mwse: MWSE, pollInterval: number) {
    super();
    this.#mwse = mwse;
    this.#interval = pollInterval;
  }

  /** The public rooms of the last successful poll. */
  get list(): readonly RoomSummary[] {
    return this.#list;
  }

  /** True after the first answer. */
  get loaded(): boolean {
    return this.#loaded;
  }

  /** Why the last poll failed, if it did. */
  get error(): string | undefined {
    return this.#error;
  }

  /** The public room called `name`, if listed. */
  summary(name: string): RoomSummary | undefined {
    return this.#list.find((room) => room.name === name);
  }

  /** Rooms this connection is in (that Studio saw it join), public or not. */
  joined(): Room[] {
    return [...this.#joined].map((name) => this.#mwse.room(name)).filter((room) => room.joined);
  }

  /** Remembers that this connection is in `room` (private rooms are not listed). */
  noteJoined(room: Room): void {
    this.#joined.add(room.name);
    void this.refresh();
  }

  /** Polls while the returned function has not been called; the first user fetches at once. */
  use(): () => void {
    if (this.#users++ === 0) {
      void this.refresh();
      this.#timer = setInterval(() => void this.refresh(), this.#interval);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.#users === 0) clearInterval(this.#timer);
    };
  }

  /** Lists the rooms now. */
  async refresh(): Promise<void> {
    if (!this.#mwse.connected) return;
    try {
      const list = await this.#mwse.listRooms();
      list.sort((a, b) => a.name.localeCompare(b.name));
      const changed = JSON.stringify(list) !== JSON.stringify(this.#list) || this.#error !== undefined || !this.#loaded;
      this.#list = list;
      this.#error = undefined;
      this.#loaded = true;
      if (changed) this.changed.emit();
    } catch (error) {
      this.#error = describeError(error);
      this.changed.emit();
    }
  }

  protected attach(): void {
    this.onStop(subscribe(this.#mwse, 'scope', () => void this.refresh()));
    this.onStop(() => {
      clearInterval(this.#timer);
      this.#users = 0;
    });
  }
}
