import { MWSEError } from './MWSEError.js';

/** One frame sent with an `id`, waiting for its `result`, `error` or `response`. */
export interface PendingCall {
  resolve(data: unknown): void;
  reject(error: MWSEError): void;
  /** Target peer of a `request/to`, so a `peer/disconnect` can reject it. */
  to?: string;
  /** Milliseconds before it fails with `timeout`; `Infinity` or 0 for never. */
  timeout: number;
  /** Runs when the call fails without an answer (timeout, peer gone): unqueue it, or cancel it. */
  abandon?(written: boolean, reason: MWSEError): void;
}

interface Entry extends PendingCall {
  written: boolean;
  timer?: ReturnType<typeof setTimeout>;
}

// setTimeout fires at once for delays over 2^31-1 ms; longer timeouts are capped to it (~24.8 days).
const maxTimerDelay = 2 ** 31 - 1;

/**
 * The correlation table: every id in flight and how to settle it. Ids are never reused within one
 * client (they keep counting across reconnects), so a late answer can never settle the wrong call.
 */
export class PendingCalls {
  #next = 0;
  #entries = new Map<number, Entry>();

  /** How many calls are waiting. */
  get size(): number {
    return this.#entries.size;
  }

  /** Registers a call and returns its id. */
  open(call: PendingCall): number {
    const id = ++this.#next;
    const entry: Entry = { ...call, written: false };
    if (call.timeout > 0 && Number.isFinite(call.timeout)) {
      entry.timer = setTimeout(
        () => this.#fail(id, new MWSEError('timeout', `no answer within ${call.timeout} ms`)),
        Math.min(call.timeout, maxTimerDelay),
      );
    }
    this.#entries.set(id, entry);
    return id;
  }

  /** The frame of call `id` reached a socket; a disconnect now means it may be lost. */
  written(id: number): void {
    const entry = this.#entries.get(id);
    if (entry) entry.written = true;
  }

  /** Settles call `id` with an answer. False when it is unknown (finished, timed out). */
  resolve(id: number, data: unknown): boolean {
    const entry = this.#take(id);
    entry?.resolve(data);
    return entry !== undefined;
  }

  /** Fails call `id` with the server's or the peer's refusal. */
  reject(id: number, error: MWSEError): boolean {
    const entry = this.#take(id);
    entry?.reject(error);
    return entry !== undefined;
  }

  /** Fails every call to `peer` (it disconnected) with `peer-disconnected`. */
  rejectTo(peer: string): void {
    for (const [id, entry] of this.#entries) {
      if (entry.to === peer) this.#fail(id, new MWSEError('peer-disconnected'));
    }
  }

  /** Fails every call that reached the socket that just dropped; queued ones wait for the next. */
  rejectWritten(error: () => MWSEError): void {
    for (const [id, entry] of this.#entries) {
      if (entry.written) this.#take(id)?.reject(error());
    }
  }

  /** Fails every call still queued (not written): the attempt they waited for failed. */
  rejectQueued(error: () => MWSEError): void {
    for (const [id, entry] of this.#entries) {
      if (!entry.written) this.#fail(id, error());
    }
  }

  /** Fails every call (the client closed for good). */
  rejectAll(error: () => MWSEError): void {
    for (const id of [...this.#entries.keys()]) this.#take(id)?.reject(error());
  }

  #fail(id: number, error: MWSEError): void {
    const entry = this.#take(id);
    if (!entry) return;
    entry.abandon?.(entry.written, error);
    entry.reject(error);
  }

  #take(id: number): Entry | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    this.#entries.delete(id);
    clearTimeout(entry.timer);
    return entry;
  }
}
