import { describe, expect, it } from 'vitest';
import { FlushScheduler, HIGH_WATER_MARK, OutboundQueue, type QueueLimits } from './OutboundQueue.js';
import { FakeSocket } from './testing/FakeSocket.js';

const nextTurn = () => new Promise((r) => setImmediate(r));
const limits = (messages: number, bytes = Infinity): QueueLimits => ({ messages, bytes });

describe('OutboundQueue', () => {
  it('hands everything queued in one turn to the socket in one cork', async () => {
    const socket = new FakeSocket();
    const queue = new OutboundQueue(socket, limits(100), new FlushScheduler(), () => {});
    for (let i = 0; i < 50; i++) queue.push(`m${i}`);
    expect(socket.sent).toEqual([]);
    await nextTurn();
    expect(socket.sent).toHaveLength(50);
    expect(socket.sent[49]).toBe('m49');
    expect(socket.corks).toBe(1);
  });

  it('stops at the high-water mark and resumes on flush (drain)', async () => {
    const socket = new FakeSocket();
    const queue = new OutboundQueue(socket, limits(100), new FlushScheduler(), () => {});
    const chunk = 'x'.repeat(HIGH_WATER_MARK / 4);
    for (let i = 0; i < 10; i++) queue.push(chunk);
    await nextTurn();
    expect(socket.sent).toHaveLength(4);
    expect(queue.length).toBe(6);
    queue.flush(); // no drain yet: nothing more goes to the transport
    expect(socket.sent).toHaveLength(4);
    socket.buffered = 0; // the kernel took it
    queue.flush();
    expect(socket.sent).toHaveLength(8);
  });

  it('does not overflow for a reader that keeps up, however many messages one turn makes', () => {
    const socket = new FakeSocket();
    socket.drains = true;
    let overflowed = 0;
    const queue = new OutboundQueue(socket, limits(3, 64), new FlushScheduler(), () => overflowed++);
    for (let i = 0; i < 2000; i++) queue.push(`answer ${i}`);
    expect(overflowed).toBe(0);
    expect(socket.sent.length + queue.length).toBe(2000);
  });

  it('overflows by count once the transport refuses, and drops what it held', () => {
    const socket = new FakeSocket();
    socket.buffered = HIGH_WATER_MARK; // a consumer that does not read
    let overflowed = 0;
    const queue = new OutboundQueue(socket, limits(3), new FlushScheduler(), () => overflowed++);
    for (let i = 0; i < 4; i++) queue.push('m'); // the 4th makes it try: one goes to the transport
    expect(overflowed).toBe(0);
    queue.push('one too many');
    expect(overflowed).toBe(1);
    expect(queue.length).toBe(0);
    expect(queue.highWater).toBe(3);
    queue.push('after');
    expect(queue.length).toBe(0);
  });

  it('overflows by bytes, and takes a single message larger than the byte limit', () => {
    const socket = new FakeSocket();
    socket.buffered = HIGH_WATER_MARK;
    let overflowed = 0;
    const stats = { highWater: 0, highWaterBytes: 0 };
    const queue = new OutboundQueue(socket, limits(1000, 100), new FlushScheduler(), () => overflowed++, stats);
    queue.push('x'.repeat(500)); // alone in the queue: fits
    queue.push('y'.repeat(60)); // over the bytes: the 500 go to the transport, the 60 wait
    expect(overflowed).toBe(0);
    queue.push('z'.repeat(60)); // 120 > 100 and the transport is full
    expect(overflowed).toBe(1);
    expect(stats).toEqual({ highWater: 1, highWaterBytes: 500 });
  });
});
