import type { Logger } from '../log/Logger.js';
import { ServiceError } from '../ServiceError.js';
import type { ClusterRedis } from './RedisLink.js';

/** KEYS: the name's key, the node's index of names. ARGV: node, name. */
const RELEASE = `redis.call('SREM', KEYS[2], ARGV[2])
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
/** KEYS: the name's key, the node's index. ARGV: node, name. Answers the holder (this node when claimed). */
const CLAIM = `local home = redis.call('GET', KEYS[1])
if home then return home end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
return ARGV[1]`;
/** Take a name over from a node that is gone. KEYS: the name's key, this node's index. ARGV: node, name, the gone node. */
const TAKE_OVER = `if redis.call('GET', KEYS[1]) ~= ARGV[3] then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
return 1`;
/**
 * Free every name a gone node held (compare-and-delete: a name taken over meanwhile stays), and
 * its index. KEYS: the gone node's index. ARGV: the gone node, the name keys' prefix.
 */
const SWEEP = `local names = redis.call('SMEMBERS', KEYS[1])
local freed = 0
for _, name in ipairs(names) do
  local key = ARGV[2] .. name
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) freed = freed + 1 end
  local rec = ARGV[3] .. name
  if redis.call('HGET', rec, 'node') == ARGV[1] then redis.call('DEL', rec) end
end
redis.call('DEL', KEYS[1])
return freed`;

/**
 * Re-home the rooms of a dead node (resume on, with takeover): every name it still holds whose
 * room has a record (cluster/RoomMirror.ts) becomes this node's, with the record and the room's
 * /24; a name without a record is freed. The first node to run it takes them all; the ones after
 * find the dead node's index gone; none of it runs while the node holds its lease (it came back).
 * Answers name, record pairs of the rooms won.
 * ARGV: the dead node, this node, the cluster's prefix.
 */
const REHOME = `local dead, me, p = ARGV[1], ARGV[2], ARGV[3]
-- A node that holds its lease again (it was only cut off, and came back) keeps its rooms.
if redis.call('EXISTS', p .. 'lease:' .. dead) == 1 then return {} end
local index = p .. 'rooms-of:' .. dead
local won = {}
for _, name in ipairs(redis.call('SMEMBERS', index)) do
  local key = p .. 'room:' .. name
  if redis.call('GET', key) == dead then
    local rec = p .. 'roomrec:' .. name
    local d = redis.call('HGET', rec, 'd')
    if d and redis.call('HGET', rec, 'node') == dead then
      redis.call('SET', key, me)
      redis.call('SADD', p .. 'rooms-of:' .. me, name)
      redis.call('HSET', rec, 'node', me)
      local field = 'r:' .. name
      local s = redis.call('HGET', p .. 'addr:held:' .. dead, field)
      if s then
        redis.call('HDEL', p .. 'addr:held:' .. dead, field)
        redis.call('HSET', p .. 'addr:held:' .. me, field, s)
        if redis.call('GET', p .. 'addr:s:' .. s) == dead then redis.call('SET', p .. 'addr:s:' .. s, me) end
      end
      won[#won + 1] = name
      won[#won + 1] = d
    else
      redis.call('DEL', key)
      redis.call('DEL', rec)
    end
  end
end
redis.call('DEL', index)
return won`;

/**
 * Where each room lives: the node that created it claims its name in Redis
 * (`mwse:cluster:room:<name>`), so a name is unique cluster-wide, and frees it when the room
 * closes. Other nodes read the home once and cache it.
 */
export class RoomHomes {
  /** Homes read from Redis, by name (other nodes only). */
  private readonly homes = new Map<string, string>();
  private readonly claims = new Map<string, Promise<string>>();
  private readonly lookups = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly redis: ClusterRedis,
    private readonly nodeId: string,
    private readonly isLive: (node: string) => boolean,
    private readonly log: Logger,
  ) {}

  /**
   * The node where room `name` lives (cached), or undefined when no live node has it. Lookups of
   * one name share one read, so frames about a room leave in the order they came.
   */
  home(name: string): Promise<string | undefined> {
    // While a dead node's rooms are re-homed, a lookup waits for the new homes.
    if (this.rehoming.size > 0) return Promise.all(this.rehoming).then(() => this.home(name));
    const cached = this.homes.get(name);
    if (cached && this.isLive(cached)) return Promise.resolve(cached);
    let lookup = this.lookups.get(name);
    if (!lookup) {
      lookup = this.redis.get(this.key(name)).then(
        (home) => {
          this.lookups.delete(name);
          if (home === null || !this.isLive(home)) return undefined;
          if (home !== this.nodeId) this.homes.set(name, home);
          return home;
        },
        (error: unknown) => {
          this.lookups.delete(name);
          throw error;
        },
      );
      this.lookups.set(name, lookup);
    }
    return lookup;
  }

  /** Forget a cached home that answered it has no such room. */
  forget(name: string): void {
    this.homes.delete(name);
  }

  /**
   * Claim `name` for a room made here: resolves with this node's id when claimed (or already
   * ours), or the home another live node holds it from. Concurrent claims of one name share one.
   */
  claim(name: string): Promise<string> {
    let claim = this.claims.get(name);
    if (claim) return claim;
    claim = this.claimOnce(name).finally(() => this.claims.delete(name));
    this.claims.set(name, claim);
    return claim;
  }

  private async claimOnce(name: string): Promise<string> {
    const key = this.key(name);
    const index = this.indexKey(this.nodeId);
    for (let i = 0; i < 4; i++) {
      const home = (await this.redis.eval(CLAIM, 2, key, index, this.nodeId, name)) as string;
      if (home === this.nodeId) return home;
      if (this.isLive(home)) {
        this.homes.set(name, home);
        return home;
      }
      // Held by a node that is gone and not swept yet: taken over, unless another node did first.
      if ((await this.redis.eval(TAKE_OVER, 2, key, index, this.nodeId, name, home)) === 1) return this.nodeId;
    }
    throw new ServiceError('unreachable', `room "${name}" could not be claimed; try again`);
  }

  /** The room made here is gone: free its name. */
  release(name: string): void {
    this.redis.eval(RELEASE, 2, this.key(name), this.indexKey(this.nodeId), this.nodeId, name).catch((error: unknown) => {
      this.log.warn({ err: error, room: name }, 'cluster: a room name could not be freed');
    });
  }

  /**
   * A node is gone: free the names it held in Redis, so its rooms can be made again. Every node
   * that sees it gone may run this; the script is idempotent.
   */
  sweep(node: string): Promise<number> {
    return this.redis.eval(SWEEP, 1, this.indexKey(node), node, 'mwse:cluster:room:', 'mwse:cluster:roomrec:') as Promise<number>;
  }

  /** Re-homes of dead nodes' rooms in flight on this node. */
  private readonly rehoming = new Set<Promise<unknown>>();

  /**
   * `dead` died and its sessions may resume: its rooms that have a record are re-homed, on this
   * node if it is the first to ask (resolves with those rooms' names and records), the others
   * freed. Lookups of every room wait until this is done.
   */
  rehome(dead: string): Promise<[name: string, record: string][]> {
    const done = (this.redis.eval(REHOME, 0, dead, this.nodeId, 'mwse:cluster:') as Promise<string[]>).then((flat) => {
      const won: [string, string][] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) won.push([flat[i]!, flat[i + 1]!]);
      return won;
    });
    const settled = done.catch(() => undefined).finally(() => this.rehoming.delete(settled));
    this.rehoming.add(settled);
    return done;
  }

  /** The node holding each of `names` in Redis now (null: none). */
  async holders(names: string[]): Promise<(string | null)[]> {
    return names.length ? this.redis.mget(...names.map((name) => this.key(name))) : [];
  }

  /** A node is gone: the homes it held are forgotten (its rooms with it). */
  forgetNode(node: string): void {
    for (const [name, home] of this.homes) if (home === node) this.homes.delete(name);
  }

  private key(name: string): string {
    return `mwse:cluster:room:${name}`;
  }

  /** The names a node holds (so they can be freed when it dies). */
  private indexKey(node: string): string {
    return `mwse:cluster:rooms-of:${node}`;
  }
}
