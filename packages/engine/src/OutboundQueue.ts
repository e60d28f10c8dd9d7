import type { WireData } from '@mwse/protocol';
import type { TransportSocket } from './transports/Transport.js';

/**
 * Bytes the transport may hold for one socket before the queue stops handing it more. Past this,
 * messages wait here, where they are counted against the queue's limits.
 */
export const HIGH_WATER_MARK = 1024 * 1024;

/** How much may wait in one queue after the transport stopped taking more. */
export interface QueueLimits {
  /** Messages (`outboundBuffer`). */
  messages: number;
  /** Bytes of their encoded data (`outboundBufferBytes`); text counts one per UTF-16 unit. */
  bytes: number;
}

/** The most any queue has held, shared by all queues of a hub (the metrics read it). */
export interface QueueStats {
  highWater: number;
  highWaterBytes: number;
}

/**
 * A connection's outbound messages, handed to the transport once per event-loop turn inside one
 * cork. Sending once per message costs a syscall each: batching is what lets a relay run several
 * times faster (see docs/performance.md).
 *
 * A consumer is slow when its transport will not take what it is given, not when many messages
 * were produced for it in one turn: a queue at its limits first hands the transport what it takes
 * now, and overflows only if that leaves it still full. Messages and bytes are both bounded, so
 * one paused reader holds at most `limits.bytes` here plus the transport's high-water mark and
 * one message.
 */
export class OutboundQueue {
  private items: WireData[] = [];
  private head = 0;
  private bytes = 0;
  /** Set by overflow or close: nothing more is queued. */
  private closed = false;
  /** The last flush stopped at the high-water mark: ask the transport before sending again. */
  private blocked = false;
  /** Most messages and bytes this queue has held at once. */
  highWater = 0;
  highWaterBytes = 0;

  constructor(
    private readonly socket: TransportSocket,
    private readonly limits: QueueLimits,
    private readonly scheduler: FlushScheduler,
    private readonly onOverflow: () => void,
    private readonly stats: QueueStats = { highWater: 0, highWaterBytes: 0 },
  ) {}

  get length(): number {
    return this.items.length - this.head;
  }

  push(data: WireData): void {
    if (this.closed) return;
    const size = data.length;
    if (this.full(size)) {
      this.flush();
      if (this.full(size)) {
        this.close();
        this.onOverflow();
        return;
      }
    }
    this.items.push(data);
    this.bytes += size;
    this.record();
    if (this.length === 1) this.scheduler.schedule(this);
  }

  /** Adding `size` bytes would pass a limit; a message alone in the queue always fits. */
  private full(size: number): boolean {
    const { length } = this;
    return length > 0 && (length >= this.limits.messages || this.bytes + size > this.limits.bytes);
  }

  private record(): void {
    const { length, bytes, stats } = this;
    if (length > this.highWater) {
      this.highWater = length;
      if (length > stats.highWater) stats.highWater = length;
    }
    if (bytes > this.highWaterBytes) {
      this.highWaterBytes = bytes;
      if (bytes > stats.highWaterBytes) stats.highWaterBytes = bytes;
    }
  }

  /** Hand queued messages to the transport until it is over its high-water mark. */
  flush(): void {
    if (this.length === 0) return;
    // Asked only after a flush stopped short, so a socket that keeps up costs no native call.
    if (this.blocked && this.socket.bufferedAmount() >= HIGH_WATER_MARK) return;
    this.blocked = false;
    this.socket.cork(() => {
      const { items, socket } = this;
      while (this.head < items.length) {
        const data = items[this.head]!;
        items[this.head++] = '';
        this.bytes -= data.length;
        if (!socket.send(data) && socket.bufferedAmount() >= HIGH_WATER_MARK) {
          this.blocked = true;
          break;
        }
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

  /** Drop what is queued and refuse what comes: the connection is going away. */
  close(): void {
    this.closed = true;
    this.items = [];
    this.head = 0;
    this.bytes = 0;
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
