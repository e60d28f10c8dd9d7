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
 * Keeps what a queue writes, until its client acknowledges it: a resumable session
 * (`session/Session.ts`). Frames queued with `pushControl` are not its.
 */
export interface Keeper {
  /** `frames[from … to - 1]`, `bytes` in all, were written (the array is the keeper's to keep). */
  written(frames: WireData[], from: number, to: number, bytes: number): void;
  /** The queue closed, after it handed over what it held unwritten. */
  closed(queue: OutboundQueue): void;
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
  /**
   * With a resumable session: it keeps what is written, so a flush hands it the written range
   * of `items` instead of clearing each slot (see `Session`), and what is left unwritten when
   * the queue closes.
   */
  keeper: Keeper | undefined;
  /** With a keeper: where in `items` the frames not written yet that are not its are, ascending. */
  private controls: number[] = [];
  /**
   * Its client reads JSON only: a byte array queued is UTF-8 text (`Session.text`), sent as a
   * text frame.
   */
  textBytes = false;
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

  /** Counted frames queued and not written yet: with a keeper, sent but not yet its. */
  get pending(): number {
    return this.items.length - this.head - this.controls.length;
  }

  /** Queue a frame. */
  push(data: WireData): void {
    this.add(data, false);
  }

  /** Queue a frame that a keeper does not keep (hello, acks: never replayed). */
  pushControl(data: WireData): void {
    this.add(data, true);
  }

  /** Append the counted frames not written yet to `out`, in order. */
  unwritten(out: WireData[]): void {
    const { items, controls } = this;
    let c = 0;
    for (let i = this.head; i < items.length; i++) {
      if (c < controls.length && controls[c] === i) c += 1;
      else out.push(items[i]!);
    }
  }

  private add(data: WireData, control: boolean): void {
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
    if (control && this.keeper !== undefined) this.controls.push(this.items.length);
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
    const { keeper } = this;
    const from = this.head;
    const bytes = this.bytes;
    this.socket.cork(() => {
      const { items, socket, textBytes } = this;
      while (this.head < items.length) {
        const data = items[this.head]!;
        // Without a keeper, a written slot is let go of at once (the rest may wait for a drain).
        if (keeper === undefined) items[this.head] = '';
        this.head++;
        this.bytes -= data.length;
        if (!socket.send(data, textBytes) && socket.bufferedAmount() >= HIGH_WATER_MARK) {
          this.blocked = true;
          break;
        }
      }
    });
    if (keeper !== undefined) this.hand(keeper, from, this.head, bytes - this.bytes);
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      const { head } = this;
      this.items = this.items.slice(head);
      this.controls = this.controls.map((at) => at - head);
      this.head = 0;
    }
  }

  /**
   * Give `keeper` `items[from … to - 1]` (`bytes` in all), the frames that are not its left out:
   * a control frame splits the range in two, so nothing is copied.
   */
  private hand(keeper: Keeper, from: number, to: number, bytes: number): void {
    const { items, controls } = this;
    let at = from;
    let left = bytes;
    while (controls.length > 0 && controls[0]! < to) {
      const control = controls.shift()!;
      let size = 0;
      for (let i = at; i < control; i++) size += items[i]!.length;
      keeper.written(items, at, control, size);
      left -= size + items[control]!.length;
      at = control + 1;
    }
    keeper.written(items, at, to, left);
  }

  /** Drop what is queued and refuse what comes: the connection is going away. */
  close(): void {
    const { keeper } = this;
    if (keeper !== undefined) {
      // Counted as sent already: the keeper keeps them for a resume to replay.
      this.keeper = undefined;
      this.hand(keeper, this.head, this.items.length, this.bytes);
      keeper.closed(this);
    }
    this.controls = [];
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
