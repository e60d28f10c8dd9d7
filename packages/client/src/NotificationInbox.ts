import type { ServerFrameOf } from '@mwse/protocol';

type NotifyFrame = ServerFrameOf<'notify'>;

// Enough to cover every notification that can be waiting for one identity on the server.
const remembered = 1024;

/**
 * Receipt side of notifications: shows each one once and acknowledges it when it is shown.
 *
 * Delivery is at least once (a stored notification comes again on the next connect until the
 * server got the ack), so the same `nid` may arrive twice; it is acknowledged again but shown once.
 * A notification that arrives while nobody listens (stored ones come right after the hello, before
 * an `await mwse.scope()` has returned) is held, unacknowledged, until a listener is added: acking it
 * then would lose it for good.
 */
export class NotificationInbox {
  #seen = new Set<string>();
  #held = new Map<string, NotifyFrame>();
  #ack: (nid: string) => void;

  constructor(ack: (nid: string) => void) {
    this.#ack = ack;
  }

  /**
   * A `notify` frame arrived. Returns it when it should be shown now (it is acknowledged), or
   * undefined when it is a duplicate or is held because nobody `listening`.
   */
  receive(frame: NotifyFrame, listening: boolean): NotifyFrame | undefined {
    if (this.#seen.has(frame.nid)) {
      this.#ack(frame.nid);
      return undefined;
    }
    if (!listening) {
      // The oldest held one is dropped unacknowledged: the server still has it, if it was stored.
      if (!this.#held.has(frame.nid) && this.#held.size >= remembered) this.#held.delete(this.#first(this.#held.keys()));
      this.#held.set(frame.nid, frame);
      return undefined;
    }
    return this.#show(frame);
  }

  /** The oldest held notification, now acknowledged and to be shown; undefined when none. */
  takeHeld(): NotifyFrame | undefined {
    const frame = this.#held.values().next().value;
    return frame && this.#show(frame);
  }

  get holding(): boolean {
    return this.#held.size > 0;
  }

  #show(frame: NotifyFrame): NotifyFrame {
    this.#held.delete(frame.nid);
    this.#ack(frame.nid);
    this.#seen.add(frame.nid);
    if (this.#seen.size > remembered) this.#seen.delete(this.#first(this.#seen.values()));
    return frame;
  }

  #first(values: IterableIterator<string>): string {
    return values.next().value as string;
  }
}
