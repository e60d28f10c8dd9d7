import type { Logger } from '../log/Logger.js';
import type { ClusterRedis } from './RedisLink.js';

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

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
    if ((await this.redis.set(key, this.nodeId, 'NX')) === 'OK') return this.nodeId;
    const home = await this.redis.get(key);
    if (home !== null && home !== this.nodeId && this.isLive(home)) {
      this.homes.set(name, home);
      return home;
    }
    // Held by a node that is gone (or freed meanwhile): taken over.
    await this.redis.set(key, this.nodeId);
    return this.nodeId;
  }

  /** The room made here is gone: free its name. */
  release(name: string): void {
    this.redis.eval(RELEASE, 1, this.key(name), this.nodeId).catch((error: unknown) => {
      this.log.warn({ err: error, room: name }, 'cluster: a room name could not be freed');
    });
  }

  /** A node is gone: the homes it held are forgotten (its rooms with it). */
  forgetNode(node: string): void {
    for (const [name, home] of this.homes) if (home === node) this.homes.delete(name);
  }

  private key(name: string): string {
    return `mwse:cluster:room:${name}`;
  }
}
