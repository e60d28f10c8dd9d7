import type { Peer } from '../Peer.js';
import type { Room } from '../services/Room.js';

/** One watch of a broadcast: a viewer's session on the media server. */
export interface Watch {
  readonly kind: 'watch';
  /** This server's session id (what the client stops). */
  readonly id: string;
  readonly peer: Peer;
  readonly broadcast: Broadcast;
  /** The backend's id of the session. */
  readonly media: string;
}

/** A live broadcast: its publisher's session and the viewers' watches. */
export class Broadcast {
  readonly kind = 'publish';
  readonly watches = new Map<string, Watch>();
  readonly since = Date.now();
  /** The count the publisher was last told, when, and the pending throttled update. */
  told = 0;
  toldAt = 0;
  timer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: string,
    readonly room: Room,
    readonly name: string,
    readonly peer: Peer,
    readonly media: string,
  ) {}

  get viewerCount(): number {
    return this.watches.size;
  }
}

export type BroadcastSessionState = Broadcast | Watch;
