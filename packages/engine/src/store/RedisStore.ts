import { requireIoredis } from '../requireIoredis.js';
import type { NotificationQuotas, QuotaRefusal, StoredNotification } from '../services/NotificationStore.js';
import { MAX_REPLY_ROUTES } from './MemoryStore.js';
import * as scripts from './redisScripts.js';
import type {
  Inbox,
  KeyRecord,
  KeyRecords,
  NotificationBox,
  ReplyRoute,
  ReplyRoutes,
  Store,
  StoredEvent,
  WebhookJob,
  WebhookQueue,
} from './Store.js';

/** Options of {@link RedisStore.open}. */
export interface RedisStoreOptions {
  /** Prefix of every key the store writes (default `mwse:`): engines sharing it share the state. */
  prefix?: string;
  /** How long the first connection may take before `open` fails (ms, default 5000). */
  connectTimeout?: number;
}

type Reply = string | number | Buffer | null | Reply[];
type Script = (...args: (string | number | Buffer)[]) => Promise<Reply>;

/** The part of an ioredis client the store uses, so the engine's types need no ioredis. */
interface RedisClient {
  defineCommand(name: string, definition: { numberOfKeys: number; lua: string }): void;
  connect(): Promise<void>;
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
  hget(key: string, field: string): Promise<string | null>;
  hmget(key: string, ...fields: string[]): Promise<(string | null)[]>;
  [script: string]: unknown;
}

type RedisConstructor = new (url: string, options: Record<string, unknown>) => RedisClient;

/** ioredis, loaded on first use: the engine does not need it unless a Redis store is asked for. */
function loadIoredis(): RedisConstructor {
  try {
    return requireIoredis() as RedisConstructor;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`the redis store needs the "ioredis" package (npm install ioredis): ${reason}`);
  }
}

/** {@link RedisStore.open} could not reach or use Redis (refused, timed out, bad password, …). */
export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
}

/** A quota Lua can compare: an unbounded one (Infinity) becomes the largest double. */
const bound = (value: number) => (Number.isFinite(value) ? value : Number.MAX_VALUE);
const text = (reply: Reply) => (Buffer.isBuffer(reply) ? reply.toString('utf8') : String(reply));

/** How many expired notifications (and routes) one sweep call drops; the sweep repeats up to SWEEP_ROUNDS. */
const SWEEP_BATCH = 1000;
const SWEEP_ROUNDS = 100;

/** The scripts, by the name they are defined under on the client. */
const SCRIPTS = {
  mwsePutNotification: scripts.PUT_NOTIFICATION,
  mwseWaiting: scripts.WAITING,
  mwseAck: scripts.ACK,
  mwseSweep: scripts.SWEEP,
  mwsePutRoute: scripts.PUT_ROUTE,
  mwseAddKey: scripts.ADD_KEY,
  mwsePushInbox: scripts.PUSH_INBOX,
  mwseDrainInbox: scripts.DRAIN_INBOX,
  mwseReadInbox: scripts.READ_INBOX,
  mwseEnqueueWebhook: scripts.ENQUEUE_WEBHOOK,
  mwseRescheduleWebhook: scripts.RESCHEDULE_WEBHOOK,
  mwseRemoveWebhook: scripts.REMOVE_WEBHOOK,
  mwsePendingWebhooks: scripts.PENDING_WEBHOOKS,
} as const;

/** One client and its prefix, shared by the tables. */
class Connection {
  constructor(
    readonly redis: RedisClient,
    readonly prefix: string,
  ) {}

  /** Run script `name` (with Buffer replies when `buffers`) on the prefix and `args`. */
  run(name: keyof typeof SCRIPTS, args: (string | number | Buffer)[], buffers = false): Promise<Reply> {
    const script = this.redis[buffers ? `${name}Buffer` : name] as Script;
    return script.call(this.redis, this.prefix, ...args);
  }
}

class RedisRoutes implements ReplyRoutes {
  constructor(
    private readonly conn: Connection,
    private readonly max: number,
  ) {}

  async put(route: ReplyRoute): Promise<void> {
    await this.conn.run('mwsePutRoute', [route.nid, JSON.stringify(route), route.expiresAt, this.max]);
  }

  async get(nid: string): Promise<ReplyRoute | undefined> {
    const json = await this.conn.redis.hget(`${this.conn.prefix}routes`, nid);
    return json === null ? undefined : (JSON.parse(json) as ReplyRoute);
  }
}

class RedisNotifications implements NotificationBox {
  /** The totals as of the last script this engine ran: other engines' changes show up on the next one. */
  size = 0;
  bytes = 0;

  constructor(
    private readonly conn: Connection,
    private readonly maxRoutes: number,
  ) {}

  /** Take the cluster-wide totals a script returned. */
  private totals(count: Reply, bytes: Reply): void {
    this.size = Number(count);
    this.bytes = Number(bytes);
  }

  async put(n: StoredNotification, q: NotificationQuotas, now: number, route: ReplyRoute): Promise<QuotaRefusal | undefined> {
    const binary = typeof n.frame !== 'string';
    const frame = typeof n.frame === 'string' ? n.frame : Buffer.from(n.frame.buffer, n.frame.byteOffset, n.frame.byteLength);
    const reply = (await this.conn.run('mwsePutNotification', [
      n.nid,
      n.identity,
      n.sender,
      n.expiresAt,
      binary ? 1 : 0,
      frame,
      n.bytes,
      now,
      bound(q.perIdentity),
      bound(q.perSender),
      bound(q.total),
      bound(q.bytesPerIdentity),
      bound(q.bytesPerSender),
      bound(q.bytesTotal),
      JSON.stringify(route),
      route.expiresAt,
      this.maxRoutes,
    ])) as Reply[];
    this.totals(reply[1]!, reply[2]!);
    const full = text(reply[0]!);
    return full === '' ? undefined : (full as QuotaRefusal);
  }

  async waiting(identity: string, now = Date.now()): Promise<StoredNotification[]> {
    const reply = (await this.conn.run('mwseWaiting', [identity, now], true)) as Reply[];
    this.totals(reply[0]!, reply[1]!);
    const out: StoredNotification[] = [];
    for (let i = 2; i + 4 < reply.length; i += 5) {
      const raw = reply[i + 4] as Buffer;
      const frame = text(reply[i + 3]!) === '1' ? new Uint8Array(raw) : raw.toString('utf8');
      out.push({
        nid: text(reply[i]!),
        identity,
        sender: text(reply[i + 1]!),
        expiresAt: Number(text(reply[i + 2]!)),
        frame,
        bytes: raw.byteLength,
      });
    }
    return out;
  }

  async ack(identity: string, nid: string): Promise<boolean> {
    const reply = (await this.conn.run('mwseAck', [identity, nid])) as Reply[];
    this.totals(reply[1]!, reply[2]!);
    return reply[0] === 1;
  }

  async sweep(now = Date.now()): Promise<void> {
    // Bounded: each round drops up to a batch; a backlog larger than all rounds waits for the next sweep.
    for (let round = 0; round < SWEEP_ROUNDS; round++) {
      const reply = (await this.conn.run('mwseSweep', [now, SWEEP_BATCH])) as Reply[];
      this.totals(reply[2]!, reply[3]!);
      if (Number(reply[0]) < SWEEP_BATCH && Number(reply[1]) < SWEEP_BATCH) return;
    }
  }

  /** Read the totals once, on open. */
  async load(): Promise<void> {
    const [count, bytes] = await this.conn.redis.hmget(`${this.conn.prefix}nt`, 'c', 'b');
    this.totals(count ?? 0, bytes ?? 0);
  }
}

/**
 * API keys by the hex of their SHA-256 digest. A lookup is a hash lookup, not a constant-time
 * scan: a caller picks the key, not its digest, so how long finding a digest takes tells them
 * nothing about a stored one.
 */
class RedisKeys implements KeyRecords {
  constructor(private readonly conn: Connection) {}

  async add(record: KeyRecord, max: number): Promise<boolean> {
    const json = JSON.stringify({ domain: record.domain, created: record.created });
    return (await this.conn.run('mwseAddKey', [record.digest.toString('hex'), json, max])) === 1;
  }

  async find(digest: Buffer): Promise<string | undefined> {
    const json = await this.conn.redis.hget(`${this.conn.prefix}keys`, digest.toString('hex'));
    return json === null ? undefined : (JSON.parse(json) as { domain: string }).domain;
  }
}

/** The bridge inbox as a stream trimmed to its bound; a drain takes (and deletes) it in one step, a read trims what it acks. */
class RedisInbox implements Inbox {
  constructor(private readonly conn: Connection) {}

  async push(event: StoredEvent, max: number): Promise<number> {
    return Number(await this.conn.run('mwsePushInbox', [JSON.stringify(event), max]));
  }

  async drain(): Promise<StoredEvent[]> {
    return RedisInbox.events(await this.conn.run('mwseDrainInbox', []));
  }

  async read(ack: string | undefined, limit: number): Promise<StoredEvent[]> {
    return RedisInbox.events(await this.conn.run('mwseReadInbox', [ack ?? '', limit]));
  }

  private static events(reply: unknown): StoredEvent[] {
    return (reply as Reply[]).map((json) => JSON.parse(text(json)) as StoredEvent);
  }
}

/** Webhook rows by event id, in the order queued, with their due times also in a sorted set. */
class RedisWebhooks implements WebhookQueue {
  constructor(private readonly conn: Connection) {}

  private static row(job: WebhookJob): string {
    return JSON.stringify({ body: job.body, attempt: job.attempt, nextAt: job.nextAt });
  }

  async enqueue(job: WebhookJob, max: number): Promise<boolean> {
    return (await this.conn.run('mwseEnqueueWebhook', [job.id, RedisWebhooks.row(job), job.nextAt, max])) === 1;
  }

  async reschedule(job: WebhookJob): Promise<void> {
    await this.conn.run('mwseRescheduleWebhook', [job.id, RedisWebhooks.row(job), job.nextAt]);
  }

  async remove(id: string): Promise<void> {
    await this.conn.run('mwseRemoveWebhook', [id]);
  }

  async pending(): Promise<WebhookJob[]> {
    const reply = (await this.conn.run('mwsePendingWebhooks', [])) as Reply[];
    const jobs: WebhookJob[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      const row = JSON.parse(text(reply[i + 1]!)) as Omit<WebhookJob, 'id'>;
      jobs.push({ id: text(reply[i]!), body: row.body, attempt: row.attempt, nextAt: row.nextAt });
    }
    return jobs;
  }
}

/**
 * Durable state in Redis, through ioredis: every call is one Lua script (or one read), so quotas
 * hold across every engine sharing the Redis, and a call returns once Redis has applied it. How
 * much survives a crash of Redis itself is Redis's persistence: run it with `appendonly yes`
 * (docs/storage.md). Nothing is cached in the process but the notification totals for metrics.
 *
 * @example
 * const engine = await createEngine({ store: { redis: 'redis://cache.example:6379/0' } });
 */
export class RedisStore implements Store {
  readonly kind = 'redis';
  readonly routes: ReplyRoutes;
  readonly notifications: RedisNotifications;
  readonly keys: KeyRecords;
  readonly inbox: Inbox;
  readonly webhooks: WebhookQueue;

  private constructor(private readonly redis: RedisClient, prefix: string) {
    const conn = new Connection(redis, prefix);
    this.routes = new RedisRoutes(conn, MAX_REPLY_ROUTES);
    this.notifications = new RedisNotifications(conn, MAX_REPLY_ROUTES);
    this.keys = new RedisKeys(conn);
    this.inbox = new RedisInbox(conn);
    this.webhooks = new RedisWebhooks(conn);
  }

  /**
   * Connect to `url` (`redis://[user:password@]host:port/db`, or `rediss://` for TLS). Fails
   * with the reason when the first connection does (a refused connection, a bad password): a
   * server must not start on a store it cannot reach. Later drops are retried with backoff and
   * calls wait for the connection (or fail after a few retries, like any store error).
   */
  static async open(url: string, options: RedisStoreOptions = {}): Promise<RedisStore> {
    const Redis = loadIoredis();
    let opened = false;
    let lastError: Error | undefined;
    const redis = new Redis(url, {
      lazyConnect: true,
      connectTimeout: options.connectTimeout ?? 5000,
      // No retry before the first connection (open fails at once); a backoff up to 2 s after.
      retryStrategy: (times: number) => (opened ? Math.min(times * 100, 2000) : null),
      maxRetriesPerRequest: 20,
    });
    // An ioredis client without an error listener crashes the process on the first drop.
    redis.on('error', (error) => {
      lastError = error;
    });
    for (const [name, lua] of Object.entries(SCRIPTS)) redis.defineCommand(name, { numberOfKeys: 0, lua });
    try {
      await redis.connect();
      const store = new RedisStore(redis, options.prefix ?? 'mwse:');
      await store.notifications.load();
      opened = true;
      return store;
    } catch (error) {
      redis.disconnect();
      const reason = lastError?.message ?? (error instanceof Error ? error.message : String(error));
      throw new RedisUnavailableError(`cannot use Redis at ${redacted(url)}: ${reason}`);
    }
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** `url` without its password, for error messages and logs. */
export function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an invalid URL)';
  }
}
