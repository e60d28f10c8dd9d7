import { randomBytes } from 'node:crypto';
import type { Logger } from '../log/Logger.js';
import type { ClusterRedis } from './RedisLink.js';

/**
 * The cluster's epoch (docs/cluster.md, "Redis loses data"): a random value the first node sets in
 * Redis (`SET NX`), read by every node at start and again on its lease ticks. Redis that comes
 * back empty (restarted without persistence, flushed, a failover to a replica that lost writes)
 * has none or another: what the cluster kept there (session records, leases, room homes) is gone,
 * and this is told rather than hidden. Resume tokens carry the epoch they were issued under, so a
 * resume that finds nothing can say `state-lost` instead of `unknown`.
 */
export class Epoch {
  /** The epoch this node works under (new tokens carry it). */
  value = '';
  /** Times this node found the epoch changed (a gauge). */
  lost = 0;
  private checking = false;
  private inflight: Promise<boolean> | undefined;

  constructor(
    private readonly redis: ClusterRedis,
    private readonly key: string,
    private readonly log: Logger,
    /** Run once per change found, after `value` is the new epoch. */
    private readonly onLost: (from: string, to: string) => void,
  ) {}

  /** Set the epoch if Redis has none, and learn it. */
  async join(): Promise<void> {
    this.value = await this.current();
  }

  /** The epoch in Redis now, set first if there is none. */
  private async current(): Promise<string> {
    const found = await this.redis.get(this.key);
    if (found !== null) return found;
    await this.redis.set(this.key, randomBytes(8).toString('hex'), 'NX');
    return (await this.redis.get(this.key)) ?? '';
  }

  /**
   * Compare Redis's epoch with this node's (called on lease ticks, and by a resume that found
   * nothing). True when it differs: then the change is logged, counted and handled once.
   */
  check(): Promise<boolean> {
    // One read in flight at a time: a storm of refused resumes queues nothing behind the lease.
    this.inflight ??= this.read().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async read(): Promise<boolean> {
    const found = await this.redis.get(this.key);
    if (found === this.value) return false;
    if (this.checking) return true;
    this.checking = true;
    try {
      const now = found ?? (await this.current());
      if (now === this.value) return false;
      const from = this.value;
      this.value = now;
      this.lost += 1;
      this.log.error(
        { from, to: now },
        'cluster: Redis lost the cluster’s state (restarted empty, flushed, or failed over to a replica that lost writes); sessions kept there cannot be resumed',
      );
      this.onLost(from, now);
      return true;
    } finally {
      this.checking = false;
    }
  }

  /** The epoch a resume token names (`<secret>.<epoch>`), if it names one. */
  static of(token: string): string | undefined {
    const dot = token.lastIndexOf('.');
    return dot < 0 ? undefined : token.slice(dot + 1);
  }
}
