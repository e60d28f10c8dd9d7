import type { JoinType, PublishPolicy, RoomDescription, RoomMode, RoomSummary } from '@mwse/protocol';
import type { Peer } from '../Peer.js';
import type { RoomSubnet } from '../addressing/AddressBook.js';
import type { InfoPool } from './InfoPool.js';
import type { PasswordHash } from './passwords.js';
import type { PresenceBatch } from './RoomPresence.js';

export interface RoomSettings {
  joinType: Exclude<JoinType, 'lock'>;
  locked: boolean;
  password?: PasswordHash;
  maxMembers?: number;
  description?: string;
  visibility: 'public' | 'private';
  mode: RoomMode;
  /** Broadcast rooms: most audience members at once; undefined = no cap of its own. */
  maxAudience?: number;
  /** Broadcast rooms: who may publish (docs/broadcast.md). */
  publish: PublishPolicy;
}

/** What a room reads of one of its live broadcasts. */
export interface LiveBroadcast {
  readonly viewerCount: number;
}

/**
 * A named group. Members are kept in join order, so the oldest member is the first one left in
 * the set: ownership passes to it when the owner leaves.
 *
 * A broadcast room's `members` are its stage; its `audience` is only counted: audience members
 * are in no list, cause no presence fan-out, may not send, and never own the room. Each costs
 * the room one set entry.
 */
export class Room {
  readonly members = new Set<Peer>();
  readonly audience = new Set<Peer>();
  readonly invited = new Set<Peer>();
  /** Broadcast rooms with the `owner` policy: stage members the owner let publish. */
  readonly publishers = new Set<Peer>();
  /** Broadcast rooms: live broadcasts by name (kept by the broadcast service). */
  readonly broadcasts = new Map<string, LiveBroadcast>();
  /** Joins and leaves not yet told to the members (see `RoomPresence`). */
  presence: PresenceBatch | undefined;
  /** The audience count the stage was last told, and the pending throttled update. */
  audienceTold = 0;
  audienceToldAt = 0;
  audienceTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly name: string,
    public owner: Peer,
    readonly settings: RoomSettings,
    /** Room info: a pool pushed to members on change. */
    readonly info: InfoPool,
  ) {}

  get joinType(): JoinType {
    return this.settings.locked ? 'lock' : this.settings.joinType;
  }

  get broadcast(): boolean {
    return this.settings.mode === 'broadcast';
  }

  /** True when `peer` is in the room, on the stage or in the audience. */
  has(peer: Peer): boolean {
    return this.members.has(peer) || this.audience.has(peer);
  }

  describe(created: boolean, subnet?: RoomSubnet, viewer?: Peer): RoomDescription {
    const { visibility, description, maxMembers, maxAudience } = this.settings;
    const lan = subnet && {
      subnet: subnet.cidr,
      addresses: Object.fromEntries([...subnet.members].map(([peer, { ip }]) => [peer.id, ip])),
    };
    const broadcast = this.broadcast && {
      mode: 'broadcast' as const,
      ...(viewer === undefined ? {} : { role: this.audience.has(viewer) ? ('audience' as const) : ('member' as const) }),
      audience: this.audience.size,
      ...(maxAudience === undefined ? {} : { maxAudience }),
      publish: this.settings.publish,
    };
    return {
      name: this.name,
      joinType: this.joinType,
      owner: this.owner.id,
      visibility,
      ...(description === undefined ? {} : { description }),
      ...(maxMembers === undefined ? {} : { maxMembers }),
      members: [...this.members].map((p) => p.id),
      created,
      ...lan,
      ...broadcast,
    };
  }

  /** The room as `room/list` and `GET /api/rooms` show it. */
  summary(): RoomSummary {
    const { description } = this.settings;
    return {
      name: this.name,
      joinType: this.joinType,
      members: this.members.size,
      ...(description === undefined ? {} : { description }),
      ...(this.broadcast ? { mode: 'broadcast' as const, audience: this.audience.size } : {}),
      ...(this.broadcasts.size > 0
        ? { broadcasts: [...this.broadcasts].map(([name, live]) => ({ name, viewers: live.viewerCount })) }
        : {}),
    };
  }
}
