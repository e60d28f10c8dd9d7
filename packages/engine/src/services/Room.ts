import type { JoinType, RoomDescription } from '@mwse/protocol';
import type { Peer } from '../Peer.js';
import type { RoomSubnet } from '../addressing/AddressBook.js';
import type { InfoPool } from './InfoPool.js';
import type { PasswordHash } from './passwords.js';

export interface RoomSettings {
  joinType: Exclude<JoinType, 'lock'>;
  locked: boolean;
  password?: PasswordHash;
  maxMembers?: number;
  description?: string;
  visibility: 'public' | 'private';
}

/**
 * A named group. Members are kept in join order, so the oldest member is the first one left in
 * the set: ownership passes to it when the owner leaves.
 */
export class Room {
  readonly members = new Set<Peer>();
  readonly invited = new Set<Peer>();

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

  describe(created: boolean, subnet?: RoomSubnet): RoomDescription {
    const { visibility, description, maxMembers } = this.settings;
    const lan = subnet && {
      subnet: subnet.cidr,
      addresses: Object.fromEntries([...subnet.members].map(([peer, { ip }]) => [peer.id, ip])),
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
    };
  }
}
