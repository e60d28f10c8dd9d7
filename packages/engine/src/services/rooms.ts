import type { ClientFrameOf, RoomRole, WireData } from '@mwse/protocol';
import { BinaryKind } from '@mwse/protocol/binary';
import type { Hub } from '../Hub.js';
import type { Peer } from '../Peer.js';
import type { FrameHandler, Service } from '../Service.js';
import { ServiceError } from '../ServiceError.js';
import type { RawPayload } from '../tunnelEncoding.js';
import type { RoomSubnet } from '../addressing/AddressBook.js';
import { sharedAddresses } from '../cluster/SharedAddresses.js';
import type { RecordedPeer, RoomRecord } from '../cluster/RoomMirror.js';
import { AudienceCount } from './AudienceCount.js';
import { InfoPool } from './InfoPool.js';
import { PasswordGate } from './PasswordGate.js';
import { Room } from './Room.js';
import { RoomPresence } from './RoomPresence.js';
import { PackFanOut } from './PackFanOut.js';

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
 * broadcasts (which ignore pair-auth), room info pools and room subnets. Presence (joins and
 * leaves) is coalesced per turn (`RoomPresence`); broadcast rooms add a counted, unlisted
 * audience (docs/rooms.md).
 */
export function createRoomService(hub: Hub): Service<RoomFrames> {
  const { rooms, cluster } = hub;
  const passwords = new PasswordGate(
    { max: hub.options.maxPasswordChecks, perPeer: hub.options.maxPasswordChecksPerPeer },
    hub.metrics,
  );
  const presence = new RoomPresence(hub);
  const audienceCount = new AudienceCount(hub);
  hub.metrics.gauge('mwse_room_audience', 'Audience members of broadcast rooms, all rooms together.', () => {
    let n = 0;
    for (const room of rooms.values()) n += room.audience.size;
    return n;
  });
  /**
   * Cluster mode: rooms on other homes that this node's peers are in (the homes say so as they
   * add and drop them), so that when a home dies its members here are told `room/closed`.
   */
  const away = new Map<Peer, Map<string, string>>();
  if (cluster) {
    cluster.onNodeGone((node, dead, kept) => {
      // Resume on, with takeover: the dead home's rooms are re-homed on a live node instead.
      if (kept) {
        void rehome(node);
        return;
      }
      const closed = new Map<string, Peer[]>();
      for (const [peer, homes] of away) {
        for (const [name, home] of homes) {
          if (home !== node) continue;
          homes.delete(name);
          const list = closed.get(name);
          if (list) list.push(peer);
          else closed.set(name, [peer]);
        }
        if (homes.size === 0) away.delete(peer);
      }
      for (const [name, peers] of closed) {
        const data = hub.encode({ type: 'room/closed', room: name });
        for (const peer of peers) hub.sendEncoded(peer, data, 'room/closed');
      }
      if (dead) sweep(node);
    });
    // Names left by nodes that died with nobody to free them, and by this id's earlier run (the
    // script goes first on the connection this node's claims use, so it never frees a new one).
    for (const node of [cluster.nodeId, ...cluster.goneAtStart]) sweep(node);
  }

  /** Cluster mode with takeover: `room`'s record in Redis is written at the turn's end. */
  function changed(room: Room): void {
    if (rooms.get(room.name) === room) cluster?.roomMirror?.mark(room);
  }

  if (cluster) {
    cluster.roomSnapshot = snapshot;
    // Re-homed elsewhere while this node was taken for dead: the room is not this node's now.
    cluster.roomsLost = (names) => {
      for (const name of names) {
        const room = rooms.get(name);
        if (!room) continue;
        const data = hub.encode({ type: 'room/closed', room: name });
        const told = [...room.members, ...room.audience];
        for (const peer of told) {
          mirror(room, peer, false);
          peer.unrelate('rooms', room);
          hub.addresses.leaveSubnet(room, peer);
        }
        room.members.clear();
        room.audience.clear();
        close(room);
        // Only this node's own peers: the others are members of the room on its new home.
        for (const peer of told) if (peer.remote === undefined) hub.sendEncoded(peer, data, 'room/closed');
      }
    };
    // Back from a fence: rooms another node re-homed while this one was taken for dead (its
    // lease had run out) are that node's now, not this one's.
    cluster.onRecover(async () => {
      if (!cluster.roomMirror) return;
      const names = [...rooms.keys()];
      const holders = await cluster.rooms.holders(names);
      const lost = names.filter((_, i) => holders[i] !== null && holders[i] !== cluster.nodeId);
      if (lost.length) cluster.roomsLost?.(lost);
    });
    // A member's session moved to another node (taken or handed over): that node learns which
    // rooms homed here its peer is in (its `away`), as it would have from the joins.
    cluster.onGhostMoved((ghost) => {
      for (const room of ghost.rooms) if (rooms.get(room.name) === room) mirror(room, ghost, true);
    });
    // A session taken over from a dead node was in rooms homed there: they live on their new
    // home now (it holds the session as a member), or are gone.
    cluster.onRoomsTaken((peer, names) => {
      void (async () => {
        for (const name of names) {
          const home = await cluster.rooms.home(name).catch(() => undefined);
          if (peer.closed) return;
          if (home === undefined) hub.send(peer, { type: 'room/closed', room: name });
          else if (home !== cluster.nodeId) track(peer, name, home);
        }
      })();
    });
  }

  /** This node's `peer` is in room `name` on `home` (see `away`). */
  function track(peer: Peer, name: string, home: string): void {
    const homes = away.get(peer);
    if (homes) homes.set(name, home);
    else away.set(peer, new Map([[name, home]]));
  }

  /** What Redis keeps of a room homed here (cluster/RoomMirror.ts). */
  function snapshot(room: Room): RoomRecord | undefined {
    if (rooms.get(room.name) !== room) return undefined;
    const card = (p: Peer): RecordedPeer => [p.id, p.binary];
    const { password, ...settings } = room.settings;
    const subnet = hub.addresses.roomSubnets.get(room);
    return {
      owner: room.owner.id,
      members: [...room.members].map(card),
      audience: [...room.audience].map(card),
      invited: [...room.invited].map(card),
      settings: { ...settings, ...(password ? { password: [password.salt.toString('hex'), password.key.toString('hex')] } : {}) },
      info: room.info.toObject(),
      ...(subnet ? { subnet: { index: subnet.index, hosts: [...subnet.members].map(([p, { host }]) => [p.id, host] as [string, number]) } } : {}),
    };
  }

  /**
   * The home `dead` died and its sessions may resume: its rooms are re-homed (on this node, for
   * those it wins in Redis, rebuilt from their records), and this node's members of them learn
   * the new home, or that the room is gone (`room/closed`, a room without a record).
   */
  async function rehome(dead: string): Promise<void> {
    const c = cluster!;
    try {
      const won = await c.rooms.rehome(dead);
      if (won.length > 0) {
        const records = won.map(([name, d]) => [name, JSON.parse(d) as RoomRecord] as const);
        const remote = new Set<string>();
        for (const [, r] of records) for (const [id] of [...r.members, ...r.audience, ...r.invited]) if (!hub.peer(id)) remote.add(id);
        // A peer that ended meanwhile (its session record is gone) is no member any more.
        const live = await c.roomMirror!.live([...remote]);
        for (const [name, record] of records) rebuild(name, record, live);
        hub.log.info({ node: dead, rooms: won.length }, 'cluster: rooms of a dead node re-homed here');
      }
    } catch (error) {
      hub.log.warn({ err: error, node: dead }, 'cluster: the rooms of a dead node could not be re-homed');
    }
    const names = new Set<string>();
    for (const homes of away.values()) for (const [name, home] of homes) if (home === dead) names.add(name);
    for (const name of names) {
      const home = await c.rooms.home(name).catch(() => undefined);
      const here = home === c.nodeId ? rooms.get(name) : undefined;
      let data: WireData | undefined;
      for (const [peer, homes] of away) {
        if (homes.get(name) !== dead) continue;
        if (home === undefined || home === c.nodeId) homes.delete(name);
        else homes.set(name, home);
        if (homes.size === 0) away.delete(peer);
        // Gone, or re-homed here without this peer (its join was not in the record yet): told.
        if (home === undefined || (home === c.nodeId && !here?.has(peer))) {
          data ??= hub.encode({ type: 'room/closed', room: name });
          hub.sendEncoded(peer, data, 'room/closed');
        }
      }
    }
  }

  /** A room of a dead home, won here: rebuilt from its record with its members, owner and /24. */
  function rebuild(name: string, record: RoomRecord, live: ReadonlySet<string>): void {
    if (rooms.has(name)) return;
    const peerOf = ([id, binary]: RecordedPeer): Peer | undefined => {
      const local = hub.peer(id);
      if (local) return local.closed ? undefined : local;
      if (!live.has(id)) return undefined;
      const ghost = cluster!.ghostFor(id, { id, binary, address: '' });
      return ghost && !ghost.closed ? ghost : undefined;
    };
    const members = record.members.map(peerOf).filter((p): p is Peer => p !== undefined);
    const audience = record.audience.map(peerOf).filter((p): p is Peer => p !== undefined);
    const { password, ...rest } = record.settings;
    const settings = {
      ...rest,
      password: password ? { salt: Buffer.from(password[0], 'hex'), key: Buffer.from(password[1], 'hex') } : undefined,
    };
    const info = new InfoPool(hub.options.maxRoomInfoKeys, hub.options.maxRoomInfoBytes);
    for (const [k, v] of Object.entries(record.info)) {
      try {
        info.set(k, v);
      } catch {
        // A record written by a node with larger limits is trimmed, not refused.
      }
    }
    const owner = members.find((p) => p.id === record.owner) ?? members[0];
    // With no stage member left the room is built only to be closed below (which frees its name,
    // record and /24, and tells its audience): the owner it is built with is never read.
    const room = new Room(name, owner ?? audience[0] ?? ({} as Peer), settings, info);
    rooms.set(name, room);
    if (record.subnet) {
      const subnet = hub.addresses.adoptSubnet(room, record.subnet.index);
      announced.add(room);
      void subnet;
    }
    const hosts = new Map(record.subnet?.hosts ?? []);
    for (const peer of members) {
      if (!room.has(peer)) mirror(room, peer, true);
      room.members.add(peer);
      peer.relate('rooms', room);
      away.get(peer)?.delete(name);
      const host = hosts.get(peer.id);
      if (record.subnet && (host === undefined || !hub.addresses.joinSubnetAt(room, peer, host))) hub.addresses.joinSubnet(room, peer);
    }
    for (const peer of audience) {
      if (room.has(peer)) continue;
      mirror(room, peer, true);
      room.audience.add(peer);
      peer.relate('rooms', room);
      away.get(peer)?.delete(name);
    }
    for (const entry of record.invited) {
      const peer = peerOf(entry);
      if (!peer || room.has(peer)) continue;
      room.invited.add(peer);
      peer.relate('invitedTo', room);
    }
    for (const peer of [...members, ...audience]) if (away.get(peer)?.size === 0) away.delete(peer);
    if (!owner) {
      close(room);
      return;
    }
    if (room.broadcast) audienceCount.changed(room);
    changed(room);
  }

  /** Free the room names a gone node held in Redis. */
  function sweep(node: string): void {
    cluster!.rooms.sweep(node).catch((error: unknown) => hub.log.warn({ err: error, node }, 'cluster: the room names of a gone node could not be freed'));
  }

  /** Cluster mode: tell a ghost's node that its peer is in `room` here, or no longer. */
  function mirror(room: Room, peer: Peer, on: boolean): void {
    if (peer.remote === undefined || peer.closed) return;
    cluster!.sendKnown(peer.remote, 'room/member', peer, { room: room.name, home: cluster!.nodeId, on });
  }

  const describe = (room: Room, created: boolean, viewer?: Peer) =>
    room.describe(created, hub.addresses.roomSubnets.get(room), viewer);

  /** The room, when `peer` is a listed member (the stage of a broadcast room). */
  function member(peer: Peer, name: string): Room {
    const room = find(name);
    if (room.audience.has(peer)) throw new ServiceError('forbidden', `the audience of "${name}" may not do this`);
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

  /**
   * Tell the listed members (`withAudience`: the audience too). Presence waiting for the room
   * goes first, so members see the joins and leaves that came before this frame.
   */
  function broadcast(room: Room, frame: Parameters<Hub['encode']>[0], except?: Peer, withAudience = false): void {
    presence.flush(room);
    const data = hub.encode(frame);
    for (const member of room.members) if (member !== except) hub.sendEncoded(member, data, frame.type);
    if (withAudience) for (const viewer of room.audience) hub.sendEncoded(viewer, data, frame.type);
  }

  /** Fan a room message out to the stage and the audience, encoded once per codec in use. */
  function broadcastPack(peer: Peer, name: string, pack: unknown, raw?: RawPayload): void {
    const room = member(peer, name);
    presence.flush(room);
    const frame = { type: 'room/pack', room: name, from: peer.id, pack } as const;
    const out = new PackFanOut(hub, frame, raw, peer);
    out.sendAll(room.members, peer);
    out.sendAll(room.audience);
    out.counted();
  }

  /**
   * Cluster mode: joins and creations of this node's peers waiting on another home, counted
   * against `maxRoomsPerPeer` until they are answered (the home then says whether it added them).
   */
  const pending = new Map<Peer, string[]>();

  /**
   * Run a join of `peer` on `home`, counted as pending meanwhile: by this node's checks and by
   * other homes' (the home itself counts what it adds).
   */
  async function joinElsewhere<T>(peer: Peer, home: string, join: () => Promise<T>): Promise<T> {
    const homes = pending.get(peer);
    if (homes) homes.push(home);
    else pending.set(peer, [home]);
    try {
      return await join();
    } finally {
      const left = pending.get(peer);
      const i = left?.indexOf(home) ?? -1;
      if (i >= 0) left!.splice(i, 1);
      if (left?.length === 0) pending.delete(peer);
    }
  }

  /**
   * Cluster mode, on a home: how many rooms of other homes a ghost was in (or waiting to join)
   * when its node sent its last join or creation here (`q` on the frame).
   */
  const elsewhere = new WeakMap<Peer, number>();

  /** What `peer`'s node counts of its rooms on homes other than `home`, for a join sent there. */
  function countElsewhere(peer: Peer, home: string): number {
    let n = peer.rooms.size;
    for (const held of away.get(peer)?.values() ?? []) if (held !== home) n += 1;
    for (const waiting of pending.get(peer) ?? []) if (waiting !== home) n += 1;
    return n;
  }

  /** Rooms `peer` is in or waits to join, on every home: `maxRoomsPerPeer` counts them all. */
  function roomCount(peer: Peer): number {
    if (!cluster) return peer.rooms.size;
    if (peer.remote !== undefined) return peer.rooms.size + (elsewhere.get(peer) ?? 0);
    return peer.rooms.size + (away.get(peer)?.size ?? 0) + (pending.get(peer)?.length ?? 0);
  }

  function checkRoomQuota(peer: Peer): void {
    if (roomCount(peer) >= hub.options.maxRoomsPerPeer) {
      throw new ServiceError('exhausted', `a peer may be in at most ${hub.options.maxRoomsPerPeer} rooms`);
    }
  }

  function addMember(room: Room, peer: Peer): void {
    if (!room.has(peer)) mirror(room, peer, true);
    room.members.add(peer);
    peer.relate('rooms', room);
    room.invited.delete(peer);
    peer.unrelate('invitedTo', room);
    changed(room);
  }

  /**
   * How `peer` asking for `role` joins `room`: ordinary rooms have members only; a broadcast
   * room puts an invited peer on the stage and everyone else in the audience, unless asked.
   */
  function roleOf(room: Room, peer: Peer, role: RoomRole | undefined): RoomRole {
    if (!room.broadcast) {
      if (role === 'audience') throw new ServiceError('forbidden', `room "${room.name}" is not a broadcast room`);
      return 'member';
    }
    if (role === 'member' && !room.invited.has(peer) && !room.members.has(peer)) {
      throw new ServiceError('not-invited', `the stage of "${room.name}" is by invitation only`);
    }
    return role ?? (room.invited.has(peer) || room.members.has(peer) ? 'member' : 'audience');
  }

  /** Apply the room's join policy, then add `peer` as `role` wants. */
  async function admit(room: Room, peer: Peer, password: string | undefined, asked?: RoomRole): Promise<void> {
    const role = roleOf(room, peer, asked);
    const there = () => (role === 'member' ? room.members : room.audience).has(peer);
    if (there()) return;
    const { settings } = room;
    if (settings.locked) throw new ServiceError('room-locked', `room "${room.name}" is locked`);
    if (settings.joinType === 'invite' && !room.invited.has(peer) && !room.has(peer)) {
      throw new ServiceError('not-invited', `room "${room.name}" is by invitation only`);
    }
    if (settings.joinType === 'password' && settings.password && !room.has(peer)) {
      const ok = password !== undefined && (await passwords.verify(peer, password, settings.password));
      if (!ok) throw new ServiceError('wrong-password', `wrong password for room "${room.name}"`);
      if (rooms.get(room.name) !== room) throw new ServiceError('room-not-found', `room "${room.name}" is gone`);
      if (there()) return;
    }
    if (role === 'audience') {
      if (settings.maxAudience !== undefined && room.audience.size >= settings.maxAudience) {
        throw new ServiceError('room-full', `the audience of "${room.name}" is full`);
      }
    } else if (settings.maxMembers !== undefined && room.members.size >= settings.maxMembers) {
      throw new ServiceError('room-full', `room "${room.name}" is full`);
    }
    if (!room.has(peer)) checkRoomQuota(peer);
    if (peer.closed) return;
    if (role === 'audience') {
      mirror(room, peer, true);
      room.audience.add(peer);
      peer.relate('rooms', room);
      audienceCount.changed(room);
      changed(room);
      return;
    }
    // An invited viewer stepping onto the stage leaves the audience without a word.
    if (room.audience.delete(peer)) audienceCount.changed(room);
    addMember(room, peer);
    presence.joined(room, peer, hub.addresses.joinSubnet(room, peer));
  }

  function leave(room: Room, peer: Peer): void {
    // Its broadcasts end (and its watches close) while the room can still be told.
    hub.broadcasts.left(room, peer);
    if (room.audience.delete(peer)) {
      // Leaving the audience is silent: only the stage's throttled count changes.
      mirror(room, peer, false);
      peer.unrelate('rooms', room);
      audienceCount.changed(room);
      changed(room);
      return;
    }
    room.members.delete(peer);
    mirror(room, peer, false);
    peer.unrelate('rooms', room);
    hub.addresses.leaveSubnet(room, peer);
    if (room.members.size === 0) {
      close(room);
      return;
    }
    // The hand-over comes before any fan-out: members are told who owns the room in one state.
    const handOver = room.owner === peer;
    if (handOver) room.owner = room.members.values().next().value!;
    changed(room);
    presence.left(room, peer);
    if (handOver) broadcast(room, { type: 'room/owner', room: room.name, owner: room.owner.id }, undefined, true);
  }

  /**
   * The last listed member left: the room is gone. The audience does not keep a room alive (it
   * has no owner to hand it to); each viewer is told `room/closed`, encoded once.
   */
  function close(room: Room): void {
    if (rooms.get(room.name) === room) cluster?.roomMirror?.end(room);
    hub.broadcasts.closed(room);
    rooms.delete(room.name);
    presence.drop(room);
    audienceCount.stop(room);
    closeSubnet(room);
    cluster?.rooms.release(room.name);
    for (const invited of room.invited) {
      invited.unrelate('invitedTo', room);
      if (invited.remote !== undefined) cluster!.forgetIfIdle(invited);
    }
    if (room.audience.size === 0) return;
    const data = hub.encode({ type: 'room/closed', room: room.name });
    for (const viewer of room.audience) {
      mirror(room, viewer, false);
      viewer.unrelate('rooms', room);
      hub.sendEncoded(viewer, data, 'room/closed');
    }
    room.audience.clear();
  }

  async function create(peer: Peer, frame: ClientFrameOf<'room/create'>) {
    const { name, joinType, password, ifexistsJoin } = frame;
    const joinExisting = async (room: Room) => {
      if (!ifexistsJoin) throw new ServiceError('room-exists', `room "${name}" already exists`);
      await admit(room, peer, password);
      return describe(room, false, peer);
    };
    const existing = rooms.get(name);
    if (existing) return joinExisting(existing);
    if (joinType === 'password' && password === undefined) {
      throw new ServiceError('bad-frame', 'a password room needs a password');
    }
    // A room of another home the peer is in already is joined again there (its home checks).
    if (!away.get(peer)?.has(name)) checkRoomQuota(peer);
    const hashed = joinType === 'password' ? await passwords.hash(peer, password!) : undefined;
    if (cluster && !rooms.has(name)) {
      // The name is unique cluster-wide: claimed in Redis; a room of another node is joined there.
      const home = await cluster.rooms.claim(name);
      if (home !== cluster.nodeId) {
        if (peer.remote !== undefined) throw new ServiceError('room-exists', `room "${name}" already exists`);
        const q = countElsewhere(peer, home);
        return joinElsewhere(peer, home, () => cluster.call(home, 'room/frame', peer, { ...frame, q }));
      }
    }
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
      mode: frame.mode,
      maxAudience: frame.mode === 'broadcast' ? frame.maxAudience : undefined,
      publish: frame.publish ?? ('members' as const),
    };
    const room = new Room(name, peer, settings, new InfoPool(hub.options.maxRoomInfoKeys, hub.options.maxRoomInfoBytes));
    rooms.set(name, room);
    addMember(room, peer);
    return describe(room, true, peer);
  }

  const handlers: Service<RoomFrames>['handlers'] = {
    'room/create': create,

    async 'room/join'(peer, { name, password, role }) {
      const room = find(name);
      await admit(room, peer, password, role);
      return describe(room, false, peer);
    },

    'room/leave'(peer, { name }) {
      const room = find(name);
      if (!room.has(peer)) throw new ServiceError('not-found', `you are not in room "${name}"`);
      leave(room, peer);
      return null;
    },

    'room/peers'(peer, { name }) {
      const room = find(name);
      if (room.settings.visibility === 'private' && !room.has(peer)) {
        throw new ServiceError('forbidden', `room "${name}" is private`);
      }
      return [...room.members].map((p) => p.id);
    },

    'room/invite'(peer, { name, peer: id }) {
      const room = owned(peer, name);
      const guest = hub.peer(id) ?? cluster?.ghost(id);
      if (guest) return invite(room, peer, guest);
      const node = cluster?.nodeOf(id);
      if (!node) throw new ServiceError('unreachable', `peer ${id} is not connected`);
      // A peer of another node this one knows nothing of: asked there first, so an invitation
      // list never holds ids no node has.
      return cluster!.call<boolean>(node, 'peer/reachable', peer, { peer: id }).then((reachable) => {
        const ghost = reachable && rooms.get(name) === room ? cluster!.ghostFor(id) : undefined;
        if (!ghost) throw new ServiceError('unreachable', `peer ${id} is not connected`);
        return invite(room, peer, ghost);
      });
    },

    'room/eject'(peer, { name, peer: id }) {
      const room = owned(peer, name);
      const member = hub.peer(id) ?? cluster?.ghost(id);
      if (!member || !room.has(member)) {
        throw new ServiceError('not-found', `peer ${id} is not in room "${name}"`);
      }
      if (member === peer) throw new ServiceError('forbidden', 'the owner leaves rather than ejects itself');
      leave(room, member);
      hub.send(member, { type: 'room/ejected', room: name, by: peer.id });
      return null;
    },

    'room/lock'(peer, { name }) {
      const room = owned(peer, name);
      room.settings.locked = true;
      changed(room);
      return null;
    },

    'room/unlock'(peer, { name }) {
      const room = owned(peer, name);
      room.settings.locked = false;
      changed(room);
      return null;
    },

    'pack/room': (peer, { room: name, pack }) => broadcastPack(peer, name, pack),

    'room/subnet'(peer, { name }) {
      const room = owned(peer, name);
      const fresh = !hub.addresses.roomSubnets.has(room);
      if (cluster && fresh) {
        // The /24 is unique cluster-wide: claimed in Redis first.
        return sharedAddresses(hub)
          .claimSubnet(room)
          .then((subnet) => {
            if (rooms.get(name) !== room) {
              if (subnet) closeSubnet(room);
              throw new ServiceError('room-not-found', `room "${name}" is gone`);
            }
            // Of claims made at once, the first to read the answer tells the members.
            const first = subnet !== undefined && !announced.has(room);
            if (first) announced.add(room);
            return subnetClaimed(room, peer, subnet, first);
          });
      }
      return subnetClaimed(room, peer, hub.addresses.claimSubnet(room), fresh);
    },

    'room/info/set'(peer, { name, key, value }) {
      const room = member(peer, name);
      if (room.info.set(key, value)) {
        changed(room);
        broadcast(room, { type: 'room/info', room: name, key, value: value ?? null }, undefined, true);
      }
      return null;
    },

    'room/info/get'(peer, { name, key }) {
      const room = find(name);
      if (room.settings.visibility === 'private' && !room.has(peer)) {
        throw new ServiceError('forbidden', `room "${name}" is private`);
      }
      return key === undefined ? room.info.toObject() : room.info.get(key);
    },

    'room/list'(peer) {
      return cluster ? listEverywhere(peer) : hub.publicRooms();
    },
  };

  /** The owner's `room/subnet` with the /24 claimed (or not: none is free). */
  function subnetClaimed(room: Room, owner: Peer, subnet: RoomSubnet | undefined, fresh: boolean) {
    if (!subnet) throw new ServiceError('exhausted', 'no room subnet is free');
    changed(room);
    const description = describe(room, false);
    // The other members got addresses they cannot know of otherwise.
    const addresses = description.addresses ?? {};
    if (fresh) broadcast(room, { type: 'room/subnet', room: room.name, subnet: subnet.cidr, addresses }, owner);
    return description;
  }

  /** Cluster mode: rooms whose /24 claimed in Redis was told to their members. */
  const announced = new WeakSet<Room>();

  /** Free the room's /24 (and in a cluster, its claim in Redis). */
  function closeSubnet(room: Room): void {
    announced.delete(room);
    if (!hub.addresses.roomSubnets.has(room)) return;
    hub.addresses.releaseSubnet(room);
    if (cluster) sharedAddresses(hub).releaseSubnet(room);
  }

  function invite(room: Room, owner: Peer, guest: Peer): null {
    if (!room.members.has(guest)) {
      room.invited.add(guest);
      guest.relate('invitedTo', room);
      changed(room);
      hub.send(guest, { type: 'room/invited', room: room.name, from: owner.id });
    }
    return null;
  }

  /** Cluster mode: public rooms of every live node. */
  async function listEverywhere(peer: Peer) {
    const lists = await Promise.allSettled(
      cluster!.nodes.map((node) => (node === cluster!.nodeId ? hub.publicRooms() : cluster!.call<ReturnType<Hub['publicRooms']>>(node, 'room/list', peer, null))),
    );
    return lists.flatMap((list) => (list.status === 'fulfilled' ? list.value : []));
  }

  /**
   * Cluster mode: a frame about a room that lives on another node runs there, for a ghost of
   * the sender; the answer comes back as the frame's result or error.
   */
  async function viaHome(peer: Peer, name: string, here: () => unknown, op: string, args: unknown): Promise<unknown> {
    const home = await cluster!.rooms.home(name);
    if (home === undefined || home === cluster!.nodeId || rooms.has(name)) return here();
    try {
      // A join takes the count of the peer's rooms on other homes along (maxRoomsPerPeer).
      if ((args as { type?: string }).type === 'room/join') {
        const q = countElsewhere(peer, home);
        return await joinElsewhere(peer, home, () => cluster!.call(home, op, peer, { ...(args as object), q }));
      }
      return await cluster!.call(home, op, peer, args);
    } catch (error) {
      if (error instanceof ServiceError && error.code === 'room-not-found') cluster!.rooms.forget(name);
      throw error;
    }
  }

  function routed(): Service<RoomFrames>['handlers'] {
    if (!cluster) return handlers;
    const out = { ...handlers } as Record<string, FrameHandler<RoomFrames>>;
    for (const type of Object.keys(handlers) as RoomFrames[]) {
      if (type === 'room/create' || type === 'room/list') continue;
      const local = handlers[type] as FrameHandler<RoomFrames>;
      out[type] = (peer, frame) => {
        const name = 'name' in frame ? frame.name : (frame as ClientFrameOf<'pack/room'>).room;
        if (peer.remote !== undefined || rooms.has(name)) return local(peer, frame);
        return viaHome(peer, name, () => local(peer, frame), 'room/frame', frame);
      };
    }
    return out as Service<RoomFrames>['handlers'];
  }

  function rawRoomPack(peer: Peer, name: string, raw: RawPayload): void {
    if (!cluster || peer.remote !== undefined || rooms.has(name)) {
      broadcastPack(peer, name, undefined, raw);
      return;
    }
    const text = raw.text ?? new TextDecoder().decode(raw.bytes);
    viaHome(peer, name, () => broadcastPack(peer, name, undefined, raw), 'room/raw', { name, text }).catch((error: unknown) => {
      if (error instanceof ServiceError) hub.refuse(peer, undefined, error.code, error.message);
      else hub.contain(peer, 'pack/room', error);
    });
  }

  return {
    handlers: routed(),

    rawTunnels: {
      [BinaryKind.RoomPack]: (peer, header, raw) => rawRoomPack(peer, header.target, raw),
    },

    remote: {
      'room/frame': (ghost, frame: ClientFrameOf<RoomFrames> & { q?: number }) => {
        if (typeof frame.q === 'number') elsewhere.set(ghost, frame.q);
        return (handlers[frame.type] as FrameHandler<RoomFrames>)(ghost, frame);
      },
      'room/raw': (ghost, { name, text }: { name: string; text: string }) => broadcastPack(ghost, name, undefined, { text, error: false }),
      'room/list': () => hub.publicRooms(),
      // The home of a room says this node's peer is in it, or no longer (see `away`).
      'room/member': (peer, { room, home, on }: { room: string; home: string; on: boolean }) => {
        if (peer.remote !== undefined || peer.closed) return;
        const homes = away.get(peer);
        if (on) {
          if (homes) homes.set(room, home);
          else away.set(peer, new Map([[room, home]]));
        } else if (homes?.get(room) === home) {
          homes.delete(room);
          if (homes.size === 0) away.delete(peer);
        }
      },
    },

    disconnect(peer) {
      away.delete(peer);
      pending.delete(peer);
      for (const room of [...peer.rooms]) leave(room, peer);
      for (const room of peer.invitedTo) {
        room.invited.delete(peer);
        changed(room);
      }
    },
  };
}
