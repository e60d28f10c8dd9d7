import { randomUUID } from 'node:crypto';
import type { Logger } from '../log/Logger.js';
import type { Metrics } from '../metrics/Metrics.js';
import { andThen, type Awaitable, type Store, type StoredEvent, type WebhookJob } from '../store/Store.js';
import { signWebhook } from './signature.js';

/** An event the engine hands to the third-party app server. */
export interface BridgeEvent {
  event: string;
  at: number;
  [field: string]: unknown;
}

export interface BridgeOptions {
  triggerUrl?: string;
  secret?: string;
  /** Keep events for `POST /api/bridge/inbox`. */
  inbox: boolean;
  inboxSize: number;
  /** Attempts per webhook before giving up, and the first retry delay (doubling). */
  maxAttempts: number;
  retryDelay: number;
  timeout: number;
  /** Webhooks waiting or retrying at once (rows of the store's queue); more are dropped and counted. */
  maxInFlight: number;
}

/**
 * The outbound side of the bridge: each event gets an `id`, is POSTed, signed, to
 * `BRIDGE_TRIGGER_URL` with retries and backoff, and/or queued in a bounded inbox the app server
 * drains. A webhook is a row of the store's queue with the time its next try is due, so with a
 * durable store its retries go on after a restart; the id (also in `x-mwse-event-id`) is the same
 * on every try, for the receiver to drop the repeats.
 */
export class Bridge {
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly options: BridgeOptions,
    private readonly store: Pick<Store, 'inbox' | 'webhooks'>,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    // Webhooks a previous run queued (a durable store) go on where they were.
    if (options.triggerUrl) this.contain(andThen(store.webhooks.pending(), (jobs) => jobs.forEach((job) => this.schedule(job))));
  }

  /** Queue `event`; returns once the inbox row and the webhook row are in the store. */
  emit(event: BridgeEvent): Awaitable<void> {
    const stored: StoredEvent = { id: randomUUID(), ...event };
    // Encoded first: an event that cannot be encoded must not sit in the inbox, where it would
    // fail the whole drain that takes it.
    let body: string;
    try {
      body = JSON.stringify(stored);
    } catch (error) {
      this.metrics.inc('mwse_dropped_total', 'bridge-unencodable');
      this.log.warn({ err: error, event: event.event }, 'bridge event could not be encoded');
      return;
    }
    const inboxed = this.options.inbox ? this.store.inbox.push(stored, this.options.inboxSize) : 0;
    return andThen(inboxed, (dropped) => {
      if (dropped > 0) this.metrics.inc('mwse_dropped_total', 'inbox-full', dropped);
      if (!this.options.triggerUrl) return;
      const job: WebhookJob = { id: stored.id, body, attempt: 1, nextAt: Date.now() };
      return andThen(this.store.webhooks.enqueue(job, this.options.maxInFlight), (queued) => {
        if (!queued) {
          this.metrics.inc('mwse_dropped_total', 'trigger-backlog');
          this.log.warn({ max: this.options.maxInFlight }, 'webhook dropped: too many waiting or retrying');
          return;
        }
        void this.attempt(job);
      });
    });
  }

  /** Take every queued event (the drain route). */
  drain(): Awaitable<BridgeEvent[]> {
    return this.store.inbox.drain();
  }

  /** Drop the events up to `ack`, return the oldest `limit` still queued (the read route). */
  read(ack: string | undefined, limit: number): Awaitable<BridgeEvent[]> {
    return this.store.inbox.read(ack, limit);
  }

  get inboxEnabled(): boolean {
    return this.options.inbox;
  }

  /** Stop sending; queued webhooks stay in the store for the next start. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private schedule(job: WebhookJob): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(job);
    }, Math.max(0, job.nextAt - Date.now()));
    timer.unref();
    this.timers.add(timer);
  }

  private async attempt(job: WebhookJob): Promise<void> {
    if (this.stopped) return;
    const failure = await this.post(job);
    // Stopped meanwhile: the store may be closed; the row stays and the next start tries again.
    if (this.stopped) return;
    try {
      if (failure === undefined) {
        this.metrics.inc('mwse_bridge_webhooks_total', 'delivered');
        await this.store.webhooks.remove(job.id);
        return;
      }
      if (job.attempt >= this.options.maxAttempts) {
        this.metrics.inc('mwse_dropped_total', 'trigger-gave-up');
        this.log.warn({ attempts: job.attempt, failure, id: job.id }, 'webhook given up');
        await this.store.webhooks.remove(job.id);
        return;
      }
      this.metrics.inc('mwse_bridge_webhooks_total', 'retried');
      this.log.debug({ attempt: job.attempt, failure, id: job.id }, 'webhook failed; retrying');
      const next = { ...job, attempt: job.attempt + 1, nextAt: Date.now() + this.options.retryDelay * 2 ** (job.attempt - 1) };
      await this.store.webhooks.reschedule(next);
      this.schedule(next);
    } catch (error) {
      this.log.error({ err: error, id: job.id }, 'a webhook could not be updated in the store');
    }
  }

  /** Log a store failure nobody waits on. */
  private contain(value: Awaitable<unknown>): void {
    if (value instanceof Promise) value.catch((error: unknown) => this.log.error({ err: error }, 'queued webhooks could not be read'));
  }

  /** One attempt: undefined when delivered, else why not. */
  private async post({ id, body }: WebhookJob): Promise<string | undefined> {
    const timestamp = String(Date.now());
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-mwse-timestamp': timestamp,
      'x-mwse-event-id': id,
    };
    if (this.options.secret) headers['x-mwse-signature'] = signWebhook(this.options.secret, timestamp, body);
    try {
      const response = await fetch(this.options.triggerUrl!, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeout),
      });
      await response.body?.cancel();
      return response.status >= 200 && response.status < 300 ? undefined : `status ${response.status}`;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }
}
