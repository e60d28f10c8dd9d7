import { describe, expect, it } from 'vitest';
import type { WireData } from '@mwse/protocol';
import { FlushScheduler, HIGH_WATER_MARK, OutboundQueue } from './OutboundQueue.js';
import type { TransportSocket } from './transports/Transport.js';

class FakeSocket implements TransportSocket {
  readonly remoteAddress = '127.0.0.1';
  sent: WireData[] = [];
  corks = 0;
  buffered = 0;
  send(data: WireData) {
    this.sent.push(data);
    this.buffered += data.length;
    return false;
  }
  cork(fn: () => void) {
    this.corks++;
    fn();
  }
  bufferedAmount() {
    return this.buffered;
  }
  ping() {}
  close() {}
  terminate() {}
}

const nextTurn = () => new Promise((r) => setImmediate(r));

describe('OutboundQueue', () => {
  it('hands everything queued in one turn to the socket in one cork', async () => {
    const socket = new FakeSocket();
    const queue = new OutboundQueue(socket, 100, new FlushScheduler(), () => {});
    for (let i = 0; i < 50; i++) queue.push(`m${i}`);
    expect(socket.sent).toEqual([]);
    await nextTurn();
    expect(socket.sent).toHaveLength(50);
    expect(socket.sent[49]).toBe('m49');
    expect(socket.corks).toBe(1);
  });

  it('stops at the high-water mark and resumes on flush (drain)', async () => {
    const socket = new FakeSocket();
    const queue = new OutboundQueue(socket, 100, new FlushScheduler(), () => {});
    const chunk = 'x'.repeat(HIGH_WATER_MARK / 4);
    for (let i = 0; i < 10; i++) queue.push(chunk);
    await nextTurn();
    expect(socket.sent).toHaveLength(4);
    expect(queue.length).toBe(6);
    socket.buffered = 0; // the kernel took it
    queue.flush();
    expect(socket.sent).toHaveLength(8);
  });

  it('calls onOverflow and drops its messages when over the limit', async () => {
    const socket = new FakeSocket();
    socket.buffered = HIGH_WATER_MARK; // a consumer that does not read
    let overflowed = 0;
    const queue = new OutboundQueue(socket, 3, new FlushScheduler(), () => overflowed++);
    for (let i = 0; i < 3; i++) queue.push('m');
    expect(overflowed).toBe(0);
    queue.push('one too many');
    expect(overflowed).toBe(1);
    expect(queue.length).toBe(0);
    expect(queue.highWater).toBe(3);
  });
});
