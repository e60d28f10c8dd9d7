import type { JoinType, PublishPolicy, RoomDescription, RoomMode, RoomRole, ServerFrameOf } from '@mwse/protocol';
import { Emitter } from './Emitter.js';
import type { Peer } from './Peer.js';
import { RoomInfo } from './RoomInfo.js';
import type { CallFrame, Wire } from './Wire.js';
import type { Sendable } from './Sendable.js';

/** How to create (or join) a room. Only `name` is needed to join one that exists. */
export interface RoomOptions {
  /** Unique on the server. */
  name: string;
  /** Who may join: `free` (anyone, the default), `password`, `invite` (owner invites), `lock` (no one new). */
  joinType?: JoinType;
  /** Needed to create and to join a `password` room. */
  password?: string;
  /** When the room exists, `createRoom()` joins it instead of failing with `room-exists`. */
  ifexistsJoin?: boolean;
  maxMembers?: number;
  description?: string;
  /** Private rooms are not listed by the server's `/api/rooms`. Default `public`. */
  visibility?: 'public' | 'private';
  /**
   * `broadcast`: a stage of listed members (you, and whoever you invite) and an audience that is
   * only counted: it receives the stage's messages and room info, sends nothing, and causes no
   * join or leave events. Default `normal`.
   */
  mode?: RoomMode;
  /** Broadcast rooms: most audience members at once (`maxMembers` caps the stage). */
  maxAudience?: number;
  /**
   * Broadcast rooms: who may publish (`@mwse/webrtc`'s `room.broadcast.publish`): `members` of
   * the stage (the default) or the `owner` and whom it grants.
   */
  publish?: PublishPolicy;
}

/** How to join a room (`room.join()`). */
export interface JoinOptions {
  /** Defaults to `options.password`. */
  password?: string;
  /**
   * Broadcast rooms only. Left out: the stage when the owner invited you, else the audience.
   * `member` asks for the stage (rejects `not-invited` without an invitation); `audience` watches.
   */
  role?: RoomRole;
}

/** Events of a {@link Room}. */
export interface RoomEvents {
  /** A member sent `pack` to the room (`room.send`). Your own sends do not come back. */
  // A method, so a listener may declare the pack type it expects (see PeerEvents).
  message(pack: unknown, peer: Peer): void;
  /** `peer` joined the room; `address` is its virtual address when the room has a subnet. */
  join: (peer: Peer, address?: string) => void;
  /** `peer` left the room (or was ejected). */
  leave: (peer: Peer) => void;
  /** The room has a new owner (the old one left). */
  owner: (peer: Peer) => void;
  /** The owner `peer` invited you; `room.join()` to accept. */
  invited: (peer: Peer) => void;
  /** The owner `peer` removed you from the room. */
  ejected: (peer: Peer) => void;
  /** A member changed one key of the room's info; `value` is `null` when it was removed. */
  info: (key: string, value: unknown) => void;
  /** The owner gave the room a /24 (`claimSubnet`): each member's address in it, by socket id. */
  subnet: (subnet: string, addresses: Record<string, string>) => void;
  /** Broadcast rooms, on the stage: the audience count changed (at most once a second). */
  audience: (count: number) => void;
  /** Broadcast rooms, in the audience: the last stage member left and the room is gone. */
  closed: () => void;
  /**
   * Broadcast rooms: a `broadcast/started`, `broadcast/ended` or `broadcast/viewers` frame about
   * this room, as the server sent it. `@mwse/webrtc`'s `room.broadcast` turns these into its own
   * events; listen there.
   */
  'broadcast/frame': (frame: BroadcastFrame) => void;
  /** You are no longer in the room: you left, were ejected, it closed, or your session ended. */
  left: () => void;
}

/** Server frames about a room's broadcasts. */
export type BroadcastFrame = ServerFrameOf<'broadcast/started' | 'broadcast/ended' | 'broadcast/viewers'>;

/** Client frames about a room's broadcasts, without their correlation id. */
export type BroadcastCall = CallFrame & { type: `broadcast/${string}` };

/** Server frames about one room. */
export type RoomFrame = ServerFrameOf<
  | 'room/pack'
  | 'room/presence'
  | 'room/audience'
  | 'room/closed'
  | 'room/joined'
  | 'room/left'
  | 'room/owner'
  | 'room/invited'
  | 'room/ejected'
  | 'room/info'
  | 'room/subnet'
>;

/**
 * A named group: what a member sends reaches every other member, whatever their pair-auth. Get one
 * with `mwse.room(options)`; the same name always gives the same object, also in events.
 *
 * Membership belongs to a connection: after a reconnect you are a new peer in no room, so join again
 * (the `reconnect` and `scope` events are the place).
 *
 * @example
 * const room = mwse.room({ name: 'genel', joinType: 'free', ifexistsJoin: true });
 * room.on('message', (pack, peer) => console.log(peer.socketId, pack));
 * await room.createRoom();
 * room.send({ text: 'merhaba!' });
 */
export class Room extends Emitter<RoomEvents> {
  /** The room's name. */
  readonly name: string;
  /** Options used by `createRoom()` and `join()`; later `mwse.room({ name, … })` calls update them. */
  options: RoomOptions;
  /** The room's shared key/value state. */
  readonly info: RoomInfo;
  readonly #wire: Wire;
  #joined = false;
  #owner: Peer | undefined;
  #description: RoomDescription | undefined;
  #audience: number | undefined;

  /** Made by `mwse.room()`; not meant to be called directly. */
  constructor(options: RoomOptions, wire: Wire) {
    super((error, event) => wire.reportListenerError(error, event));
    this.name = options.name;
    this.options = { ...options };
    this.#wire = wire;
    this.info = new RoomInfo(options.name, wire);
  }

  /**
   * Sends a `broadcast/*` frame about this room and resolves with its result. The transport of
   * `@mwse/webrtc`'s `room.broadcast`, which is the API to use.
   */
  broadcastCall<T>(frame: BroadcastCall, options?: { timeout?: number }): Promise<T> {
    return this.#wire.call<T>(frame, options);
  }

  /** True while this connection is a member. */
  get joined(): boolean {
    return this.#joined;
  }

  /** The owner, once known (after create/join, or a `room/owner` change). */
  get owner(): Peer | undefined {
    return this.#owner;
  }

  /** What the server said when you created or joined the room. */
  get description(): RoomDescription | undefined {
    return this.#description;
  }

  /** Broadcast rooms: how you are in it (`member` = on the stage); undefined when not joined. */
  get role(): RoomRole | undefined {
    if (!this.#joined) return undefined;
    return this.#description?.role ?? 'member';
  }

  /**
   * Broadcast rooms: the audience count, from the join and then (on the stage) from `audience`
   * updates; undefined for normal rooms.
   */
  get audience(): number | undefined {
    return this.#audience;
  }

  /**
   * Creates the room with {@link options} and joins it as owner; with `ifexistsJoin`, joins it when
   * it exists. Rejects with `room-exists`, or a join refusal (`wrong-password`, `room-full`…).
   */
  async createRoom(): Promise<RoomDescription> {
    const { name, joinType, password, ifexistsJoin, maxMembers, description, visibility, mode, maxAudience, publish } =
      this.options;
    const created = await this.#wire.call<RoomDescription>({
      type: 'room/create',
      name,
      joinType,
      password,
      ifexistsJoin,
      maxMembers,
      description,
      visibility,
      mode,
      maxAudience,
      publish,
    });
    return this.#entered(created);
  }

  /**
   * Joins the existing room: `join('secret')` or `join({ password, role })`; the password defaults
   * to `options.password`. Rejects with `room-not-found`, `room-locked`, `not-invited`,
   * `wrong-password`, `room-full`, or `forbidden` (`role: 'audience'` in a normal room).
   *
   * @example
   * const stage = mwse.room('launch');
   * const described = await stage.join({ role: 'audience' });
   * console.log(described.audience, 'watching');
   * stage.on('message', (pack) => render(pack));
   */
  async join(options: string | JoinOptions = {}): Promise<RoomDescription> {
    const { password = this.options.password, role } = typeof options === 'string' ? { password: options } : options;
    const joined = await this.#wire.call<RoomDescription>({
      type: 'room/join',
      name: this.name,
      password,
      ...(role === undefined ? {} : { role }),
    });
    return this.#entered(joined);
  }

  /** Leaves the room; ownership passes to the oldest member, and an empty room is removed. */
  async leave(): Promise<void> {
    await this.#wire.call({ type: 'room/leave', name: this.name });
    this.#left();
  }

  /**
   * Sends `pack` to every other member (and a broadcast room's audience). Fire and forget; a
   * refusal (`forbidden` from the audience) comes as the client's `error`.
   */
  send<T>(pack: T & Sendable<T>): void {
    this.#wire.post({ type: 'pack/room', room: this.name, pack });
  }

  /** The other members, as peers (you are not in the list). */
  async fetchPeers(): Promise<Peer[]> {
    const ids = await this.#wire.call<string[]>({ type: 'room/peers', name: this.name });
    const me = this.#wire.me.socketId;
    return ids.filter((id) => id !== me).map((id) => this.#wire.peer(id));
  }

  /** Owner only: lets `peer` into an `invite` room; it gets the client event `room/invited`. */
  async invite(peer: Peer | string): Promise<void> {
    await this.#wire.call({ type: 'room/invite', name: this.name, peer: idOf(peer) });
  }

  /** Owner only: removes `peer`; it gets `ejected`, the members `leave`. */
  async eject(peer: Peer | string): Promise<void> {
    await this.#wire.call({ type: 'room/eject', name: this.name, peer: idOf(peer) });
  }

  /** Owner only: refuse every new member (`room-locked`) until {@link unlock}. */
  async lock(): Promise<void> {
    await this.#wire.call({ type: 'room/lock', name: this.name });
  }

  /** Owner only: admit new members again, by the room's join type. */
  async unlock(): Promise<void> {
    await this.#wire.call({ type: 'room/unlock', name: this.name });
  }

  /**
   * Owner only: gives the room a virtual /24 (a virtual LAN); every member gets an address in it.
   * Resolves with the description, whose `subnet` and `addresses` say which. Rejects `exhausted`.
   */
  async claimSubnet(): Promise<RoomDescription> {
    const described = await this.#wire.call<RoomDescription>({
      type: 'room/subnet',
      name: this.name,
    });
    this.#description = described;
    return described;
  }

  /** @internal The client routes this room's frames here. */
  receive(frame: RoomFrame): void {
    switch (frame.type) {
      case 'room/pack':
        this.emit('message', frame.pack, this.#wire.peer(frame.from));
        break;
      case 'room/presence':
        this.#presence(frame);
        break;
      case 'room/audience':
        this.#audience = frame.count;
        this.emit('audience', frame.count);
        break;
      case 'room/closed':
        this.#left();
        this.emit('closed');
        break;
      case 'room/joined':
        if (frame.address === undefined) this.emit('join', this.#wire.peer(frame.peer));
        else this.emit('join', this.#wire.peer(frame.peer), frame.address);
        break;
      case 'room/left':
        this.emit('leave', this.#wire.peer(frame.peer));
        break;
      case 'room/owner':
        this.#owner = this.#wire.peer(frame.owner);
        this.emit('owner', this.#owner);
        break;
      case 'room/invited':
        this.emit('invited', this.#wire.peer(frame.from));
        break;
      case 'room/ejected':
        this.#left();
        this.emit('ejected', this.#wire.peer(frame.by));
        break;
      case 'room/info':
        this.emit('info', frame.key, frame.value);
        break;
      case 'room/subnet':
        if (this.#description) {
          this.#description = { ...this.#description, subnet: frame.subnet, addresses: frame.addresses };
        }
        this.emit('subnet', frame.subnet, frame.addresses);
        break;
    }
  }

  /** @internal The connection dropped: membership belonged to the old peer. */
  disconnected(): void {
    this.#left();
  }

  /**
   * One turn's joins, then its leaves, one event each, in order. The frame that holds my own join
   * also holds the joins before it, which my join's `members` listed: those are skipped.
   */
  #presence({ joined, left, addresses }: ServerFrameOf<'room/presence'>): void {
    const me = this.#wire.me.socketId;
    const mine = joined.indexOf(me);
    for (let i = mine + 1; i < joined.length; i++) {
      const id = joined[i]!;
      const address = addresses?.[id];
      if (address === undefined) this.emit('join', this.#wire.peer(id));
      else this.emit('join', this.#wire.peer(id), address);
    }
    for (const id of left) if (id !== me) this.emit('leave', this.#wire.peer(id));
  }

  #entered(description: RoomDescription): RoomDescription {
    this.#joined = true;
    this.#description = description;
    this.#owner = this.#wire.peer(description.owner);
    this.#audience = description.audience;
    return description;
  }

  #left(): void {
    const was = this.#joined;
    this.#joined = false;
    this.#owner = undefined;
    if (was) this.emit('left');
  }
}

function idOf(peer: Peer | string): string {
  return typeof peer === 'string' ? peer : peer.socketId;
}
