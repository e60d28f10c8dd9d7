import type { Hub } from '../Hub.js';
import type { Peer } from '../Peer.js';
import type { Room } from './Room.js';

/** Joins and leaves of one room waiting to be told; every join came before every leave. */
export interface PresenceBatch {
  joined: string[];
  left: string[];
  addresses?: Record<string, string>;
}

/**
 * Most joins and leaves in one `room/presence` frame: a frame stays small enough for every
 * member's outbound queue, and a member is not handed one huge string to parse.
 */
export const PRESENCE_BATCH_MAX = 512;

/**
 * Presence fan-out, coalesced per room per event-loop turn. Telling every member of every join
 * on its own costs n frames per join, n² for n members joining together; here the joins and
 * leaves of one turn become one `room/presence` frame, encoded once and shared by every member,
 * flushed on `setImmediate` (after the turn's I/O callbacks, so joins arriving in one poll
 * phase share a frame).
 *
 * Order is kept: a join after a leave cuts the batch (so a batch is joins, then leaves), and any
 * other fan-out to a room's members calls {@link flush} first, so members see a join before the
 * joiner's first room message and a leave before the owner change it caused. A new member gets
 * the frame holding its own join: it skips the joins up to its own, which its join result listed.
 *
 * Re-entrance: a batch is taken off the room before its fan-out; a member whose queue overflows
 * during the fan-out is disconnected on a microtask (Hub.disconnect), and its leave starts the
 * next batch.
 */
export class RoomPresence {
  private readonly due = new Set<Room>();
  private scheduled = false;

  constructor(private readonly hub: Hub) {}

  joined(room: Room, peer: Peer, address: string | undefined): void {
    if (room.presence && room.presence.left.length > 0) this.flush(room);
    const batch = this.batch(room);
    batch.joined.push(peer.id);
    if (address !== undefined) (batch.addresses ??= {})[peer.id] = address;
    this.added(room, batch);
  }

  left(room: Room, peer: Peer): void {
    const batch = this.batch(room);
    batch.left.push(peer.id);
    this.added(room, batch);
  }

  /** Tell the members now what is waiting for `room` (before another fan-out to them). */
  flush(room: Room): void {
    const batch = room.presence;
    if (!batch) return;
    room.presence = undefined;
    this.due.delete(room);
    if (this.hub.rooms.get(room.name) !== room || room.members.size === 0) return;
    const frame = {
      type: 'room/presence',
      room: room.name,
      joined: batch.joined,
      left: batch.left,
      ...(batch.addresses ? { addresses: batch.addresses } : {}),
    } as const;
    const data = this.hub.encode(frame);
    for (const member of room.members) this.hub.sendEncoded(member, data, frame.type);
  }

  /** The room is gone: what waits for it is told to no one. */
  drop(room: Room): void {
    room.presence = undefined;
    this.due.delete(room);
  }

  private batch(room: Room): PresenceBatch {
    return (room.presence ??= { joined: [], left: [] });
  }

  private added(room: Room, batch: PresenceBatch): void {
    if (batch.joined.length + batch.left.length >= PRESENCE_BATCH_MAX) {
      this.flush(room);
      return;
    }
    this.due.add(room);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      for (const due of [...this.due]) this.flush(due);
    });
  }
}
