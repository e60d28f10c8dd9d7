import type { NotificationQuotas, QuotaRefusal, StoredNotification } from '../services/NotificationStore.js';

/**
 * A value now, or later. Memory and SQLite answer synchronously (the single-node path pays no
 * Promise); a networked store (Redis) answers with a Promise. Callers go through {@link andThen}.
 */
export type Awaitable<T> = T | Promise<T>;

/** Run `next` on `value` at once when it is here, or when it resolves. */
export function andThen<T, R>(value: Awaitable<T>, next: (value: T) => Awaitable<R>): Awaitable<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}

/** What a reply to a notification needs to find its way back: kept until the notification expires. */
export interface ReplyRoute {
  nid: string;
  /** The sender's socket id when it sent the notification. */
  from: string;
  fromIdentity?: string;
  /** The recipient: an identity, or (`to`) a socket id for peer targets. */
  identity?: string;
  to?: string;
  actions?: { id: string }[];
  expiresAt: number;
}

/** Stored notifications, bounded by quotas given on each call (a store may serve several configs). */
export interface NotificationBox {
  /**
   * Keep `n`, and `route` in the same commit; says which quota is full when it cannot. Returns only
   * once both are durable: the sender is told `stored` after this.
   */
  put(n: StoredNotification, quotas: NotificationQuotas, now: number, route: ReplyRoute): Awaitable<QuotaRefusal | undefined>;
  /** Live notifications waiting for `identity`, oldest first. */
  waiting(identity: string, now?: number): Awaitable<StoredNotification[]>;
  /** The recipient has it: forget it. True when it was there. */
  ack(identity: string, nid: string): Awaitable<boolean>;
  /** Drop expired notifications and reply routes everywhere (run on a timer). */
  sweep(now?: number): Awaitable<void>;
  /** Notifications and bytes of encoded frames stored (for metrics; a cluster store may estimate). */
  readonly size: number;
  readonly bytes: number;
}

/** Reply routes by notification id, the oldest forgotten past a bound. */
export interface ReplyRoutes {
  /** Remember a route of a notification that was not stored (a peer target). */
  put(route: ReplyRoute): Awaitable<void>;
  get(nid: string): Awaitable<ReplyRoute | undefined>;
}

/** An API key as kept: its SHA-256 digest, never the key. */
export interface KeyRecord {
  digest: Buffer;
  domain: string;
  created: number;
}

/** API keys of the control plane. */
export interface KeyRecords {
  /** Keep `record` unless `max` keys exist; true once it is durable. */
  add(record: KeyRecord, max: number): Awaitable<boolean>;
  /** The domain of the key with this digest, compared in constant time; undefined when none. */
  find(digest: Buffer): Awaitable<string | undefined>;
}

/** A bridge event as queued and sent: `id` is the same on every attempt, for receivers to dedupe. */
export interface StoredEvent {
  id: string;
  event: string;
  at: number;
  [field: string]: unknown;
}

/** Bridge events waiting for `POST /api/bridge/inbox`. */
export interface Inbox {
  /** Queue `event`, dropping the oldest past `max`; returns how many were dropped. */
  push(event: StoredEvent, max: number): Awaitable<number>;
  /** Take every queued event, oldest first (at most once: they are gone before the caller has them). */
  drain(): Awaitable<StoredEvent[]>;
  /**
   * At least once: first drop every event up to and including the one whose id is `ack` (none
   * when no queued event has that id: it was acked or dropped already, and so was every older
   * one), then return the oldest `limit` events, which stay queued until a later call acks them.
   */
  read(ack: string | undefined, limit: number): Awaitable<StoredEvent[]>;
}

/** One webhook to POST: `attempt` is the number of the next try, `nextAt` when it is due. */
export interface WebhookJob {
  id: string;
  /** The JSON body exactly as signed and sent. */
  body: string;
  attempt: number;
  nextAt: number;
}

/** Webhooks waiting or retrying: rows with a due time, so retries outlive a restart. */
export interface WebhookQueue {
  /** Queue `job` unless `max` wait already; true once it is durable. */
  enqueue(job: WebhookJob, max: number): Awaitable<boolean>;
  /** Record a failed attempt: the job's next try and when it is due. */
  reschedule(job: WebhookJob): Awaitable<void>;
  /** Delivered or given up. */
  remove(id: string): Awaitable<void>;
  /** Every job waiting, for a restart to pick up. */
  pending(): Awaitable<WebhookJob[]>;
}

/**
 * The engine's durable state behind one seam (docs/storage.md): stored notifications with their
 * reply routes, API keys, the bridge inbox and webhook retries. `MemoryStore` keeps it in the
 * process; `SqliteStore` keeps the same in-memory indexes and writes each change to SQLite before
 * the call returns, so whatever the engine acknowledged survives kill -9.
 */
export interface Store {
  /** `memory`, `sqlite`, …: for logs and metrics. */
  readonly kind: string;
  readonly notifications: NotificationBox;
  readonly routes: ReplyRoutes;
  readonly keys: KeyRecords;
  readonly inbox: Inbox;
  readonly webhooks: WebhookQueue;
  /** Flush and release the backend; no call may follow. */
  close(): Awaitable<void>;
}
