import type { Hub } from '../Hub.js';
import type { Room } from './Room.js';

/** Least time between two `room/audience` updates of one room. */
export const AUDIENCE_UPDATE_INTERVAL = 1000;

/**
 * Tells a broadcast room's stage its audience count, at most once per
 * {@link AUDIENCE_UPDATE_INTERVAL}: thousands of viewers arriving together cost the stage one
 * frame a second, not one per viewer. The audience itself is not told (that would be a fan-out
 * to every viewer per change); it reads the count from its join result, `room/list` or
 * `GET /api/rooms`.
 */
export class AudienceCount {
  constructor(private readonly hub: Hub) {}

  changed(room: Room): void {
    if (room.audienceTimer) return;
    const wait = Math.max(0, room.audienceToldAt + AUDIENCE_UPDATE_INTERVAL - Date.now());
    room.audienceTimer = setTimeout(() => this.tell(room), wait);
    room.audienceTimer.unref();
  }

  /** The room is gone: no update is pending for it. */
  stop(room: Room): void {
    clearTimeout(room.audienceTimer);
    room.audienceTimer = undefined;
  }

  private tell(room: Room): void {
    room.audienceTimer = undefined;
    const count = room.audience.size;
    if (this.hub.rooms.get(room.name) !== room || count === room.audienceTold) return;
    room.audienceTold = count;
    room.audienceToldAt = Date.now();
    const frame = { type: 'room/audience', room: room.name, count } as const;
    const data = this.hub.encode(frame);
    for (const member of room.members) this.hub.sendEncoded(member, data, frame.type);
  }
}
