import type { ClientFrameOf, WireData } from '@mwse/protocol';
import { BinaryKind } from '@mwse/protocol/binary';
import type { Hub } from '../Hub.js';
import type { Peer } from '../Peer.js';
import type { Service } from '../Service.js';
import { ServiceError } from '../ServiceError.js';
import type { RawPayload } from '../tunnelEncoding.js';
import { InfoPool } from './InfoPool.js';
import { PasswordGate } from './PasswordGate.js';
import { Room } from './Room.js';

type RoomFrames =
  | 'room/create'
  | 'room/join'
  | 'room/leave'
  | 'room/peers'
  | 'room/invite'
  | 'room/eject'
  | 'room/lock'
  | 'room/unlock'
  | 'room/subnet'
  | 'room/info/set'
  | 'room/info/get'
  | 'room/list'
  | 'pack/room';

/**
 * Rooms (SPEC §4): unique names, join policies, ownership hand-over, owner actions, room
 * broadcasts (which ignore pair-auth), room info pools and room subnets.
 */
export function createRoomService(hub: Hub): Service<RoomFrames> {
  const { rooms } = hub;
  const passwords = new PasswordGate(
    { max: hub.options.maxPasswordChecks, perPeer: hub.options.maxPasswordChecksPerPeer },
    hub.metrics,
  );
  const describe = (room: Room, created: boolean) => room.describe(created, hub.addresses.roomSubnets.get(room));

  function member(peer: Peer, name: string): Room {
    const room = find(name);
    if (!room.members.has(peer)) throw new ServiceError('forbidden', `you are not in room "${name}"`);
    return room;
  }

  function find(name: string): Room {
    const room = rooms.get(name);
    if (!room) throw new ServiceError('room-not-found', `room "${name}" does not exist`);
    return room;
  }

  function owned(peer: Peer, name: string): Room {
    const room = find(name);
    if (room.owner !== peer) throw new ServiceError('forbidden', `only the owner of "${name}" may do this`);
    return room;
  }

  function broadcast(room: Room, frame: Parameters<Hub['encode']>[0], except?: Peer): void {
    const data = hub.encode(frame);
    for (const member of room.members) if (member !== except) hub.sendEncoded(member, data, frame.type);
  }

  /** Fan a room message out, encoded once per codec in use. */
  function broadcastPack(peer: Peer, name: string, pack: unknown, raw?: RawPayload): void {
    const room = member(peer, name);
    const frame = { type: 'room/pack', room: name, from: peer.id, pack } as const;
    let json: WireData | undefined;
    let binary: WireData | undefined;
    for (const m of room.members) {
      if (m === peer) continue;
      const data = m.binary
        ? (binary ??= hub.encodeTunnel(frame, raw, true, peer))
        : (json ??= hub.encodeTunnel(frame, raw, false, peer));
      hub.sendEncoded(m, data, 'room/pack');
    }
  }

  function checkRoomQuota(peer: Peer): void {
    if (peer.rooms.size >= hub.options.maxRoomsPerPeer) {
      throw new ServiceError('exhausted', `a peer may be in at most ${hub.options.maxRoomsPerPeer} rooms`);
    }
  }

  function addMember(room: Room, peer: Peer): void {
    room.members.add(peer);
    peer.relate('rooms', room);
    room.invited.delete(peer);
    peer.unrelate('invitedTo', room);
  }

  /** Apply the room's join policy, then add `peer`. */
  async function admit(room: Room, peer: Peer, password: string | undefined): Promise<void> {
    if (room.members.has(peer)) return;
    const { settings } = room;
    if (settings.locked) throw new ServiceError('room-locked', `room "${room.name}" is locked`);
    if (settings.joinType === 'invite' && !room.invited.has(peer)) {
      throw new ServiceError('not-invited', `room "${room.name}" is by invitation only`);
    }
    if (settings.joinType === 'password' && settings.password) {
      const ok = password !== undefined && (await passwords.verify(peer, password, settings.password));
      if (!ok) throw new ServiceError('wrong-password', `wrong password for room "${room.name}"`);
      if (rooms.get(room.name) !== room) throw new ServiceError('room-not-found', `room "${room.name}" is gone`);
      if (room.members.has(peer)) return;
    }
    if (settings.maxMembers !== undefined && room.members.size >= settings.maxMembers) {
      throw new ServiceError('room-full', `room "${room.name}" is full`);
    }
    checkRoomQuota(peer);
    if (peer.closed) return;
    addMember(room, peer);
    const address = hub.addresses.joinSubnet(room, peer);
    broadcast(room, { type: 'room/joined', room: room.name, peer: peer.id, address }, peer);
  }

  function leave(room: Room, peer: Peer): void {
    room.members.delete(peer);
    peer.unrelate('rooms', room);
    hub.addresses.leaveSubnet(room, peer);
    if (room.members.size === 0) {
      rooms.delete(room.name);
      hub.addresses.releaseSubnet(room);
      for (const invited of room.invited) invited.unrelate('invitedTo', room);
      return;
    }
    // The hand-over comes before any fan-out: members are told who owns the room in one state.
    const handOver = room.owner === peer;
    if (handOver) room.owner = room.members.values().next().value!;
    broadcast(room, { type: 'room/left', room: room.name, peer: peer.id });
    if (handOver) broadcast(room, { type: 'room/owner', room: room.name, owner: room.owner.id });
  }

  async function create(peer: Peer, frame: ClientFrameOf<'room/create'>) {
    const { name, joinType, password, ifexistsJoin } = frame;
    const joinExisting = async (room: Room) => {
      if (!ifexistsJoin) throw new ServiceError('room-exists', `room "${name}" already exists`);
      await admit(room, peer, password);
      return describe(room, false);
    };
    const existing = rooms.get(name);
    if (existing) return joinExisting(existing);
    if (joinType === 'password' && password === undefined) {
      throw new ServiceError('bad-frame', 'a password room needs a password');
    }
    checkRoomQuota(peer);
    const hashed = joinType === 'password' ? await passwords.hash(peer, password!) : undefined;
    const raced = rooms.get(name);
    if (raced) return joinExisting(raced);
    if (peer.closed) return null;
    const settings = {
      joinType: joinType === 'lock' ? ('free' as const) : joinType,
      locked: joinType === 'lock',
      password: hashed,
      maxMembers: frame.maxMembers,
      description: frame.description,
      visibility: frame.visibility,
    };
    const room = new Room(name, peer, settings, new InfoPool(hub.options.maxRoomInfoKeys, hub.options.maxRoomInfoBytes));
    rooms.set(name, room);
    addMember(room, peer);
    return describe(room, true);
  }

  return {
    handlers: {
      'room/create': create,

      async 'room/join'(peer, { name, password }) {
        const room = find(name);
        await admit(room, peer, password);
        return describe(room, false);
      },

      'room/leave'(peer, { name }) {
        const room = find(name);
        if (!room.members.has(peer)) throw new ServiceError('not-found', `you are not in room "${name}"`);
        leave(room, peer);
        return null;
      },

      'room/peers'(peer, { name }) {
        const room = find(name);
        if (room.settings.visibility === 'private' && !room.members.has(peer)) {
          throw new ServiceError('forbidden', `room "${name}" is private`);
        }
        return [...room.members].map((p) => p.id);
      },

      'room/invite'(peer, { name, peer: id }) {
        const room = owned(peer, name);
        const guest = hub.peer(id);
        if (!guest) throw new ServiceError('unreachable', `peer ${id} is not connected`);
        if (!room.members.has(guest)) {
          room.invited.add(guest);
          guest.relate('invitedTo', room);
          hub.send(guest, { type: 'room/invited', room: name, from: peer.id });
        }
        return null;
      },

      'room/eject'(peer, { name, peer: id }) {
        const room = owned(peer, name);
        const member = hub.peer(id);
        if (!member || !room.members.has(member)) {
          throw new ServiceError('not-found', `peer ${id} is not in room "${name}"`);
        }
        if (member === peer) throw new ServiceError('forbidden', 'the owner leaves rather than ejects itself');
        leave(room, member);
        hub.send(member, { type: 'room/ejected', room: name, by: peer.id });
        return null;
      },

      'room/lock'(peer, { name }) {
        owned(peer, name).settings.locked = true;
        return null;
      },

      'room/unlock'(peer, { name }) {
        owned(peer, name).settings.locked = false;
        return null;
      },

      'pack/room': (peer, { room: name, pack }) => broadcastPack(peer, name, pack),

      'room/subnet'(peer, { name }) {
        const room = owned(peer, name);
        const fresh = !hub.addresses.roomSubnets.has(room);
        const subnet = hub.addresses.claimSubnet(room);
        if (!subnet) throw new ServiceError('exhausted', 'no room subnet is free');
        const description = describe(room, false);
        // The other members got addresses they cannot know of otherwise.
        const addresses = description.addresses ?? {};
        if (fresh) broadcast(room, { type: 'room/subnet', room: name, subnet: subnet.cidr, addresses }, peer);
        return description;
      },

      'room/info/set'(peer, { name, key, value }) {
        const room = member(peer, name);
        if (room.info.set(key, value)) broadcast(room, { type: 'room/info', room: name, key, value: value ?? null });
        return null;
      },

      'room/info/get'(peer, { name, key }) {
        const room = find(name);
        if (room.settings.visibility === 'private' && !room.members.has(peer)) {
          throw new ServiceError('forbidden', `room "${name}" is private`);
        }
        return key === undefined ? room.info.toObject() : room.info.get(key);
      },

      'room/list'() {
        return hub.publicRooms();
      },
    },

    rawTunnels: {
      [BinaryKind.RoomPack]: (peer, header, raw) => broadcastPack(peer, header.target, undefined, raw),
    },

    disconnect(peer) {
      for (const room of [...peer.rooms]) leave(room, peer);
      for (const room of peer.invitedTo) room.invited.delete(peer);
    },
  };
}
