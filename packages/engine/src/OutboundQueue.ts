import type { WireData } from '@mwse/protocol';
import type { TransportSocket } from './transports/Transport.js';

/**
 * Bytes the transport may hold for one socket before the queue stops handing it more. Past this,
 * messages wait here, where they are counted against `outboundBuffer`.
 */
export const HIGH_WATER_MARK = 1024 * 1024;

/**
 * A connection's outbound messages, handed to the transport once per event-loop turn inside one
 * cork. Sending once per message costs a syscall each: batching is what lets a relay run several
 * times faster (see docs/performance.md).
 */
export class OutboundQueue {
  private items: WireData[] = [];
  private head = 0;
  /** Most messages this queue has held at once. */
  highWater = 0;

  constructor(
    private readonly socket: TransportSocket,
    private readonly limit: number,
    private readonly scheduler: FlushScheduler,
    private readonly onOverflow: () => void,
  ) {}

  get length(): number {
    return this.items.length - this.head;
  }

  push(data: WireData): void {
    if (this.length >= this.limit) {
      this.clear();
      this.onOverflow();
      return;
    }
    this.items.push(data);
    if (this.length > this.highWater) this.highWater = this.length;
    if (this.length === 1) this.scheduler.schedule(this);
  }

  /** Hand queued messages to the transport until it is over its high-water mark. */
  flush(): void {
    if (this.length === 0) return;
    this.socket.cork(() => {
      const { items, socket } = this;
      while (this.head < items.length) {
        const clean = socket.send(items[this.head]!);
        items[this.head++] = '';
        if (!clean && socket.bufferedAmount() >= HIGH_WATER_MARK) break;
      }
    });
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

/** Flushes every queue that got messages this turn, once, on the next `setImmediate`. */
export class FlushScheduler {
  private pending = new Set<OutboundQueue>();
  private scheduled = false;

  schedule(queue: OutboundQueue): void {
    this.pending.add(queue);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.run);
    }
  }

  private run = (): void => {
    this.scheduled = false;
    const queues = this.pending;
    this.pending = new Set();
    for (const queue of queues) queue.flush();
  };
}
