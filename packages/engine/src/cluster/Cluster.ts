import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { CloseCode, type WireData } from '@mwse/protocol';
import type { Hub } from '../Hub.js';
import type { Logger } from '../log/Logger.js';
import { Peer } from '../Peer.js';
import { InfoPool } from '../services/InfoPool.js';
import { ServiceError } from '../ServiceError.js';
import type { Link } from '../session/Link.js';
import type { ClusterOptions } from './ClusterOptions.js';
import { type ClusterRedis, openRedis } from './RedisLink.js';
import { RoomHomes } from './RoomHomes.js';
import { type Announcement, Bus, type Op } from './Bus.js';
import { SessionMirror, type SessionRecord } from './SessionMirror.js';
import { Takeover } from './Takeover.js';
import { RoomMirror, type RoomRecord } from './RoomMirror.js';
import type { Room } from '../services/Room.js';
import { HeldFrames } from './HeldFrames.js';
import { Epoch } from './Epoch.js';
import { RefusedOps } from './RefusedOps.js';

/** What a node tells another about one of its peers, so the other can stand a ghost for it. */
export interface PeerCard {
  id: string;
  binary: boolean;
  address: string;
  identity?: string;
}

/** A remote half: runs on the node that owns the state an operation reads or changes. */
export type RemoteHandler = (ghost: Peer, args: never) => unknown;

interface PendingCall {
  node: string;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  timer: NodeJS.Timeout;
}

/** A socket that is no socket: ghosts stand for peers whose sockets are on other nodes. */
const NO_LINK = { open: false, peer: undefined, close() {} } as unknown as Link;

/** How long a call to another node may take before its caller is told `unreachable`. */
const CALL_TIMEOUT = 10_000;
/** Leases: a node silent for this long is taken for dead; renewed every third of it. */
const LEASE_TTL = 3000;
/** The remote half that tells a node a session moved here (takeover after its node died). */
const MOVED = 'cluster/moved';
/** The remote half that tells a node another is dead (a takeover found it so). */
const DEAD = 'cluster/dead';
/** A dead node's log outlives its grace window by this much (the sweep deletes it before). */
const KEEP_LOG_MARGIN = 60_000;
/** Batches kept at most from forgotten nodes while fenced (see `Cluster.strayed`). */
const MAX_STRAYS = 4096;
/** The remote half that asks a live node to hand one of its sessions over (a resume reached another node). */
const RELEASE = 'cluster/release';
/**
 * What a node sends itself, through its own log, when it releases a session: once applied, every
 * frame for the session that was on its way through that log has followed it (see `leaving`).
 */
const RELEASED = 'cluster/released';

/** What a node hands over with a session it releases: its state, and the frames its client missed. */
export interface Released {
  record: SessionRecord;
  applied: number;
  /** Counted frames after the client's `seq`, oldest first: `s` text, `b` base64 bytes. */
  frames: { s?: string; b?: string }[];
}

/**
 * This engine as one node of a cluster on Redis (docs/cluster.md).
 *
 * State stays with the node that owns it: a peer's flags, relations, info and requests in flight
 * live on the node its socket is on; a room lives on the node that created it (its home, claimed
 * in Redis). Another node holds a *ghost* for each remote peer it relates to: a `Peer` with no
 * socket whose relation sets mirror the edges that touch this node's peers, so the services'
 * checks run unchanged on both sides. An operation that reads the other side's state runs its
 * remote half there (`x` ops); a frame for a ghost is sent to its node (`d` ops).
 *
 * Redis is the bus: one channel per node, one PUBLISH per target node per event-loop turn with
 * every op of that turn in order (one publisher connection, one subscriber: per pair of nodes,
 * ops arrive in the order they were made). Socket ids start with the owner node's 8-hex-digit
 * tag, so routing needs no lookup and an id of no live node is unreachable at once.
 */
export class Cluster {
  readonly nodeId: string;
  private tag = '';
  private hub!: Hub;
  private readonly pub: ClusterRedis;
  private readonly sub: ClusterRedis;
  /** Leases go on a connection of their own, never queued behind the bus's publishes. */
  private readonly leases: ClusterRedis;
  private readonly leaseTtl: number;
  /** Live nodes by tag, this one included. */
  private readonly tags = new Map<string, string>();
  private readonly ghosts = new Map<string, Peer>();
  private nextCall = 1;
  private readonly calls = new Map<number, PendingCall>();
  /** Node channels on Redis pub/sub, with a log behind them. */
  readonly bus: Bus;
  /** Which node each room lives on (claimed in Redis). */
  readonly rooms: RoomHomes;
  private lease: NodeJS.Timeout | undefined;
  /** When the lease was last renewed, and when this node last heard its own probe. */
  private renewedAt = 0;
  private probedAt = 0;
  private healthy = true;
  /** A recovery is under way (see `recover`). */
  private recovering = false;
  /** What this node's lease holds (its tag, then a count of the leases it lost), and that count. */
  private leaseValue = '';
  private leaseLosses = 0;
  /** Called when this node loses Redis (or its subscriber goes deaf): it must drop its sockets. */
  onLost: (() => void) | undefined;
  private stopped = false;
  private readonly prefix = 'mwse:cluster:';
  /** Run when another node is gone (its lease ran out or it said bye), after its ghosts are. */
  private readonly goneHooks: ((node: string, dead: boolean, kept: boolean) => void)[] = [];
  /**
   * Nodes that had a tag but no lease when this one started: dead, maybe with nobody left to free
   * what they held in Redis. This node's own id from an earlier run is freed the same way.
   */
  readonly goneAtStart = new Set<string>();
  /** Remote halves that belong to no service (the control plane's), by name. */
  private readonly ops = new Map<string, RemoteHandler>();
  /** With resume on: this node's sessions mirrored into Redis, and takeovers of dead nodes' ones. */
  mirror: SessionMirror | undefined;
  takeover: Takeover | undefined;
  /** With takeover: the rooms homed here mirrored into Redis, so a live node re-homes them if this one dies. */
  roomMirror: RoomMirror<Room> | undefined;
  /** The room service's snapshot of a room for its record, and what it does with names lost (set before {@link attach}). */
  roomSnapshot: ((room: Room) => RoomRecord | undefined) | undefined;
  roomsLost: ((names: string[]) => void) | undefined;
  /** The room mirror's and takeovers' connection (the session mirror writes on the bus's). */
  private records: ClusterRedis | undefined;
  /** Socket ids whose session moved to another node than their tag names (takeovers). */
  private readonly moved = new Map<string, string>();
  /** Dead nodes whose sessions are away for the grace window, by tag: frames for them are dropped. */
  private readonly dead = new Map<string, string>();
  /** What this node sent, since it knew, to sessions of dead nodes: for whoever takes them over. */
  private readonly held = new HeldFrames();
  /** Inside `direct`: frames to this node's sessions are sent, not logged first. */
  private directDepth = 0;
  /** Sessions being handed over to this node by their live owner: what arrives for them is held. */
  private readonly arriving = new Set<string>();
  /**
   * Sessions this node handed over whose frames may still be on their way through its own log
   * (a frame from a peer here goes there first, see `throughLog`): each follows the session when
   * the log applies it. What this node sends such a session meanwhile is held, so it goes after
   * them, once the log has applied the release's marker (`RELEASED`).
   */
  private readonly leaving = new Set<string>();
  /** The epoch of the cluster's state in Redis: a change says Redis lost it (cluster/Epoch.ts). */
  readonly epoch: Epoch;
  /** What the fence refused to publish, for the nodes it was for once this node serves again. */
  readonly refused = new RefusedOps();
  /** Batches read after this node fenced itself from nodes it forgot then (see `strayed`). */
  private strays: { node: string; ops: Op[] }[] = [];
  /** Client frames read while this node could not trust its Redis, until it decides (`admits`). */
  private parked: { peer: Peer; data: WireData }[] = [];

  private constructor(
    private readonly options: ClusterOptions,
    private readonly log: Logger,
  ) {
    this.nodeId = options.nodeId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    // The bus's connection: its publishes and the session mirror's counts in the order sent.
    this.pub = openRedis(options.redis, `mwse-${this.nodeId}`, true);
    this.sub = openRedis(options.redis, `mwse-${this.nodeId}-sub`);
    this.leases = openRedis(options.redis, `mwse-${this.nodeId}-lease`);
    this.leaseTtl = options.lease ?? LEASE_TTL;
    this.bus = new Bus(this.pub, this.sub, this.nodeId, log, {
      apply: (op) => this.apply(op),
      announced: (message) => this.announced(message),
      probed: () => {
        this.probedAt = Date.now();
      },
      live: (node) => this.isLive(node),
      // Conservative: this node fences itself as if it had lost Redis (its clients reconnect).
      lost: (node, reason) => this.lose(`bus state lost with node ${node}: ${reason}`),
      refused: (node, ops) => this.refused.add(node, ops),
      strayed: (node, ops) => this.strayed(node, ops),
    }, this.leaseTtl);
    this.rooms = new RoomHomes(this.pub, this.nodeId, (node) => this.isLive(node), log);
    this.epoch = new Epoch(this.leases, `${this.prefix}epoch`, log, (_from, to) => this.stateLost(to));
    for (const client of [this.pub, this.sub, this.leases]) {
      client.on('error', ((error: Error) => this.log.warn({ err: error, node: this.nodeId }, 'cluster redis error')) as never);
    }
  }

  /** Connect, claim a tag, subscribe, and learn the other nodes. */
  static async start(options: ClusterOptions, log: Logger): Promise<Cluster> {
    const cluster = new Cluster(options, log);
    try {
      await cluster.join();
    } catch (error) {
      cluster.pub.disconnect();
      cluster.sub.disconnect();
      cluster.leases.disconnect();
      throw error;
    }
    return cluster;
  }

  private async join(): Promise<void> {
    await Promise.all([this.pub.connect(), this.sub.connect(), this.leases.connect()]);
    await this.holdNodeId();
    for (let i = 0; i < 16 && !this.tag; i++) {
      const tag = randomBytes(4).toString('hex');
      if ((await this.pub.hsetnx(`${this.prefix}tags`, tag, this.nodeId)) === 1) this.tag = tag;
    }
    if (!this.tag) throw new Error('cluster: no free node tag after 16 tries');
    this.leaseValue = this.tag;
    this.bus.fence(this.leaseKey(this.nodeId), this.leaseValue);
    await this.renewLease(true);
    await this.epoch.join();
    await this.bus.listen();
    const known = await this.pub.hgetall(`${this.prefix}tags`);
    const entries = Object.entries(known);
    const leases = entries.length ? await this.pub.mget(...entries.map(([, node]) => this.leaseKey(node))) : [];
    entries.forEach(([tag, node], i) => {
      if (leases[i] !== null) this.tags.set(tag, node);
      else if (node !== this.nodeId) this.goneAtStart.add(node);
    });
    this.tags.set(this.tag, this.nodeId);
    this.probedAt = Date.now();
    await this.bus.announce({ o: 'hello', node: this.nodeId, tag: this.tag });
    this.lease = setInterval(() => this.tick(), Math.max(100, Math.round(this.leaseTtl / 3)));
    this.lease.unref();
  }

  attach(hub: Hub): void {
    this.hub = hub;
    hub.sessions.epoch = this.epoch.value;
    if (!hub.sessions.enabled || this.options.takeover === false) return;
    // Sessions outlive their node: each is mirrored into Redis, and a dead node's are taken over.
    const records = openRedis(this.options.redis, `mwse-${this.nodeId}-rec`);
    records.on('error', ((error: Error) => this.log.warn({ err: error, node: this.nodeId }, 'cluster redis error')) as never);
    this.records = records;
    // Written by the bus, after the turn's publishes and in one transaction with them.
    const mirror = new SessionMirror(this.nodeId, this.prefix, this.log, (peer) => this.record(peer), () => this.bus.schedule());
    this.mirror = mirror;
    this.bus.turnWrite = () => mirror.take();
    this.mirror.onFenced = (ids) => this.log.warn({ sessions: ids.length }, 'cluster: sessions of this node are held by another node now');
    this.mirror.position = () => this.bus.appliedAt;
    this.mirror.lease = () => ({ key: this.leaseKey(this.nodeId), value: this.leaseValue });
    // The client drops what is acked from its resend buffer: only counts Redis holds are acked.
    this.mirror.confirmed = (peer, applied) => hub.sessions.confirm(peer, applied);
    hub.sessions.confirming = true;
    hub.mirror = this.mirror;
    this.takeover = new Takeover(this, hub, records, this.prefix, this.log, (node) => this.leaseKey(node), this.leaseTtl);
    this.roomMirror = new RoomMirror<Room>(records, this.nodeId, this.prefix, this.log, (room) => this.roomSnapshot?.(room));
    this.roomMirror.onLost = (names) => {
      this.log.warn({ rooms: names.length }, 'cluster: rooms of this node were re-homed on another node while it was taken for dead');
      this.roomsLost?.(names);
    };
    this.pub.hgetall(`${this.prefix}moved`).then(
      (moved) => {
        for (const [id, node] of Object.entries(moved)) if (!this.moved.has(id)) this.moved.set(id, node);
      },
      (error: unknown) => this.log.warn({ err: error }, 'cluster: moved sessions could not be read'),
    );
  }

  /** What Redis keeps of a local session (see `SessionMirror`). */
  private record(peer: Peer): SessionRecord {
    const session = peer.session!;
    const ids = (set: ReadonlySet<Peer>) => [...set].map((p) => p.id);
    return {
      tok: session.tokenHash.toString('hex'),
      ...(session.previousHash ? { prev: session.previousHash.toString('hex') } : {}),
      ...(peer.identity === undefined ? {} : { identity: peer.identity }),
      binary: peer.binary,
      address: peer.address,
      flags: { ...peer.flags },
      info: peer.info.toObject(),
      trusted: ids(peer.trusted),
      trustedBy: ids(peer.trustedBy),
      reqFrom: ids(peer.pairRequestsFrom),
      reqTo: ids(peer.pairRequestsTo),
      watchers: ids(peer.watchers),
      rooms: [...peer.rooms].map((room) => [room.name, room.owner === peer]),
    };
  }

  /** The ghost of `id`, out of the ghosts: its session was taken over here and it becomes local. */
  claimGhost(id: string): Peer | undefined {
    const ghost = this.ghosts.get(id);
    if (ghost) this.ghosts.delete(id);
    return ghost;
  }

  /** Session `id` is on this node now: every node sends its frames here. */
  announceMove(id: string): void {
    const tag = id.slice(0, 8);
    const from = this.moved.get(id) ?? this.tags.get(tag) ?? this.dead.get(tag);
    this.moved.set(id, this.nodeId);
    this.arriving.delete(id);
    this.leaving.delete(id);
    // What this node held for the session while its node was dead is delivered here now.
    const peer = this.hub.peer(id);
    this.direct(() => {
      for (const item of this.held.take(id) ?? []) {
        if ('op' in item) void this.apply(item.op);
        else if (peer) this.hub.sendEncoded(peer, item.data, item.type as never);
      }
    });
    for (const node of this.tags.values()) if (node !== this.nodeId) this.bus.push(node, { o: 'x', n: MOVED, i: id, a: this.nodeId, from: this.nodeId });
    if (peer && from !== undefined && from !== this.nodeId) for (const hook of this.arrivedHooks) hook(peer, from);
  }

  /** Hooks run when a dead node's session taken over here was in rooms homed on that node. */
  private readonly takenRoomHooks: ((peer: Peer, names: string[], from: string) => void)[] = [];

  /** Run `hook` when a session taken over from dead `from` was in rooms homed there (`names`). */
  onRoomsTaken(hook: (peer: Peer, names: string[], from: string) => void): void {
    this.takenRoomHooks.push(hook);
  }

  /** A session taken over from dead `from` was in its rooms `names`: re-homed or closed (rooms service). */
  roomsTaken(peer: Peer, names: string[], from: string): void {
    if (this.takenRoomHooks.length === 0) {
      for (const room of names) this.hub.send(peer, { type: 'room/closed', room });
      return;
    }
    for (const hook of this.takenRoomHooks) hook(peer, names, from);
  }

  /** Hooks run on the node a session moved to (takeover or hand-over), with the node it came from. */
  private readonly arrivedHooks: ((peer: Peer, from: string) => void)[] = [];

  /** Run `hook` whenever a session of another node is taken or handed over to this one. */
  onSessionArrived(hook: (peer: Peer, from: string) => void): void {
    this.arrivedHooks.push(hook);
  }

  /**
   * A takeover found `node` dead (its lease gone, or ended by the takeover): every node takes it
   * for dead now rather than at its next lease check, and holds what it sends its sessions from
   * then on instead of publishing it to a channel nobody reads.
   */
  nodeDead(node: string): void {
    if (node === this.nodeId || !this.isLive(node)) return;
    for (const other of this.tags.values()) if (other !== this.nodeId && other !== node) this.bus.push(other, { o: 'x', n: DEAD, a: node, from: this.nodeId });
    this.log.warn({ node }, 'cluster: a node is dead (found by a takeover); its sessions are away');
    this.nodeGone(node, 'died');
  }

  /**
   * Ask the live `node` to hand its session `id` over to this node. Resolves with its state, or
   * undefined when it has no such session (or cannot replay what the client missed); frames that
   * arrive for it meanwhile are held until {@link announceMove}.
   */
  askRelease(node: string, id: string, seq: number): Promise<Released | undefined> {
    const c = this.nextCall++;
    this.arriving.add(id);
    return new Promise<Released | undefined>((resolve, reject) => {
      if (!this.isLive(node) || this.isDead(node)) {
        reject(new ServiceError('unreachable', `node ${node} is gone`));
        return;
      }
      const timer = setTimeout(() => {
        this.calls.delete(c);
        reject(new ServiceError('unreachable', `node ${node} did not answer`));
      }, this.leaseTtl);
      timer.unref();
      this.calls.set(c, { node, resolve: (value) => resolve(value as Released | undefined), reject, timer });
      this.bus.push(node, { o: 'x', n: RELEASE, i: id, a: { seq }, c, from: this.nodeId });
    }).catch((error: unknown) => {
      this.arriving.delete(id);
      throw error;
    });
  }

  /** Barriers per dead node (see `logFinal`): one per death, shared by its takeovers here. */
  private readonly finals = new Map<string, Promise<void>>();

  /**
   * Resolves once `dead`'s bus log is final: every live node takes it for dead (answered this
   * node's `cluster/dead`, within a lease each), so it holds its frames for `dead`'s sessions
   * instead of publishing them, and every batch it published to `dead` before is in the log (its
   * answer left on the same connection, after them). This node's own batches are before a PING
   * on its publishing connection.
   */
  logFinal(dead: string): Promise<void> {
    let final = this.finals.get(dead);
    if (final) return final;
    if (this.isLive(dead)) this.nodeDead(dead);
    const others = this.nodes.filter((n) => n !== this.nodeId && n !== dead);
    const asked = others.map(
      (other) =>
        new Promise<void>((resolve) => {
          const c = this.nextCall++;
          const timer = setTimeout(() => {
            this.calls.delete(c);
            resolve();
          }, this.leaseTtl);
          timer.unref();
          this.calls.set(c, { node: other, resolve: () => resolve(), reject: () => resolve(), timer });
          this.bus.push(other, { o: 'x', n: DEAD, a: dead, c, from: this.nodeId });
        }),
    );
    final = Promise.all([...asked, this.pub.call('PING').catch(() => undefined)]).then(() => undefined);
    this.finals.set(dead, final);
    return final;
  }

  /** A tunnel op read back from a dead node's log, for a session taken over here. */
  replay(op: Op): void {
    void this.apply(op);
  }

  /** A takeover asked for by `askRelease` did not happen: nothing more is held for `id`. */
  notArriving(id: string): void {
    this.arriving.delete(id);
    this.held.forget(id);
  }

  /**
   * `to` asks for local session `id` (its client resumed there): it is handed over, with what
   * its client missed, and becomes a ghost of `to` here. Relations, rooms and watchers stay as
   * they are: they now point at a peer of `to`.
   */
  private release(id: string, to: string, seq: number): Released | undefined {
    const peer = this.hub.peer(id);
    const session = peer?.session;
    if (!peer || !session || peer.closed || peer.closing || !this.mirror || to === this.nodeId) return undefined;
    const missed = session.missed(seq);
    if (!missed) return undefined;
    const released: Released = {
      record: this.record(peer),
      applied: session.applied,
      frames: missed.map((data) => (typeof data === 'string' ? { s: data } : { b: Buffer.from(data).toString('base64') })),
    };
    this.hub.release(peer);
    // Its virtual address goes with it (the new node moves the holding in Redis).
    this.hub.addresses.release(peer);
    peer.remote = to;
    this.ghosts.set(id, peer);
    this.moved.set(id, to);
    // Behind whatever this node's log still carries for the session.
    this.leaving.add(id);
    this.bus.push(this.nodeId, { o: 'x', n: RELEASED, i: id, a: to, from: this.nodeId });
    return released;
  }

  /** A dead node's session `id` ended unresumed (swept): every node forgets its ghost. */
  sessionEnded(id: string): void {
    for (const node of this.tags.values()) if (node !== this.nodeId) this.bus.push(node, { o: 'g', id });
    this.apply({ o: 'g', id });
  }

  /** The node's Redis connection for commands (the bus publishes on it too: one order for both). */
  get redisClient(): ClusterRedis {
    return this.pub;
  }

  /** Node ids of every live node, this one included. */
  get nodes(): string[] {
    return [...new Set(this.tags.values())];
  }

  /** Ghosts held here (a gauge: it returns to 0 when every remote peer this node knew is gone). */
  get ghostCount(): number {
    return this.ghosts.size;
  }

  /** A socket id routed to this node: its tag, then the rest of a v4 UUID. */
  mintId(): string {
    return this.tag + randomUUID().slice(8);
  }

  /** The live node, other than this one, that `id` belongs to; undefined when none. */
  nodeOf(id: string): string | undefined {
    const tag = id.slice(0, 8);
    const node = this.moved.get(id) ?? this.tags.get(tag) ?? (this.dead.size ? this.dead.get(tag) : undefined);
    return node === this.nodeId ? undefined : node;
  }

  /** The ghost standing for `id` here, if any. */
  ghost(id: string): Peer | undefined {
    return this.ghosts.get(id);
  }

  /** The ghost of `id` (made when missing); undefined when `id` is of no other live node. */
  ghostFor(id: string, card?: PeerCard): Peer | undefined {
    const existing = this.ghosts.get(id);
    if (existing) {
      if (card) (existing as { binary: boolean }).binary = card.binary;
      return existing;
    }
    const node = this.nodeOf(id);
    if (!node) return undefined;
    const ghost = new Peer(id, NO_LINK, card?.address ?? '', new InfoPool(0, 0), card?.identity, card?.binary ?? false);
    ghost.remote = node;
    this.ghosts.set(id, ghost);
    return ghost;
  }

  /** Drop a ghost that relates to nothing here any more (an id its node never had, say). */
  forgetIfIdle(ghost: Peer): void {
    const held = ghost.trusted.size + ghost.trustedBy.size + ghost.pairRequestsFrom.size + ghost.pairRequestsTo.size;
    if (held + ghost.watchers.size + ghost.rooms.size + ghost.invitedTo.size > 0) return;
    if (this.ghosts.get(ghost.id) === ghost) this.ghosts.delete(ghost.id);
    ghost.closed = true;
  }

  private card(peer: Peer): PeerCard {
    return {
      id: peer.id,
      binary: peer.binary,
      address: peer.address,
      ...(peer.identity === undefined ? {} : { identity: peer.identity }),
    };
  }

  /** Run the remote half `name` on `node` for `from`; nothing comes back. */
  send(node: string, name: string, from: Peer, args: unknown): void {
    const op: Op = { o: 'x', n: name, f: this.card(from), a: args, from: this.nodeId };
    if (this.isDead(node) || this.heldFor(args)) this.holdFor(args, op);
    else this.bus.push(node, op);
  }

  /** The op's target (`to`) is a session on its way here, or leaving: held, to keep its order. */
  private heldFor(args: unknown): boolean {
    if (this.arriving.size === 0 && this.leaving.size === 0) return false;
    const to = (args as { to?: unknown } | null)?.to;
    return typeof to === 'string' && this.holding(to);
  }

  /** Frames and ops for session `id` are held here (see `arriving` and `leaving`). */
  private holding(id: string): boolean {
    return (this.arriving.size > 0 && this.arriving.has(id)) || (this.leaving.size > 0 && this.leaving.has(id));
  }

  /** An op for a dead node's session (a tunnel frame names it in `to`) waits for its takeover. */
  private holdFor(args: unknown, op: Op): void {
    const to = (args as { to?: unknown } | null)?.to;
    if (typeof to === 'string' && this.takeover) this.held.hold(to, { op });
  }

  /**
   * {@link send} for a peer `node` already holds a ghost of (the two relate): its id travels
   * instead of its card. Direct messages between watching peers take this path.
   */
  sendKnown(node: string, name: string, from: Peer, args: unknown): void {
    // The card goes with a held op: the taker may hold no ghost of the sender.
    if (this.isDead(node) || this.heldFor(args)) this.holdFor(args, { o: 'x', n: name, f: this.card(from), a: args, from: this.nodeId });
    else this.bus.push(node, { o: 'x', n: name, i: from.id, a: args, from: this.nodeId });
  }

  /**
   * Run the remote half `name` on `node` and resolve with what it returned (a `ServiceError` it
   * threw rejects with the same code). `done` runs synchronously as the answer is read, before
   * any later op from that node: the local half of the operation goes there.
   */
  call<T>(node: string, name: string, from: Peer, args: unknown, done?: (value: T) => void): Promise<T> {
    const c = this.nextCall++;
    return new Promise<T>((resolve, reject) => {
      if (this.isDead(node)) {
        reject(new ServiceError('unreachable', `node ${node} is gone`));
        return;
      }
      const timer = setTimeout(() => {
        this.calls.delete(c);
        reject(new ServiceError('unreachable', `node ${node} did not answer`));
      }, CALL_TIMEOUT);
      timer.unref();
      this.calls.set(c, {
        node,
        resolve: (value) => {
          try {
            done?.(value as T);
            resolve(value as T);
          } catch (error) {
            reject(error);
          }
        },
        reject,
        timer,
      });
      this.bus.push(node, { o: 'x', n: name, f: this.card(from), a: args, c, from: this.nodeId });
    });
  }

  /**
   * Takeover on: a counted frame for a session of this node goes through this node's own log
   * first, as a frame from another node does, and is sent when the bus applies it (`apply`).
   * So every frame a client of this node is sent is in Redis before it is sent, with the count
   * of its sender's frame in the same transaction, and a taker of the session after a death
   * finds in the log what the client may have missed (docs/cluster.md, "Node death"). Sends
   * made while an op of the log is applied, or a takeover replays what it read, are the
   * application itself: they go to the socket (`direct`).
   */
  throughLog(peer: Peer, data: WireData, type: string): boolean {
    if (this.directDepth > 0) return false;
    this.bus.deliver(this.nodeId, peer.id, data, type);
    return true;
  }

  /** Run `send` with frames to this node's sessions sent as they are, not through the log. */
  direct<T>(send: () => T): T {
    this.directDepth++;
    try {
      return send();
    } finally {
      this.directDepth--;
    }
  }

  /** Queue a frame for a ghost (see `Bus.deliver`). */
  deliver(ghost: Peer, data: WireData, type: string): void {
    // Behind the frames this node's log still carries for a session it released.
    if (this.leaving.size > 0 && this.leaving.has(ghost.id)) {
      this.held.hold(ghost.id, { data, type });
      return;
    }
    this.forward(ghost, data, type);
  }

  /** {@link deliver}, for a frame that follows a session that moved on from here. */
  private forward(ghost: Peer, data: WireData, type: string): void {
    // A session of a dead node, away until taken over, or on its way here: held.
    if (this.isDead(ghost.remote!) || (this.arriving.size > 0 && this.arriving.has(ghost.id))) {
      if (this.takeover) this.held.hold(ghost.id, { data, type });
      return;
    }
    this.bus.deliver(ghost.remote!, ghost.id, data, type);
  }

  /** A local peer is gone: every other node forgets its ghost (and tells its watchers). */
  peerClosed(peer: Peer): void {
    if (peer.remote !== undefined) return;
    for (const node of this.tags.values()) if (node !== this.nodeId) this.bus.push(node, { o: 'g', id: peer.id });
    // Ghosts that related only to this peer relate to nothing now.
    for (const set of [peer.watchers, peer.trusted, peer.trustedBy, peer.pairRequestsFrom, peer.pairRequestsTo]) {
      for (const other of set) if (other.remote !== undefined) this.forgetIfIdle(other);
    }
  }

  /** Apply one op of the bus: what it sends this node's sessions goes to their sockets. */
  private apply(op: Op): Promise<unknown> | undefined {
    // `direct`, without a closure per op.
    this.directDepth++;
    try {
      return this.applyOp(op);
    } finally {
      this.directDepth--;
    }
  }

  private applyOp(op: Op): Promise<unknown> | undefined {
    const { hub } = this;
    switch (op.o) {
      case 'd': {
        const data: WireData = op.s ?? new Uint8Array(Buffer.from(op.b!, 'base64'));
        for (const id of op.to) {
          const peer = hub.peer(id) ?? (this.takeover ? this.ghosts.get(id) : undefined);
          if (peer && peer.remote === undefined) hub.sendEncoded(peer, data, op.t as never);
          else if (this.arriving.has(id)) this.held.hold(id, { data, type: op.t });
          // A session that moved on from here: the frame follows it (ahead of what is held for it).
          else if (peer && !peer.closed && this.moved.has(id)) this.forward(peer, data, op.t);
        }
        return;
      }
      case 'x': {
        if (op.n === MOVED) {
          this.moveArrived(op.i!, op.a as string);
          return;
        }
        if (op.n === RELEASED) {
          if (op.from === this.nodeId) this.leftLog(op.i!);
          return;
        }
        if (op.n === RELEASE) {
          const value = this.release(op.i!, op.from, (op.a as { seq: number }).seq);
          this.bus.push(op.from, value === undefined ? { o: 'r', c: op.c! } : { o: 'r', c: op.c!, v: value });
          return;
        }
        if (op.n === DEAD) {
          const node = op.a as string;
          if (node !== this.nodeId && this.isLive(node)) {
            this.log.warn({ node }, 'cluster: a node is dead (told by a takeover); its sessions are away');
            this.nodeGone(node, 'died');
          }
          // Asked by `logFinal`: this answer leaves after every batch this node sent the dead one.
          if (op.c !== undefined) this.bus.push(op.from, { o: 'r', c: op.c });
          return;
        }
        // A tunnel op for a session that moved on (or is on its way here) follows it.
        const to = (op.a as { to?: unknown } | null)?.to;
        if (typeof to === 'string' && this.takeover && !hub.peer(to)) {
          if (this.arriving.has(to)) {
            this.held.hold(to, { op });
            return;
          }
          const moved = this.ghosts.get(to);
          if (moved && this.moved.has(to) && moved.remote !== undefined) {
            this.bus.push(moved.remote, op);
            return;
          }
        }
        // The subject is a ghost of the sender's peer, or a peer here when the op answers one.
        const id = op.f?.id ?? op.i!;
        // Without a card (the sender took this node to hold a ghost already: an op that made it
        // may have been lost with a pub/sub connection) the ghost is made from the id alone.
        const ghost = hub.peer(id) ?? this.ghostFor(id, op.f);
        if (!ghost) return;
        try {
          const own = this.ops.get(op.n);
          const result = own ? own(ghost, op.a as never) : hub.runRemote(op.n, ghost, op.a);
          if (result instanceof Promise) {
            return result.then(
              (v) => this.answer(op, v),
              (error: unknown) => this.failed(op, error),
            ).finally(() => this.idle(ghost));
          }
          this.answer(op, result);
        } catch (error) {
          this.failed(op, error);
        }
        this.idle(ghost);
        return;
      }
      case 'r': {
        const call = this.calls.get(op.c);
        if (!call) return;
        this.calls.delete(op.c);
        clearTimeout(call.timer);
        if (op.e) call.reject(new ServiceError(op.e[0] as never, op.e[1]));
        else call.resolve(op.v);
        return;
      }
      case 'g': {
        this.moved.delete(op.id);
        this.held.forget(op.id);
        const ghost = this.ghosts.get(op.id);
        if (!ghost) return;
        this.ghosts.delete(op.id);
        hub.forgetRemote(ghost);
        return;
      }
    }
  }

  /** Answer the call `op` made, if it made one, with `v` or the error `e`. */
  private answer(op: Extract<Op, { o: 'x' }>, v: unknown, e?: [string, string]): void {
    if (op.c === undefined) return;
    this.bus.push(op.from, e ? { o: 'r', c: op.c, e } : v === undefined ? { o: 'r', c: op.c } : { o: 'r', c: op.c, v });
  }

  /** A remote half threw or rejected: its caller is told (a refusal as is, anything else as internal). */
  private failed(op: Extract<Op, { o: 'x' }>, error: unknown): void {
    if (error instanceof ServiceError) this.answer(op, undefined, [error.code, error.message]);
    else {
      this.log.error({ err: error, op: op.n }, 'cluster: a remote half failed');
      this.answer(op, undefined, ['internal', 'the server failed to handle this frame']);
    }
  }

  /** A ghost left relating to nothing here is dropped once the op is done. */
  private idle(ghost: Peer): void {
    if (ghost.remote !== undefined) this.forgetIfIdle(ghost);
  }

  private announced(message: Announcement): void {
    if (message.node === this.nodeId) return;
    if (message.o === 'hello') {
      // A node says hello again after it fenced itself: it forgot every other node's peers, so
      // its ghosts here are forgotten too (relations across it end on both sides).
      // The same tag: the same process, back from a fence (a restarted node has a new tag, and
      // its old sessions are swept as a dead node's).
      const kept = !this.isLive(message.node) && this.dead.get(message.tag) === message.node;
      // Live again (back from a fence, or restarted under its id): its next death is a new one.
      this.finals.delete(message.node);
      if (this.isLive(message.node)) this.nodeGone(message.node, 'forgotten');
      this.tags.set(message.tag, message.node);
      this.dead.delete(message.tag);
      if (kept) this.deadCameBack(message.node);
    } else this.nodeGone(message.node, 'left');
  }

  /**
   * A node taken for dead while its sessions were away here (kept for takeover) says hello: it
   * fenced itself and kept its sessions for their clients to resume there. Nothing of it is
   * swept; what this node held for its sessions goes to it, in order (frames, and tunnel ops:
   * direct messages, requests and responses; the session replays them; held pair operations are
   * dropped: the relations they touch end below, on both sides); then its ghosts are
   * forgotten as on any hello again, since it forgot this node's peers when it fenced itself.
   */
  private deadCameBack(node: string): void {
    this.takeover?.nodeBack(node);
    for (const [id, ghost] of [...this.ghosts]) {
      if (ghost.remote !== node) continue;
      for (const item of this.held.take(id) ?? []) {
        if (!('op' in item)) this.bus.deliver(node, id, item.data, item.type);
        else if (item.op.o === 'x' && item.op.n.startsWith('tunnel/')) this.bus.push(node, item.op);
      }
      this.ghosts.delete(id);
      this.hub.forgetRemote(ghost);
    }
    this.log.warn({ node }, 'cluster: a node taken for dead is back; its sessions stay its own');
  }

  /**
   * After a fence, before serving again: each session kept away here is checked against its
   * record. One another node took over meanwhile (the record names that node) lives there now:
   * it is dropped here without ending it (no record deleted, no node told) and, as a ghost of
   * its new node, forgotten, so this node's peers relate to it no more (the taker forgets this
   * node's peers on its hello: both sides agree). A record missing (swept, or never written
   * while Redis was away) is written again: the session is still this node's.
   */
  private async keepOrDropFenced(): Promise<void> {
    if (!this.mirror || !this.records) return;
    const local = [...this.hub.allPeers()].filter((p) => p.remote === undefined && p.session && !p.closed && !p.closing);
    if (local.length === 0) return;
    const owners = await Promise.all(local.map(async (p) => (await this.records!.hgetall(`${this.prefix}session:${p.id}`)).node));
    let dropped = 0;
    local.forEach((peer, i) => {
      const owner = owners[i];
      if (peer.closed || !peer.session) return;
      if (owner === null || owner === undefined) this.mirror!.mark(peer, true);
      else if (owner !== this.nodeId) {
        this.hub.release(peer);
        peer.remote = owner;
        this.moved.set(peer.id, owner);
        this.hub.forgetRemote(peer);
        dropped++;
      }
    });
    if (dropped) this.log.warn({ sessions: dropped }, 'cluster: sessions of this node were taken over while it was fenced; dropped here');
  }

  /** Session `id` was taken over by `node`: its ghost here sends there from now on. */
  private moveArrived(id: string, node: string): void {
    if (node === this.nodeId) return;
    this.moved.set(id, node);
    const ghost = this.ghosts.get(id);
    if (ghost) ghost.remote = node;
    else if (this.hub.peer(id)) this.log.warn({ peer: id, node }, 'cluster: a session of this node was taken over by another');
    // A session released here whose frames this node's log still carries: they go first.
    if (!this.leaving.has(id)) this.sendHeld(id, node);
    if (ghost) for (const hook of this.ghostMovedHooks) hook(ghost);
  }

  /**
   * The marker of a release (`RELEASED`) came through this node's log: every frame that log
   * carried for session `id` has followed it, and what was held behind them goes now.
   */
  private leftLog(id: string): void {
    if (!this.leaving.delete(id)) return;
    const node = this.moved.get(id);
    if (node !== undefined && node !== this.nodeId) this.sendHeld(id, node);
  }

  /** What is held here for session `id`, sent in order to `node`, which holds it now. */
  private sendHeld(id: string, node: string): void {
    const items = this.held.take(id);
    if (!items) return;
    if (this.isDead(node)) {
      // Its new node died meanwhile: held on for whoever takes the session over.
      for (const item of items) this.held.hold(id, item);
      return;
    }
    if (!this.isLive(node)) return;
    for (const item of items) {
      if ('op' in item) this.bus.push(node, item.op);
      else this.bus.deliver(node, id, item.data, item.type);
    }
  }

  /** Run after a fence, before this node says hello again and serves (see {@link onRecover}). */
  private readonly recoverHooks: (() => Promise<void>)[] = [];

  /** Run `hook` after a fence, once Redis answers, before this node announces itself again. */
  onRecover(hook: () => Promise<void>): void {
    this.recoverHooks.push(hook);
  }

  /** Hooks run when a ghost's session moved to another node (it points there now). */
  private readonly ghostMovedHooks: ((ghost: Peer) => void)[] = [];

  /** Run `hook` when the session a ghost here stands for moved to another node. */
  onGhostMoved(hook: (ghost: Peer) => void): void {
    this.ghostMovedHooks.push(hook);
  }

  private isDead(node: string): boolean {
    if (this.dead.size === 0) return false;
    for (const n of this.dead.values()) if (n === node) return true;
    return false;
  }

  /**
   * A node is gone: its ghosts are forgotten (watchers told), its calls fail.
   * - `died`: its lease ran out (or a takeover found it dead). While sessions are mirrored its
   *   ghosts are kept instead: its sessions are away for the grace window, to be taken over, or
   *   swept when it is over. What it held in Redis is freed.
   * - `left`: it said bye. What it held in Redis is freed.
   * - `forgotten`: this node forgets it for reasons of its own (it fenced itself; the node said
   *   hello again): the node may be alive, so nothing it holds in Redis is touched.
   */
  private nodeGone(node: string, how: 'died' | 'left' | 'forgotten'): void {
    const keep = how === 'died' && this.takeover !== undefined;
    const dead = how !== 'forgotten';
    for (const [tag, n] of this.tags) {
      if (n !== node) continue;
      this.tags.delete(tag);
      if (keep) this.dead.set(tag, node);
    }
    if (keep) {
      this.takeover!.nodeDied(node, this.hub.sessions.grace, () => this.forgetDead(node));
    }
    for (const [id, ghost] of this.ghosts) {
      if (keep || ghost.remote !== node) continue;
      this.ghosts.delete(id);
      this.hub.forgetRemote(ghost);
    }
    for (const [c, call] of this.calls) {
      if (call.node !== node) continue;
      this.calls.delete(c);
      clearTimeout(call.timer);
      call.reject(new ServiceError('unreachable', `node ${node} is gone`));
    }
    this.rooms.forgetNode(node);
    // What this turn queued for a dead node's sessions is held for their takers, in order.
    if (keep) this.holdQueued(node);
    this.bus.drop(node);
    // A dead node's log is kept for the takers of its sessions (they read what it had not
    // applied), until the sweep after the grace window.
    if (keep) this.bus.keepLog(node, this.hub.sessions.grace + KEEP_LOG_MARGIN);
    else if (dead) this.bus.deleteLog(node);
    for (const hook of this.goneHooks) {
      try {
        hook(node, dead, keep);
      } catch (error) {
        this.log.error({ err: error, node }, 'cluster: cleaning up after a node failed');
      }
    }
  }

  /** The ops queued for `node` this turn, taken back: frames and tunnel ops for its sessions held. */
  private holdQueued(node: string): void {
    for (const op of this.bus.takeQueued(node)) {
      if (op.o === 'd') {
        const data: WireData = op.s ?? new Uint8Array(Buffer.from(op.b!, 'base64'));
        for (const id of op.to) this.held.hold(id, { data, type: op.t });
      } else if (op.o === 'x' && op.c === undefined) {
        const to = (op.a as { to?: unknown } | null)?.to;
        if (typeof to !== 'string') continue;
        // The taker may hold no ghost of the sender: the card goes with the op.
        const from = op.f ?? (op.i !== undefined ? this.hub.peer(op.i) : undefined);
        if (!from) continue;
        this.held.hold(to, { op: { o: 'x', n: op.n, f: from instanceof Peer ? this.card(from) : from, a: op.a, from: op.from } });
      }
    }
  }

  /** Run `hook` whenever another node is gone (`dead`: known dead, not only forgotten here). */
  onNodeGone(hook: (node: string, dead: boolean, kept: boolean) => void): void {
    this.goneHooks.push(hook);
  }

  /** Serve the remote half `name` here (for ops no service owns). */
  handle(name: string, handler: RemoteHandler): void {
    this.ops.set(name, handler);
  }

  /** Past a dead node's grace and sweep: what is still held of its sessions ends. */
  private forgetDead(node: string): void {
    for (const [tag, n] of this.dead) if (n === node) this.dead.delete(tag);
    for (const [id, ghost] of this.ghosts) {
      if (ghost.remote !== node) continue;
      this.held.forget(id);
      this.ghosts.delete(id);
      this.hub.forgetRemote(ghost);
    }
  }

  isLive(node: string): boolean {
    for (const n of this.tags.values()) if (n === node) return true;
    return false;
  }

  // --- liveness -------------------------------------------------------------------------------

  /**
   * Renew the lease. `XX` tells whether it was still there: a lease that ran out may have made
   * the others forget this node's peers, so this node fences itself even if Redis answers now.
   */
  private async renewLease(first = false): Promise<void> {
    const asked = Date.now();
    const key = this.leaseKey(this.nodeId);
    if (first) await this.leases.set(key, this.leaseValue, 'PX', this.leaseTtl);
    else if ((await this.leases.set(key, this.leaseValue, 'PX', this.leaseTtl, 'XX')) === null) {
      this.lose('lease expired');
      // A new value for the new lease: a publish made before this node knew, still queued on
      // the bus's connection (Redis runs each connection's backlog in its own time), must be
      // refused even once the lease is back.
      this.leaseValue = `${this.tag}.${++this.leaseLosses}`;
      this.bus.fence(key, this.leaseValue);
      await this.leases.set(key, this.leaseValue, 'PX', this.leaseTtl);
    }
    this.renewedAt = asked;
  }

  /**
   * False while this node has no Redis it can trust: its lease is past due (the others take it
   * for dead and forget its peers) or its subscriber stopped hearing its own probe. `/readyz`
   * answers 503 and new connections are refused meanwhile.
   */
  get ready(): boolean {
    return this.healthy;
  }

  /**
   * Redis lost the cluster's state (the epoch changed): this node claims its tag again and says
   * hello; its sessions are ended with
   * `state-lost` (their records, the others' ghosts of them and their rooms' claims are gone, so
   * a resume could not be honoured soundly), and new tokens name the new epoch.
   */
  private stateLost(epoch: string): void {
    // This node's tag went with the rest: claim it again (no new node may take it) and say hello,
    // so nodes that relearn the cluster from Redis, or already did, know this one.
    this.pub
      .hsetnx(`${this.prefix}tags`, this.tag, this.nodeId)
      .then(() => this.bus.announce({ o: 'hello', node: this.nodeId, tag: this.tag }))
      .catch((error: unknown) => this.log.warn({ err: error }, 'cluster: the tag could not be claimed again'));
    if (!this.hub) return;
    this.hub.sessions.epoch = epoch;
    for (const peer of [...this.hub.allPeers()]) if (peer.session && !peer.closed) this.hub.sessions.end(peer, 'state-lost');
  }

  /** Renew this node's lease, probe its subscriber, and drop nodes whose lease ran out. */
  private tick(): void {
    // Before the lease, on its connection: a Redis that lost the lease lost the epoch with it, and
    // sessions ended for that are ended as `state-lost` before the lease's loss drops the rest.
    this.epoch.check().catch((error: unknown) => this.log.warn({ err: error }, 'cluster: the epoch could not be read'));
    if (this.healthy && this.overdue()) {
      // Timers run before the poll phase: after a stall of this process, answers and probes may
      // be waiting unread. Decide after they are read.
      setImmediate(() => {
        const overdue = this.overdue();
        if (overdue) this.lose(overdue);
      });
    }
    this.renewLease().then(
      () => {
        if (!this.healthy && Date.now() - this.probedAt <= this.leaseTtl) void this.recover();
      },
      (error: unknown) => this.log.warn({ err: error }, 'cluster: the lease could not be renewed'),
    );
    this.bus.probe();
    const others = this.nodes.filter((node) => node !== this.nodeId);
    if (others.length === 0) return;
    this.leases
      .mget(...others.map((node) => this.leaseKey(node)))
      .then((leases) => {
        others.forEach((node, i) => {
          // A node this one forgot meanwhile (it fenced itself) is not found dead by a stale read.
          if (leases[i] !== null || !this.isLive(node)) return;
          this.log.warn({ node }, this.takeover ? 'cluster: a node lost its lease; its sessions are away' : 'cluster: a node lost its lease; its peers are gone');
          this.nodeGone(node, 'died');
        });
      })
      .catch((error: unknown) => this.log.warn({ err: error }, 'cluster: leases could not be read'));
  }

  /** Why this node cannot trust its Redis now, if it cannot. */
  private overdue(now = Date.now()): string | undefined {
    if (now - this.renewedAt > this.leaseTtl) return 'lease not renewed';
    if (now - this.probedAt > this.leaseTtl) return 'subscriber deaf';
    return undefined;
  }

  /**
   * Whether a client frame read at `now` may be handled (and counted) now: not while this node
   * is fenced, nor while its lease or its probe is past due. A node that wakes from a freeze
   * reads its sockets before its timers run: what it handled then it could not publish (its
   * lease is gone), though its clients were told it was applied. Two timestamp compares on the
   * frame path; a frame refused here waits in {@link park}.
   */
  admits(now: number): boolean {
    return this.healthy && this.parked.length === 0 && this.overdue(now) === undefined;
  }

  /**
   * A frame {@link admits} refused waits, with every frame read after it, until this turn's
   * reads are done (answers and probes read in the same poll phase count), then this node
   * decides as its lease check does: still overdue, it fences itself and the frames are
   * dropped uncounted (their clients send them again when they resume: the server's count tells
   * them where to start); else they are handled in the order they were read.
   */
  park(peer: Peer, data: WireData): void {
    if (this.parked.push({ peer, data }) === 1) setImmediate(() => this.unpark());
  }

  private unpark(): void {
    const { parked } = this;
    this.parked = [];
    const overdue = this.overdue();
    if (overdue) this.lose(overdue);
    if (this.healthy) {
      for (const { peer, data } of parked) this.hub.message(peer, data);
      return;
    }
    // Fenced: a socket still open is closed (1001) so its client resumes and sends them again.
    for (const { peer } of parked) {
      if (peer.socketOpen && !peer.closed && !peer.closing) this.hub.drop(peer, CloseCode.GoingAway, 'cluster node lost Redis');
    }
  }

  /**
   * A batch of `node` arrived once this node had fenced itself and forgotten it. While fenced,
   * it is kept: published before `node` took this one for dead (a frozen node reads that
   * backlog on waking, after or while it fences itself), it was sent once, and `node` holds
   * only what it sent after that. Skipped when this node is healthy: a node it took for dead is
   * fenced here.
   */
  private strayed(node: string, ops: Op[]): void {
    // Resume off, the sessions ended with their sockets: nothing here to deliver to.
    if (this.healthy || this.stopped || !this.hub.sessions.enabled || this.strays.length >= MAX_STRAYS) return;
    this.strays.push({ node, ops });
  }

  /**
   * After a fence, before this node says hello (so before anything the others held for its
   * sessions since): the batches kept by {@link strayed}, in order, of nodes live again; as a
   * dead node's held ops are: deliveries, and tunnel ops (direct messages, requests and
   * responses: the sessions replay them); pair and room operations touch relations the fence
   * ended on both sides, and are dropped.
   */
  private applyStrays(): void {
    const { strays } = this;
    this.strays = [];
    for (const { node, ops } of strays) {
      if (!this.isLive(node)) continue;
      for (const op of ops) {
        if (op.o === 'd' || (op.o === 'x' && op.n.startsWith('tunnel/'))) {
          try {
            void this.apply(op);
          } catch (error) {
            this.log.error({ err: error, node }, 'cluster: a bus op failed');
          }
        }
      }
    }
  }

  /**
   * After a fence, once this node has said hello: what its fence refused to publish goes to
   * the nodes it was for, in order (this node too: frames to its own sessions go through its log). Those frames were applied and counted here, so their clients
   * will not send them again. With resume on, deliveries and tunnel ops (direct messages,
   * requests, responses) of senders whose session is still this node's are sent (with the
   * sender's card: the other node forgot its ghost on the hello); the rest is dropped, as a dead
   * node's held ops are: pair and room operations touch relations the fence ended on both sides,
   * and a session another node took over meanwhile goes on from the count that node read.
   * Resume off, nothing is sent: the sessions ended with their sockets.
   */
  private resendRefused(): void {
    for (const [node, ops] of this.refused.take()) {
      if (!this.hub.sessions.enabled || !this.isLive(node)) {
        this.refused.dropped += ops.length;
        continue;
      }
      for (const op of ops) {
        if (op.o === 'd') {
          this.bus.push(node, op);
          continue;
        }
        const sender = op.o === 'x' && op.n.startsWith('tunnel/') ? this.hub.peer(op.f?.id ?? op.i ?? '') : undefined;
        if (op.o === 'x' && sender?.session && sender.remote === undefined && !sender.closed) {
          this.bus.push(node, { o: 'x', n: op.n, f: this.card(sender), a: op.a, from: this.nodeId });
        } else this.refused.dropped += 1;
      }
    }
  }

  /**
   * The others forget this node's peers once its lease is gone: its sockets are closed so their
   * clients come back (here or elsewhere) as peers everyone knows again.
   */
  private lose(reason: string): void {
    if (!this.healthy || this.stopped) return;
    this.healthy = false;
    this.log.error({ node: this.nodeId, reason }, 'cluster: Redis lost; closing this node’s connections');
    // A release's marker may never come back through the log: relations across nodes end anyway.
    for (const id of this.leaving) this.held.forget(id);
    this.leaving.clear();
    for (const node of this.nodes) if (node !== this.nodeId) this.nodeGone(node, 'forgotten');
    this.onLost?.();
  }

  /** Redis is back and hears this node again: relearn the nodes and say hello again. */
  private async recover(): Promise<void> {
    // One at a time: each would say hello, and each hello makes the others forget this node's peers.
    if (this.recovering) return;
    this.recovering = true;
    try {
      const known = await this.pub.hgetall(`${this.prefix}tags`);
      const entries = Object.entries(known).filter(([, node]) => node !== this.nodeId);
      const leases = entries.length ? await this.pub.mget(...entries.map(([, node]) => this.leaseKey(node))) : [];
      entries.forEach(([tag, node], i) => {
        if (leases[i] !== null) this.tags.set(tag, node);
      });
      await this.keepOrDropFenced();
      for (const hook of this.recoverHooks) await hook();
      this.applyStrays();
      await this.bus.announce({ o: 'hello', node: this.nodeId, tag: this.tag });
      // After the hello (the others apply nothing of a node they do not hold live), before
      // anything this node handles from now on: the same order as if nothing had been refused.
      // Published now, not at the turn's end: a hello of the other node read meanwhile would
      // drop what is queued for it.
      this.resendRefused();
      this.bus.flush();
      this.healthy = true;
      this.log.warn({ node: this.nodeId }, 'cluster: Redis is back; accepting connections again');
    } catch (error) {
      this.log.warn({ err: error }, 'cluster: recovery failed; retrying');
    } finally {
      this.recovering = false;
    }
  }

  /** Send what is queued, say goodbye, free the tag, and disconnect. */
  async close(): Promise<void> {
    if (this.stopped) return;
    clearInterval(this.lease);
    this.takeover?.stop();
    this.roomMirror?.flush();
    // The session mirror's last write goes with it.
    this.bus.flush();
    this.bus.stop();
    this.stopped = true;
    for (const call of this.calls.values()) {
      clearTimeout(call.timer);
      call.reject(new ServiceError('unreachable', 'this node is shutting down'));
    }
    this.calls.clear();
    try {
      await this.bus.announce({ o: 'bye', node: this.nodeId, tag: this.tag });
      await this.pub.hdel(`${this.prefix}tags`, this.tag);
      await this.leases.set(this.leaseKey(this.nodeId), '', 'PX', 1);
      await Promise.all([this.pub.quit(), this.sub.quit(), this.leases.quit(), this.records?.quit()]);
    } catch {
      this.pub.disconnect();
      this.sub.disconnect();
      this.leases.disconnect();
      this.records?.disconnect();
    }
  }

  /**
   * Take this node's lease before anything else, so two live nodes never share an id (they
   * would share a channel). A lease still held may be a crashed node's with the same id: it is
   * waited out once (it lapses unless renewed), then the start is refused.
   */
  private async holdNodeId(): Promise<void> {
    const key = this.leaseKey(this.nodeId);
    for (let attempt = 0; attempt < 2; attempt++) {
      if ((await this.leases.set(key, 'starting', 'PX', this.leaseTtl, 'NX')) === 'OK') return;
      if (attempt === 1) break;
      const left = await this.leases.pttl(key);
      await new Promise((resolve) => setTimeout(resolve, Math.min(Math.max(left, 0), 30_000) + 50));
    }
    throw new Error(
      `cluster: node id "${this.nodeId}" is taken by a live node on this Redis (its lease is held); ` +
        'give every node its own id (MWSE_NODE_ID, or the engine option cluster.nodeId), or leave it unset for a random one',
    );
  }

  private leaseKey(node: string): string {
    return `${this.prefix}lease:${node}`;
  }

}
