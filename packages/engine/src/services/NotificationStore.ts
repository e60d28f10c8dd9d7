/** A notification as the server keeps it until its recipient acknowledges it. */
export interface StoredNotification {
  nid: string;
  /** Sender's socket id, and identity when it has one. */
  from: string;
  fromIdentity?: string;
  /**
   * Whose quota it counts against: the sender's identity, else its client address (not its socket
   * id, which a reconnect would renew along with the quota).
   */
  sender: string;
  /** Recipient identity. */
  identity: string;
  title: string;
  body?: string;
  actions?: { id: string; title: string }[];
  data?: unknown;
  sentAt: number;
  expiresAt: number;
}

export interface NotificationQuotas {
  /** Notifications waiting for one identity. */
  perIdentity: number;
  /** Notifications one sender (identity, else client address) has waiting across all recipients. */
  perSender: number;
  /** Notifications waiting in all: recipients are any strings a sender names, so bound the sum. */
  total: number;
}

/** Why {@link NotificationStore.put} refused a notification. */
export type QuotaRefusal = 'identity' | 'sender' | 'total';

/**
 * Store-and-forward for identities (SPEC §4, notify): bounded per recipient and per sender,
 * expired by ttl, removed only by the recipient's ack.
 */
export class NotificationStore {
  private readonly byIdentity = new Map<string, Map<string, StoredNotification>>();
  private readonly perSender = new Map<string, number>();
  private count = 0;

  constructor(private readonly quotas: NotificationQuotas) {}

  /** Keep `n`; says which quota is full when it cannot. */
  put(n: StoredNotification): QuotaRefusal | undefined {
    const box = this.byIdentity.get(n.identity);
    if ((box?.size ?? 0) >= this.quotas.perIdentity) return 'identity';
    if ((this.perSender.get(n.sender) ?? 0) >= this.quotas.perSender) return 'sender';
    if (this.count >= this.quotas.total) return 'total';
    if (box) box.set(n.nid, n);
    else this.byIdentity.set(n.identity, new Map([[n.nid, n]]));
    this.perSender.set(n.sender, (this.perSender.get(n.sender) ?? 0) + 1);
    this.count++;
    return undefined;
  }

  /** Live notifications waiting for `identity`, oldest first. */
  waiting(identity: string, now = Date.now()): StoredNotification[] {
    this.expire(identity, now);
    return [...(this.byIdentity.get(identity)?.values() ?? [])];
  }

  get(identity: string, nid: string): StoredNotification | undefined {
    return this.byIdentity.get(identity)?.get(nid);
  }

  /** The recipient's SDK has it: forget it. */
  ack(identity: string, nid: string): boolean {
    const box = this.byIdentity.get(identity);
    const n = box?.get(nid);
    if (!box || !n) return false;
    this.remove(box, n);
    return true;
  }

  /** Drop expired notifications everywhere (run on a timer). */
  sweep(now = Date.now()): void {
    for (const identity of [...this.byIdentity.keys()]) this.expire(identity, now);
  }

  get size(): number {
    return this.count;
  }

  private expire(identity: string, now: number): void {
    const box = this.byIdentity.get(identity);
    if (!box) return;
    for (const n of [...box.values()]) if (n.expiresAt <= now) this.remove(box, n);
  }

  private remove(box: Map<string, StoredNotification>, n: StoredNotification): void {
    box.delete(n.nid);
    this.count--;
    if (box.size === 0) this.byIdentity.delete(n.identity);
    const left = (this.perSender.get(n.sender) ?? 1) - 1;
    if (left <= 0) this.perSender.delete(n.sender);
    else this.perSender.set(n.sender, left);
  }
}
