import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MWSE } from './MWSE.js';
import { ACK_BYTES, ACK_DELAY, ACK_EVERY } from './ResumableSession.js';
import { fakeServer, ids } from './test/fakeServer.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A client on a fake server that keeps sessions. */
function resumable() {
  const server = fakeServer();
  const mwse = new MWSE({ endpoint: 'ws://mwse.test', WebSocket: server.WebSocket });
  mwse.on('error', () => {});
  server.socket.hello(ids.me, 1, { resume: { token: 't1', grace: 120_000 } });
  const pack = (n: number, pack: unknown = n) => {
    for (let i = 0; i < n; i++) server.socket.push({ type: 'pack', from: ids.alice, pack });
  };
  const acks = () => server.socket.frames('session/ack').map((f) => f.seq as number);
  return { mwse, server, pack, acks };
}

describe('session acks', () => {
  it('are sparse under dense traffic and stay well inside the server’s default replay bounds', () => {
    expect(ACK_EVERY).toBe(256);
    expect(ACK_DELAY).toBe(25);
    // The server keeps 1024 frames and 8 MiB by default: an ack is due long before either.
    expect(ACK_EVERY * 2).toBeLessThanOrEqual(1024);
    expect(ACK_BYTES * 4).toBeLessThanOrEqual(8 * 1024 * 1024);
  });

  it(`go out every ${ACK_EVERY} counted frames, not one sooner`, () => {
    const { mwse, pack, acks } = resumable();
    pack(ACK_EVERY - 1);
    expect(acks()).toEqual([]);
    pack(1);
    expect(acks()).toEqual([ACK_EVERY]);
    pack(ACK_EVERY * 2);
    expect(acks()).toEqual([ACK_EVERY, ACK_EVERY * 2, ACK_EVERY * 3]);
    mwse.close();
  });

  it(`go out ${ACK_DELAY} ms after the first frame not yet acked, once`, async () => {
    const { mwse, pack, acks } = resumable();
    pack(3);
    await vi.advanceTimersByTimeAsync(ACK_DELAY / 2);
    pack(2);
    await vi.advanceTimersByTimeAsync(ACK_DELAY / 2 - 1);
    expect(acks()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(acks()).toEqual([5]);
    await vi.advanceTimersByTimeAsync(ACK_DELAY * 5);
    expect(acks()).toEqual([5]);
    mwse.close();
  });

  it('an ack by count stops the timer: frames after it wait the whole delay, and dense traffic is acked by count alone', async () => {
    const { mwse, pack, acks } = resumable();
    pack(10);
    await vi.advanceTimersByTimeAsync(ACK_DELAY / 2);
    pack(ACK_EVERY - 10);
    expect(acks()).toEqual([ACK_EVERY]);
    // One more frame just before the first frame's delay is over: it waits its own delay.
    await vi.advanceTimersByTimeAsync(ACK_DELAY / 2 - 2);
    pack(1);
    await vi.advanceTimersByTimeAsync(2);
    expect(acks()).toEqual([ACK_EVERY]);
    await vi.advanceTimersByTimeAsync(ACK_DELAY - 3);
    expect(acks()).toEqual([ACK_EVERY]);
    await vi.advanceTimersByTimeAsync(1);
    expect(acks()).toEqual([ACK_EVERY, ACK_EVERY + 1]);
    // ACK_EVERY frames every ACK_DELAY / 2 ms: one ack per ACK_EVERY, none from the timer.
    for (let i = 0; i < 8; i++) {
      pack(ACK_EVERY);
      await vi.advanceTimersByTimeAsync(ACK_DELAY / 2);
    }
    expect(acks()).toHaveLength(10);
    mwse.close();
  });

  it(`go out once ${ACK_BYTES} bytes of frames came, however few frames that is`, () => {
    const { mwse, pack, acks } = resumable();
    const big = 'x'.repeat(ACK_BYTES / 4);
    pack(3, big);
    expect(acks()).toEqual([]);
    pack(1, big);
    expect(acks()).toEqual([4]);
    // The count of bytes starts again after each ack.
    pack(3, big);
    expect(acks()).toEqual([4]);
    pack(1, big);
    expect(acks()).toEqual([4, 8]);
    mwse.close();
  });

  it('do not count the server’s own acks, and none are sent without a session', () => {
    const { mwse, server, pack, acks } = resumable();
    pack(ACK_EVERY - 1);
    for (let i = 0; i < 10; i++) server.socket.push({ type: 'session/ack', seq: 0 });
    expect(acks()).toEqual([]);
    pack(1);
    expect(acks()).toEqual([ACK_EVERY]);
    mwse.close();

    const plain = fakeServer();
    const client = new MWSE({ endpoint: 'ws://mwse.test', WebSocket: plain.WebSocket });
    plain.socket.hello(ids.me);
    for (let i = 0; i < ACK_EVERY * 2; i++) plain.socket.push({ type: 'pack', from: ids.alice, pack: i });
    expect(plain.socket.frames('session/ack')).toEqual([]);
    client.close();
  });
});
