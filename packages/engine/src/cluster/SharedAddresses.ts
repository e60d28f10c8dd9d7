import type { VirtualAddress } from '@mwse/protocol';
import type { Hub } from '../Hub.js';
import type { Peer } from '../Peer.js';
import type { Room } from '../services/Room.js';
import type { RoomSubnet } from '../addressing/AddressBook.js';
import { ServiceError } from '../ServiceError.js';
import type { Cluster } from './Cluster.js';
import type { ClusterRedis } from './RedisLink.js';

const PREFIX = 'mwse:cluster:addr:';

/**
 * Claim a host index, a number and a code for a peer, or answer -1 (the range is full) or -2
 * (the number or code is taken, or the walk from `start` found no free host: draw again).
 * ARGV: prefix, hosts in the range, start, number, code, peer id, node.
 */
const CLAIM = `local p = ARGV[1]
local hosts = p .. 'hosts'
local size = tonumber(ARGV[2])
if redis.call('SCARD', hosts) >= size then return -1 end
if redis.call('EXISTS', p .. 'n:' .. ARGV[4]) == 1 or redis.call('EXISTS', p .. 'c:' .. ARGV[5]) == 1 then return -2 end
local h = tonumber(ARGV[3])
for i = 1, 256 do
  if redis.call('SISMEMBER', hosts, h) == 0 then
    redis.call('SADD', hosts, h)
    redis.call('SET', p .. 'h:' .. h, ARGV[6])
    redis.call('SET', p .. 'n:' .. ARGV[4], ARGV[6])
    redis.call('SET', p .. 'c:' .. ARGV[5], ARGV[6])
    redis.call('HSET', p .. 'held:' .. ARGV[7], 'p:' .. ARGV[6], h .. ' ' .. ARGV[4] .. ' ' .. ARGV[5])
    return h
  end
  h = (h + 1) % size
end
return -2`;

/** The release of one holding (a peer's address or a room's /24), compare-and-delete; shared by the scripts below. */
const RELEASE_ONE = `local function release(p, node, field, value)
  if string.sub(field, 1, 2) == 'p:' then
    local id = string.sub(field, 3)
    local h, n, c = string.match(value, '^(%S+) (%S+) (%S+)$')
    if redis.call('GET', p .. 'h:' .. h) == id then
      redis.call('DEL', p .. 'h:' .. h)
      redis.call('SREM', p .. 'hosts', h)
    end
    if redis.call('GET', p .. 'n:' .. n) == id then redis.call('DEL', p .. 'n:' .. n) end
    if redis.call('GET', p .. 'c:' .. c) == id then redis.call('DEL', p .. 'c:' .. c) end
  else
    if redis.call('GET', p .. 's:' .. value) == node then
      redis.call('DEL', p .. 's:' .. value)
      redis.call('SREM', p .. 'subnets', value)
    end
  end
  redis.call('HDEL', p .. 'held:' .. node, field)
end
`;

/** Release one holding of this node. ARGV: prefix, node, field (`p:<peer id>` or `r:<room name>`). */
const RELEASE = `${RELEASE_ONE}
local value = redis.call('HGET', ARGV[1] .. 'held:' .. ARGV[2], ARGV[3])
if not value then return 0 end
release(ARGV[1], ARGV[2], ARGV[3], value)
return 1`;

/** Release everything a gone node held (idempotent: any node may run it). ARGV: prefix, node. */
const SWEEP = `${RELEASE_ONE}
local held = redis.call('HGETALL', ARGV[1] .. 'held:' .. ARGV[2])
for i = 1, #held, 2 do release(ARGV[1], ARGV[2], held[i], held[i + 1]) end
redis.call('DEL', ARGV[1] .. 'held:' .. ARGV[2])
return #held / 2`;

/**
 * The sweep of a dead node whose sessions may be taken over (resume on): a peer's holding stays
 * while its session record is still the dead node's (away, resumable), moves to the node that
 * took the session over, and is freed once no record is left (never mirrored, or swept at the
 * end of the grace window). A room's /24 stays while the room's name is still the dead node's
 * (it may be re-homed), moves with a name re-homed on another node, and is freed with a name
 * that is gone. Self-checking, so any node may run it, at the death and again after the grace.
 * ARGV: prefix, node, the cluster's prefix (session records, room names).
 */
const KEEPING_SWEEP = `${RELEASE_ONE}
local p, dead, c = ARGV[1], ARGV[2], ARGV[3]
local heldKey = p .. 'held:' .. dead
local held = redis.call('HGETALL', heldKey)
local freed = 0
for i = 1, #held, 2 do
  local field, value = held[i], held[i + 1]
  local holder
  if string.sub(field, 1, 2) == 'p:' then
    holder = redis.call('HGET', c .. 'session:' .. string.sub(field, 3), 'node')
  else
    holder = redis.call('GET', c .. 'room:' .. string.sub(field, 3))
  end
  if not holder then
    release(p, dead, field, value)
    freed = freed + 1
  elseif holder ~= dead then
    redis.call('HSET', p .. 'held:' .. holder, field, value)
    redis.call('HDEL', heldKey, field)
    if string.sub(field, 1, 2) == 'r:' and redis.call('GET', p .. 's:' .. value) == dead then redis.call('SET', p .. 's:' .. value, holder) end
  end
end
return freed`;

/**
 * A session taken over (or handed over) from `ARGV[3]`: its holding moves to this node, if it
 * still holds its keys; answers the holding (`<host> <number> <code>`) or nil.
 * ARGV: prefix, this node, the node it came from, the peer id.
 */
const MOVE = `local p, field = ARGV[1], 'p:' .. ARGV[4]
local value = redis.call('HGET', p .. 'held:' .. ARGV[3], field)
if value then redis.call('HDEL', p .. 'held:' .. ARGV[3], field) else value = redis.call('HGET', p .. 'held:' .. ARGV[2], field) end
if not value then return false end
local h = string.match(value, '^(%S+)')
if redis.call('GET', p .. 'h:' .. h) ~= ARGV[4] then
  redis.call('HDEL', p .. 'held:' .. ARGV[2], field)
  return false
end
redis.call('HSET', p .. 'held:' .. ARGV[2], field, value)
return value`;

/**
 * Claim a /24 of the rooms range for room `name` homed here; -1 when none is free, -2 to draw
 * another start. ARGV: prefix, /24s in the range, start, node, room name.
 */
const CLAIM_SUBNET = `local p = ARGV[1]
local subnets = p .. 'subnets'
local size = tonumber(ARGV[2])
if redis.call('SCARD', subnets) >= size then return -1 end
local s = tonumber(ARGV[3])
for i = 1, 256 do
  if redis.call('SISMEMBER', subnets, s) == 0 then
    redis.call('SADD', subnets, s)
    redis.call('SET', p .. 's:' .. s, ARGV[4])
    redis.call('HSET', p .. 'held:' .. ARGV[4], 'r:' .. ARGV[5], s)
    return s
  end
  s = (s + 1) % size
end
return -2`;

/** Draws before a claim gives up (each one a random start; only a nearly full range needs more than one). */
const DRAWS = 32;

const shared = new WeakMap<Hub, SharedAddresses>();

/** The cluster's address claims for `hub`'s node (one per node). */
export function sharedAddresses(hub: Hub): SharedAddresses {
  let addresses = shared.get(hub);
  if (!addresses) {
    addresses = new SharedAddresses(hub, hub.cluster!);
    shared.set(hub, addresses);
  }
  return addresses;
}

/**
 * Virtual addresses and room subnets unique cluster-wide (docs/addresses.md, docs/cluster.md):
 * the peers range's hosts, numbers, codes and the rooms range's /24s are claimed in Redis with
 * their holder, each node's holdings indexed so that they are freed when it dies. The node's
 * own `AddressBook` keeps what its peers and rooms hold, for answers without Redis; the members'
 * addresses inside a room's /24 are the room home's to give, and resolved there.
 */
export class SharedAddresses {
  private readonly redis: ClusterRedis;
  private readonly claims = new Map<Peer, Promise<VirtualAddress | undefined>>();
  private readonly subnetClaims = new Map<Room, Promise<RoomSubnet | undefined>>();

  constructor(
    private readonly hub: Hub,
    private readonly cluster: Cluster,
  ) {
    this.redis = cluster.redisClient;
    cluster.onNodeGone((node, dead) => {
      if (!dead) return;
      // Resume on, with takeover: the dead node's sessions are away, not ended, and keep their
      // addresses until they are taken over (the holding moves) or swept (it is freed).
      if (cluster.takeover) this.sweepKeeping(node);
      else this.sweep(node);
    });
    cluster.onSessionArrived((peer, from) => this.arrived(peer, from));
    // What nodes that died unseen held, and this id's earlier run (before any claim of this one).
    for (const node of [cluster.nodeId, ...cluster.goneAtStart]) this.sweep(node);
  }

  /** Free what `node` held in Redis (it is gone). */
  private sweep(node: string): void {
    this.redis.eval(SWEEP, 0, PREFIX, node).catch((error: unknown) => {
      this.hub.log.warn({ err: error, node }, 'cluster: the addresses of a gone node could not be freed');
    });
  }

  /**
   * Free what the dead `node` held that no session or room can come back to, now and again once
   * the grace window is over (the sweep of its sessions ran by then; self-checking, so a node
   * that came back meanwhile keeps what it holds).
   */
  private sweepKeeping(node: string): void {
    const run = () =>
      this.redis.eval(KEEPING_SWEEP, 0, PREFIX, node, 'mwse:cluster:').catch((error: unknown) => {
        this.hub.log.warn({ err: error, node }, 'cluster: the addresses of a dead node could not be swept');
      });
    void run();
    const grace = this.hub.sessions.grace;
    for (const after of [grace + 1000, grace + 11_000]) setTimeout(run, after).unref();
  }

  /**
   * A session came here from `from` (taken over from a dead node, or handed over): its address
   * moves with it, so it keeps the same IP, number and code. Claims and releases of it wait.
   */
  private arrived(peer: Peer, from: string): void {
    const adopting = this.redis
      .eval(MOVE, 0, PREFIX, this.cluster.nodeId, from, peer.id)
      .then(
        (value) => {
          if (typeof value !== 'string' || this.hub.addresses.addressOf(peer)) return;
          const [host, number, code] = value.split(' ');
          this.hub.addresses.adopt(peer, Number(host), number!, code!);
          // Gone while the move was in flight: nobody may keep it.
          if (peer.closed) void this.release(peer);
        },
        (error: unknown) => this.hub.log.warn({ err: error, peer: peer.id }, 'cluster: the address of a moved session could not be moved'),
      )
      .finally(() => {
        if (this.adopting.get(peer) === adopting) this.adopting.delete(peer);
      });
    this.adopting.set(peer, adopting);
  }

  /** Moves of arrived sessions' addresses in flight. */
  private readonly adopting = new Map<Peer, Promise<void>>();

  /** `peer`'s address, claimed cluster-wide on first use; undefined when the range is full. */
  async claim(peer: Peer): Promise<VirtualAddress | undefined> {
    await this.adopting.get(peer);
    const held = this.hub.addresses.addressOf(peer);
    if (held) return held;
    let claim = this.claims.get(peer);
    if (!claim) {
      claim = this.claimOnce(peer).finally(() => this.claims.delete(peer));
      this.claims.set(peer, claim);
    }
    return claim;
  }

  private async claimOnce(peer: Peer): Promise<VirtualAddress | undefined> {
    const book = this.hub.addresses;
    for (let i = 0; i < DRAWS; i++) {
      const { number, code } = book.draw();
      const start = Math.floor(Math.random() * book.hostCount);
      const host = (await this.redis.eval(CLAIM, 0, PREFIX, String(book.hostCount), String(start), number, code, peer.id, this.cluster.nodeId)) as number;
      if (host === -1) return undefined;
      if (host === -2) continue;
      const address = book.adopt(peer, host, number, code);
      // Gone while the claim was in flight: nobody may keep it.
      if (peer.closed) this.release(peer);
      return address;
    }
    throw new ServiceError('exhausted', 'no virtual address was found free; try again');
  }

  /** Release `peer`'s address here and in Redis; resolves once Redis has. */
  async release(peer: Peer): Promise<void> {
    await this.adopting.get(peer);
    await this.claims.get(peer)?.catch(() => undefined);
    if (!this.hub.addresses.addressOf(peer)) return;
    this.hub.addresses.release(peer);
    await this.forget(`p:${peer.id}`);
  }

  /** The socket id holding `text` on any node; undefined when none does. */
  async resolve(asker: Peer, text: string): Promise<string | undefined> {
    const book = this.hub.addresses;
    const local = book.resolve(text);
    if (local) return local.id;
    const key = book.keyOf(text);
    if (!key) return undefined;
    if (key.kind === 'subnet') {
      // An address inside a room's /24: the room's home gave it and knows it.
      const home = await this.redis.get(`${PREFIX}s:${key.subnet}`);
      if (home === null || home === this.cluster.nodeId || !this.cluster.nodes.includes(home)) return undefined;
      return (await this.cluster.call<string | null>(home, 'address/resolve', asker, { address: text })) ?? undefined;
    }
    const field = key.kind === 'host' ? `h:${key.host}` : key.kind === 'number' ? `n:${key.number}` : `c:${key.code}`;
    const id = await this.redis.get(PREFIX + field);
    // A holder on a node that is gone (not swept yet) holds nothing.
    if (id === null || (!this.hub.peer(id) && this.cluster.nodeOf(id) === undefined)) return undefined;
    return id;
  }

  /** A /24 for `room` (homed here), claimed cluster-wide; undefined when none is free. */
  claimSubnet(room: Room): Promise<RoomSubnet | undefined> {
    const held = this.hub.addresses.roomSubnets.get(room);
    if (held) return Promise.resolve(held);
    let claim = this.subnetClaims.get(room);
    if (!claim) {
      claim = this.claimSubnetOnce(room).finally(() => this.subnetClaims.delete(room));
      this.subnetClaims.set(room, claim);
    }
    return claim;
  }

  private async claimSubnetOnce(room: Room): Promise<RoomSubnet | undefined> {
    const book = this.hub.addresses;
    for (let i = 0; i < DRAWS; i++) {
      const start = Math.floor(Math.random() * book.subnetCount);
      const index = (await this.redis.eval(CLAIM_SUBNET, 0, PREFIX, String(book.subnetCount), String(start), this.cluster.nodeId, room.name)) as number;
      if (index === -1) return undefined;
      if (index === -2) continue;
      return book.adoptSubnet(room, index);
    }
    throw new ServiceError('exhausted', 'no room subnet was found free; try again');
  }

  /** The room's /24 is freed (the room is gone); `room.name`'s holding in Redis with it. */
  releaseSubnet(room: Room): void {
    void this.forget(`r:${room.name}`);
  }

  private forget(field: string): Promise<void> {
    // One connection carries this node's claims, lookups and releases: Redis applies them in
    // the order they were made, so nothing here waits for a release before the next claim.
    return this.redis.eval(RELEASE, 0, PREFIX, this.cluster.nodeId, field).then(
      () => undefined,
      (error: unknown) => this.hub.log.warn({ err: error }, 'cluster: an address could not be freed in Redis'),
    );
  }
}
