import type { NotificationQuotas, NotificationStore, QuotaRefusal, StoredNotification } from '../services/NotificationStore.js';
import { MemoryInbox, MemoryKeys, MemoryNotifications, MemoryRoutes, MemoryWebhooks } from './MemoryStore.js';
import type { SqliteDatabase } from './sqliteSchema.js';
import type { KeyRecord, ReplyRoute, StoredEvent, WebhookJob } from './Store.js';

/*
 * Each table keeps the memory implementation as its index (reads never touch the disk) and
 * commits every change to SQLite before it returns. Where the memory side must decide first
 * (a quota), a failed commit undoes it, so nothing is acknowledged that is not on disk.
 */

/** Every row is taken back on open, whatever the quotas say now: each was acknowledged once. */
const UNBOUNDED: NotificationQuotas = {
  perIdentity: Infinity,
  perSender: Infinity,
  total: Infinity,
  bytesPerIdentity: Infinity,
  bytesPerSender: Infinity,
  bytesTotal: Infinity,
};

const wire = (frame: unknown): string | Uint8Array =>
  typeof frame === 'string' ? frame : new Uint8Array(frame as ArrayBuffer);
const byteLength = (data: string | Uint8Array) => (typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength);

export class SqliteRoutes extends MemoryRoutes {
  private readonly insert;
  private readonly delete;

  constructor(private readonly db: SqliteDatabase, now: number) {
    super();
    this.insert = db.prepare('INSERT OR REPLACE INTO reply_routes (nid, route, expires_at) VALUES (?, ?, ?)');
    this.delete = db.prepare('DELETE FROM reply_routes WHERE nid = ?');
    db.prepare('DELETE FROM reply_routes WHERE expires_at <= ?').run([now]);
    for (const row of db.prepare('SELECT route FROM reply_routes ORDER BY rowid').all()) {
      const evicted = super.remember(JSON.parse(row.route as string) as ReplyRoute);
      if (evicted) this.delete.run([evicted]);
    }
  }

  override put(route: ReplyRoute): void {
    this.db.transaction(() => this.write(route))();
    this.remember(route);
  }

  /** The row of `route`, within the caller's transaction; the one memory will forget goes too. */
  write(route: ReplyRoute): void {
    this.insert.run([route.nid, JSON.stringify(route), route.expiresAt]);
    const full = this.routes.size >= this.max && !this.routes.has(route.nid);
    const oldest = full ? this.routes.keys().next().value : undefined;
    if (oldest !== undefined) this.delete.run([oldest]);
  }

  override sweep(now: number): void {
    super.sweep(now);
    this.db.prepare('DELETE FROM reply_routes WHERE expires_at <= ?').run([now]);
  }
}

export class SqliteNotifications extends MemoryNotifications {
  private readonly insert;
  private readonly delete;

  constructor(
    private readonly db: SqliteDatabase,
    index: NotificationStore,
    private readonly sqliteRoutes: SqliteRoutes,
    now: number,
  ) {
    super(index, sqliteRoutes);
    this.insert = db.prepare('INSERT INTO notifications (nid, identity, sender, expires_at, frame) VALUES (?, ?, ?, ?, ?)');
    this.delete = db.prepare('DELETE FROM notifications WHERE nid = ?');
    db.prepare('DELETE FROM notifications WHERE expires_at <= ?').run([now]);
    const rows = db.prepare('SELECT nid, identity, sender, expires_at, frame FROM notifications ORDER BY rowid').all();
    for (const row of rows) {
      const frame = wire(row.frame);
      const n: StoredNotification = {
        nid: row.nid as string,
        identity: row.identity as string,
        sender: row.sender as string,
        expiresAt: row.expires_at as number,
        frame,
        bytes: byteLength(frame),
      };
      index.put(n, UNBOUNDED, now);
    }
  }

  override put(n: StoredNotification, quotas: NotificationQuotas, now: number, route: ReplyRoute): QuotaRefusal | undefined {
    const full = this.index.put(n, quotas, now);
    if (full) return full;
    try {
      this.db.transaction(() => {
        this.insert.run([n.nid, n.identity, n.sender, n.expiresAt, n.frame]);
        this.sqliteRoutes.write(route);
      })();
    } catch (error) {
      this.index.ack(n.identity, n.nid);
      throw error;
    }
    this.sqliteRoutes.remember(route);
    return undefined;
  }

  override ack(identity: string, nid: string): boolean {
    if (!this.index.ack(identity, nid)) return false;
    this.delete.run([nid]);
    return true;
  }

  override sweep(now = Date.now()): void {
    super.sweep(now);
    this.db.prepare('DELETE FROM notifications WHERE expires_at <= ?').run([now]);
  }
}

export class SqliteKeys extends MemoryKeys {
  private readonly insert;

  constructor(db: SqliteDatabase) {
    super();
    this.insert = db.prepare('INSERT INTO api_keys (digest, domain, created) VALUES (?, ?, ?)');
    for (const row of db.prepare('SELECT digest, domain, created FROM api_keys ORDER BY rowid').all()) {
      const digest = Buffer.from(row.digest as ArrayBuffer);
      this.records.push({ digest, domain: row.domain as string, created: row.created as number });
    }
  }

  override add(record: KeyRecord, max: number): boolean {
    if (this.records.length >= max) return false;
    this.insert.run([record.digest, record.domain, record.created]);
    return super.add(record, max);
  }
}

export class SqliteInbox extends MemoryInbox {
  private readonly insert;
  private readonly dropOldest;
  private readonly clear;

  constructor(private readonly db: SqliteDatabase) {
    super();
    this.insert = db.prepare('INSERT INTO inbox (event) VALUES (?)');
    this.dropOldest = db.prepare('DELETE FROM inbox WHERE seq IN (SELECT seq FROM inbox ORDER BY seq LIMIT ?)');
    this.clear = db.prepare('DELETE FROM inbox');
    this.events = db.prepare('SELECT event FROM inbox ORDER BY seq').all().map((row) => JSON.parse(row.event as string) as StoredEvent);
  }

  override push(event: StoredEvent, max: number): number {
    const dropped = Math.max(0, this.events.length + 1 - max);
    this.db.transaction(() => {
      this.insert.run([JSON.stringify(event)]);
      if (dropped > 0) this.dropOldest.run([dropped]);
    })();
    return super.push(event, max);
  }

  override drain(): StoredEvent[] {
    this.clear.run();
    return super.drain();
  }

  override read(ack: string | undefined, limit: number): StoredEvent[] {
    // Rows and the in-memory copy are in the same order: the first `acked` rows are the ones.
    const acked = this.acked(ack);
    if (acked > 0) this.dropOldest.run([acked]);
    return super.read(ack, limit);
  }
}

export class SqliteWebhooks extends MemoryWebhooks {
  private readonly insert;
  private readonly update;
  private readonly delete;

  constructor(db: SqliteDatabase) {
    super();
    this.insert = db.prepare('INSERT OR REPLACE INTO webhooks (id, body, attempt, next_at) VALUES (?, ?, ?, ?)');
    this.update = db.prepare('UPDATE webhooks SET attempt = ?, next_at = ? WHERE id = ?');
    this.delete = db.prepare('DELETE FROM webhooks WHERE id = ?');
    for (const row of db.prepare('SELECT id, body, attempt, next_at FROM webhooks ORDER BY rowid').all()) {
      const job: WebhookJob = { id: row.id as string, body: row.body as string, attempt: row.attempt as number, nextAt: row.next_at as number };
      this.jobs.set(job.id, job);
    }
  }

  override enqueue(job: WebhookJob, max: number): boolean {
    if (this.jobs.size >= max) return false;
    this.insert.run([job.id, job.body, job.attempt, job.nextAt]);
    return super.enqueue(job, max);
  }

  override reschedule(job: WebhookJob): void {
    if (!this.jobs.has(job.id)) return;
    this.update.run([job.attempt, job.nextAt, job.id]);
    super.reschedule(job);
  }

  override remove(id: string): void {
    if (!this.jobs.has(id)) return;
    this.delete.run([id]);
    super.remove(id);
  }
}
