import type { MWSE, Peer, Room } from '@mwse/client';
import { Store } from './Store.js';
import { subscribe } from './subscribe.js';

/**
 * Kinds of traffic: direct messages `in` and `out`, `request`s Studio sent with their `answer` or
 * `failure`, room messages `room-in` and `room-out`, and `event`s (a member joined or left, a
 * notification was answered).
 */
export type TrafficKind = 'in' | 'out' | 'request' | 'answer' | 'failure' | 'room-in' | 'room-out' | 'event';

/** One logged message or event. */
export interface TrafficEntry {
  readonly id: number;
  /** Epoch ms. */
  readonly at: number;
  readonly kind: TrafficKind;
  /** The other side, for direct traffic; the sender or subject, for room traffic and events. */
  readonly peer?: Peer;
  readonly room?: string;
  readonly data: unknown;
  /** A short description ("joined", "answered notification …"). */
  readonly note?: string;
}

const KEPT = 500;

/**
 * Direct messages, Studio's requests and their answers, and the traffic of the rooms Studio
 * joined, newest last; at most 500 entries are kept. Requests other peers send this connection
 * are not logged: listening to them would answer them (see the docs).
 */
export class TrafficLog extends Store {
  readonly #mwse: MWSE;
  #entries: TrafficEntry[] = [];
  #next = 1;
  #rooms = new WeakSet<Room>();

  constructor(mwse: MWSE) {
    super();
    this.#mwse = mwse;
  }

  /** Every kept entry, oldest first. */
  get entries(): readonly TrafficEntry[] {
    return this.#entries;
  }

  /** Adds an entry (Studio's own sends, answers). */
  add(entry: Omit<TrafficEntry, 'id' | 'at'>): TrafficEntry {
    const full = { ...entry, id: this.#next++, at: Date.now() };
    this.#entries.push(full);
    if (this.#entries.length > KEPT) this.#entries.splice(0, this.#entries.length - KEPT);
    this.changed.emit();
    return full;
  }

  /** Logs the messages, joins and leaves of `room` from now on (once per room). */
  watchRoom(room: Room): void {
    if (this.#rooms.has(room)) return;
    this.#rooms.add(room);
    const name = room.name;
    const message = (pack: unknown, peer: Peer) => this.add({ kind: 'room-in', room: name, peer, data: pack });
    const join = (peer: Peer) => this.add({ kind: 'event', room: name, peer, data: null, note: 'joined' });
    const leave = (peer: Peer) => this.add({ kind: 'event', room: name, peer, data: null, note: 'left' });
    room.on('message', message).on('join', join).on('leave', leave);
    this.onStop(() => {
      room.off('message', message).off('join', join).off('leave', leave);
      this.#rooms.delete(room);
    });
  }

  protected attach(): void {
    this.onStop(subscribe(this.#mwse, 'message', (pack, peer) => this.add({ kind: 'in', peer, data: pack })));
    this.onStop(subscribe(this.#mwse, 'notification/reply', (reply) =>
      this.add({ kind: 'event', peer: reply.peer, data: reply.data ?? null, note: `chose “${reply.action}” on a notification` }),
    ));
  }
}
