import type { Logger } from '../log/Logger.js';
import type { Metrics } from '../metrics/Metrics.js';
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
  /** Webhooks waiting or retrying at once; more are dropped and counted. */
  maxInFlight: number;
}

/**
 * The outbound side of the bridge: each event is POSTed, signed, to `BRIDGE_TRIGGER_URL` with
 * retries and backoff, and/or queued in a bounded inbox the app server drains.
 */
export class Bridge {
  private readonly inbox: BridgeEvent[] = [];
  private inFlight = 0;
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly options: BridgeOptions,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  emit(event: BridgeEvent): void {
    // Encoded first: an event that cannot be encoded must not sit in the inbox, where it would
    // fail the whole drain that takes it.
    let body: string;
    try {
      body = JSON.stringify(event);
    } catch (error) {
      this.metrics.inc('mwse_dropped_total', 'bridge-unencodable');
      this.log.warn({ err: error, event: event.event }, 'bridge event could not be encoded');
      return;
    }
    if (this.options.inbox) {
      if (this.inbox.length >= this.options.inboxSize) {
        this.inbox.shift();
        this.metrics.inc('mwse_dropped_total', 'inbox-full');
      }
      this.inbox.push(event);
    }
    if (this.options.triggerUrl) this.deliver(body);
  }

  /** Take every queued event (the drain route). */
  drain(): BridgeEvent[] {
    return this.inbox.splice(0);
  }

  get inboxEnabled(): boolean {
    return this.options.inbox;
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private deliver(body: string): void {
    if (this.inFlight >= this.options.maxInFlight) {
      this.metrics.inc('mwse_dropped_total', 'trigger-backlog');
      this.log.warn({ inFlight: this.inFlight }, 'webhook dropped: too many waiting or retrying');
      return;
    }
    this.inFlight++;
    void this.attempt(body, 1);
  }

  private async attempt(body: string, attempt: number): Promise<void> {
    if (this.stopped) {
      this.inFlight--;
      return;
    }
    const failure = await this.post(body);
    if (failure === undefined) {
      this.metrics.inc('mwse_bridge_webhooks_total', 'delivered');
      this.inFlight--;
      return;
    }
    if (attempt >= this.options.maxAttempts) {
      this.metrics.inc('mwse_dropped_total', 'trigger-gave-up');
      this.log.warn({ attempts: attempt, failure }, 'webhook given up');
      this.inFlight--;
      return;
    }
    this.metrics.inc('mwse_bridge_webhooks_total', 'retried');
    this.log.debug({ attempt, failure }, 'webhook failed; retrying');
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(body, attempt + 1);
    }, this.options.retryDelay * 2 ** (attempt - 1));
    timer.unref();
    this.timers.add(timer);
  }

  /** One attempt: undefined when delivered, else why not. */
  private async post(body: string): Promise<string | undefined> {
    const timestamp = String(Date.now());
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-mwse-timestamp': timestamp,
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
