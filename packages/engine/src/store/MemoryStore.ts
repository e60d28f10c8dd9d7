import { timingSafeEqual } from 'node:crypto';
import { NotificationStore, type NotificationQuotas, type QuotaRefusal, type StoredNotification } from '../services/NotificationStore.js';
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

/** Reply routes the server can still route, at most; the oldest are forgotten first. */
export const MAX_REPLY_ROUTES = 100_000;

/** Reply routes in insertion order, bounded. */
export class MemoryRoutes implements ReplyRoutes {
  protected readonly routes = new Map<string, ReplyRoute>();

  constructor(protected readonly max = MAX_REPLY_ROUTES) {}

  put(route: ReplyRoute): void {
    this.remember(route);
  }

  /** Remember `route` in memory; returns the nid forgotten to make room, if one was. */
  remember(route: ReplyRoute): string | undefined {
    let evicted: string | undefined;
    if (!this.routes.has(route.nid) && this.routes.size >= this.max) {
      evicted = this.routes.keys().next().value!;
      this.routes.delete(evicted);
    }
    this.routes.set(route.nid, route);
    return evicted;
  }

  get(nid: string): ReplyRoute | undefined {
    return this.routes.get(nid);
  }

  sweep(now: number): void {
    for (const [nid, route] of this.routes) if (route.expiresAt <= now) this.routes.delete(nid);
  }
}

/** Notifications with their quotas ({@link NotificationStore}) and the routes of their replies. */
export class MemoryNotifications implements NotificationBox {
  constructor(
    protected readonly index: NotificationStore,
    protected readonly routes: MemoryRoutes,
  ) {}

  put(n: StoredNotification, quotas: NotificationQuotas, now: number, route: ReplyRoute): QuotaRefusal | undefined {
    const full = this.index.put(n, quotas, now);
    if (!full) this.routes.put(route);
    return full;
  }

  waiting(identity: string, now = Date.now()): StoredNotification[] {
    return this.index.waiting(identity, now);
  }

  ack(identity: string, nid: string): boolean {
    return this.index.ack(identity, nid);
  }

  sweep(now = Date.now()): void {
    this.index.sweep(now);
    this.routes.sweep(now);
  }

  get size(): number {
    return this.index.size;
  }

  get bytes(): number {
    return this.index.bytes;
  }
}

/** API key digests; a lookup compares against every one, in constant time. */
export class MemoryKeys implements KeyRecords {
  protected readonly records: KeyRecord[] = [];

  add(record: KeyRecord, max: number): boolean {
    if (this.records.length >= max) return false;
    this.records.push(record);
    return true;
  }

  find(digest: Buffer): string | undefined {
    let domain: string | undefined;
    // No early exit: every stored digest is compared.
    for (const entry of this.records) if (timingSafeEqual(digest, entry.digest)) domain = entry.domain;
    return domain;
  }
}

/** The bridge inbox: a bounded queue that drops its oldest. */
export class MemoryInbox implements Inbox {
  protected events: StoredEvent[] = [];

  push(event: StoredEvent, max: number): number {
    this.events.push(event);
    const dropped = Math.max(0, this.events.length - max);
    if (dropped > 0) this.events.splice(0, dropped);
    return dropped;
  }

  drain(): StoredEvent[] {
    return this.events.splice(0);
  }

  read(ack: string | undefined, limit: number): StoredEvent[] {
    this.events.splice(0, this.acked(ack));
    return this.events.slice(0, limit);
  }

  /** How many events `ack` acknowledges: up to and including it, none if it is not queued. */
  protected acked(ack: string | undefined): number {
    return ack === undefined ? 0 : this.events.findIndex((event) => event.id === ack) + 1;
  }
}

/** Webhooks waiting or retrying, by event id. */
export class MemoryWebhooks implements WebhookQueue {
  protected readonly jobs = new Map<string, WebhookJob>();

  enqueue(job: WebhookJob, max: number): boolean {
    if (this.jobs.size >= max) return false;
    this.jobs.set(job.id, { ...job });
    return true;
  }

  reschedule(job: WebhookJob): void {
    if (this.jobs.has(job.id)) this.jobs.set(job.id, { ...job });
  }

  remove(id: string): void {
    this.jobs.delete(id);
  }

  pending(): WebhookJob[] {
    return [...this.jobs.values()].map((job) => ({ ...job }));
  }
}

/**
 * Everything in the process: what `createEngine()` uses unless told otherwise, so an embedded
 * engine writes no files. A restart forgets it all.
 */
export class MemoryStore implements Store {
  readonly kind: string = 'memory';
  readonly routes: MemoryRoutes;
  readonly notifications: NotificationBox;
  readonly keys: KeyRecords = new MemoryKeys();
  readonly inbox: Inbox = new MemoryInbox();
  readonly webhooks: WebhookQueue = new MemoryWebhooks();

  constructor() {
    this.routes = new MemoryRoutes();
    this.notifications = new MemoryNotifications(new NotificationStore(), this.routes);
  }

  close(): void {}
}
