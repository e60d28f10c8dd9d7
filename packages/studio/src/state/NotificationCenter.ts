import type { MWSE, Notification, Peer, Room } from '@mwse/client';
import { Store } from './Store.js';
import { subscribe } from './subscribe.js';

/** Something that asked for this person's answer: a notification, or an invitation into a room. */
export type InboxEntry =
  | { readonly id: string; readonly kind: 'notification'; readonly at: number; readonly from: Peer; readonly notification: Notification; state: EntryState }
  | { readonly id: string; readonly kind: 'invite'; readonly at: number; readonly from: Peer; readonly room: Room; state: EntryState };

/** Whether it was opened, and what was answered. */
export interface EntryState {
  read: boolean;
  /** The action chosen (a notification action id, `joined`, `dismissed`). */
  answer?: string;
}

/** Incoming notifications and room invitations, newest last, as they arrive. */
export class NotificationCenter extends Store {
  readonly #mwse: MWSE;
  #entries: InboxEntry[] = [];
  #invites = 0;

  constructor(mwse: MWSE) {
    super();
    this.#mwse = mwse;
  }

  /** Everything received, oldest first. */
  get entries(): readonly InboxEntry[] {
    return this.#entries;
  }

  /** How many were not opened yet. */
  get unread(): number {
    return this.#entries.filter((entry) => !entry.state.read).length;
  }

  /** The entry with this id. */
  find(id: string): InboxEntry | undefined {
    return this.#entries.find((entry) => entry.id === id);
  }

  /** Marks `entry` opened. */
  markRead(entry: InboxEntry): void {
    if (entry.state.read) return;
    entry.state.read = true;
    this.changed.emit();
  }

  /** Records the answer given to `entry`. */
  answered(entry: InboxEntry, answer: string): void {
    entry.state.answer = answer;
    entry.state.read = true;
    this.changed.emit();
  }

  protected attach(): void {
    this.onStop(subscribe(this.#mwse, 'notification', (notification) => {
      const at = Date.now();
      const state = { read: false };
      this.#add({ id: `n:${notification.nid}`, kind: 'notification', at, from: notification.from, notification, state });
    }));
    this.onStop(subscribe(this.#mwse, 'room/invited', (room, from) => {
      const at = Date.now();
      this.#add({ id: `i:${++this.#invites}`, kind: 'invite', at, from, room, state: { read: false } });
    }));
  }

  #add(entry: InboxEntry): void {
    this.#entries.push(entry);
    this.changed.emit();
  }
}
