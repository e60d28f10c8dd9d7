import type { WireData } from '@mwse/protocol';

/**
 * A notification as the server keeps it until its recipient acknowledges it: the `notify` frame
 * already encoded, and what the quotas and expiry need. The decoded fields are not kept, so the
 * frame is the only copy in memory and delivery never encodes (never fails to encode) again.
 */
export interface StoredNotification {
  nid: string;
  /**
   * Whose quota it counts against: the sender's identity, else its client address (not its socket
   * id, which a reconnect would renew along with the quota).
   */
  sender: string;
  /** Recipient identity. */
  identity: string;
  expiresAt: number;
  /** The encoded `notify` frame, sent as is to each connection of the recipient. */
  frame: WireData;
  /** Size of `frame` in bytes: what the byte quotas count. */
  bytes: number;
}

/** Bounds of the store, in notifications and in bytes of encoded frames. */
export interface NotificationQuotas {
  /** Notifications waiting for one identity. */
  perIdentity: number;
  /** Notifications one sender (identity, else client address) has waiting across all recipients. */
  perSender: number;
  /** Notifications waiting in all: recipients are any strings a sender names, so bound the sum. */
  total: number;
  /** The same three bounds in bytes: a count alone lets a sender pin a frame-size each. */
  bytesPerIdentity: number;
  bytesPerSender: number;
  bytesTotal: number;
}

/**
 * Why {@link NotificationStore.put} refused a notification: a count or byte quota is full, or
 * (`oversized`) the notification alone is larger than a byte quota, so waiting will not help.
 */
export type QuotaRefusal = 'identity' | 'sender' | 'total' | 'identity-bytes' | 'sender-bytes' | 'total-bytes' | 'oversized';

/** How often, at most, a refusal sweeps every box for expired notifications before it stands. */
const SWEEP_ON_REFUSAL_EVERY = 1000;

/** Notifications waiting for one identity, with their byte sum. */
interface Box {
  items: Map<string, StoredNotification>;
  bytes: number;
}

/** What one sender has waiting. */
interface Tally {
  count: number;
  bytes: number;
}

/**
 * Store-and-forward for identities (SPEC §4, notify): bounded per recipient, per sender and in
 * all, in count and in bytes; expired by ttl, removed only by the recipient's ack. This is the
 * in-memory index every local store keeps (`store/MemoryStore.ts`); `SqliteStore` writes each
 * change it accepts to disk as well.
 */
export class NotificationStore {
  private readonly byIdentity = new Map<string, Box>();
  private readonly bySender = new Map<string, Tally>();
  private count = 0;
  private totalBytes = 0;
  private lastSweep = 0;

  /**
   * Keep `n`; says which quota is full when it cannot. The quotas come with each call, as a
   * store shared by engines (or a cluster store) takes them: they are the engine's options.
   */
  put(n: StoredNotification, q: NotificationQuotas, now = Date.now()): QuotaRefusal | undefined {
    if (n.bytes > Math.min(q.bytesPerIdentity, q.bytesPerSender, q.bytesTotal)) return 'oversized';
    this.expire(n.identity, now);
    let full = this.refusal(n, q);
    // Expired notifications of other recipients still count until a sweep (the engine runs one a
    // minute); a refusal sweeps first so expiry frees a sender's quota on time. Throttled: a
    // sender hammering a full quota must not make every frame walk the whole store.
    if (full && now - this.lastSweep >= SWEEP_ON_REFUSAL_EVERY) {
      this.sweep(now);
      full = this.refusal(n, q);
    }
    if (full) return full;
    const box = this.byIdentity.get(n.identity);
    if (box) {
      box.items.set(n.nid, n);
      box.bytes += n.bytes;
    } else {
      this.byIdentity.set(n.identity, { items: new Map([[n.nid, n]]), bytes: n.bytes });
    }
    const tally = this.bySender.get(n.sender);
    if (tally) {
      tally.count++;
      tally.bytes += n.bytes;
    } else {
      this.bySender.set(n.sender, { count: 1, bytes: n.bytes });
    }
    this.count++;
    this.totalBytes += n.bytes;
    return undefined;
  }

  /** Live notifications waiting for `identity`, oldest first. */
  waiting(identity: string, now = Date.now()): StoredNotification[] {
    this.expire(identity, now);
    return [...(this.byIdentity.get(identity)?.items.values() ?? [])];
  }

  get(identity: string, nid: string): StoredNotification | undefined {
    return this.byIdentity.get(identity)?.items.get(nid);
  }

  /** The recipient's SDK has it: forget it. */
  ack(identity: string, nid: string): boolean {
    const box = this.byIdentity.get(identity);
    const n = box?.items.get(nid);
    if (!box || !n) return false;
    this.remove(box, n);
    return true;
  }

  /** Drop expired notifications everywhere (run on a timer). */
  sweep(now = Date.now()): void {
    this.lastSweep = now;
    for (const identity of [...this.byIdentity.keys()]) this.expire(identity, now);
  }

  /** Notifications stored. */
  get size(): number {
    return this.count;
  }

  /** Bytes of encoded frames stored. */
  get bytes(): number {
    return this.totalBytes;
  }

  private refusal(n: StoredNotification, q: NotificationQuotas): QuotaRefusal | undefined {
    const box = this.byIdentity.get(n.identity);
    const tally = this.bySender.get(n.sender);
    if ((box?.items.size ?? 0) >= q.perIdentity) return 'identity';
    if ((tally?.count ?? 0) >= q.perSender) return 'sender';
    if (this.count >= q.total) return 'total';
    if ((box?.bytes ?? 0) + n.bytes > q.bytesPerIdentity) return 'identity-bytes';
    if ((tally?.bytes ?? 0) + n.bytes > q.bytesPerSender) return 'sender-bytes';
    if (this.totalBytes + n.bytes > q.bytesTotal) return 'total-bytes';
    return undefined;
  }

  private expire(identity: string, now: number): void {
    const box = this.byIdentity.get(identity);
    if (!box) return;
    for (const n of [...box.items.values()]) if (n.expiresAt <= now) this.remove(box, n);
  }

  private remove(box: Box, n: StoredNotification): void {
    box.items.delete(n.nid);
    box.bytes -= n.bytes;
    this.count--;
    this.totalBytes -= n.bytes;
    if (box.items.size === 0) this.byIdentity.delete(n.identity);
    const tally = this.bySender.get(n.sender);
    if (!tally) return;
    tally.count--;
    tally.bytes -= n.bytes;
    if (tally.count <= 0) this.bySender.delete(n.sender);
  }
}
