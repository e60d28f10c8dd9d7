import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MWSE } from './MWSE.js';
import { fakeServer, ids } from './test/fakeServer.js';
import { answer, startClient } from './test/startClient.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const fast = { initialDelay: 100, maxDelay: 100 };

describe('reconnect', () => {
  it('after a drop: disconnect, a new socket, a new socketId on the same me, scope and reconnect', async () => {
    const { mwse, server } = startClient({ reconnect: fast });
    const me = mwse.me;
    const events: string[] = [];
    mwse.on('disconnect', (info) => events.push(`disconnect:${info.code}:${info.willReconnect}`));
    mwse.on('scope', () => events.push(`scope:${mwse.me.socketId}`));
    mwse.on('reconnect', () => events.push('reconnect'));
    server.socket.drop(1001, 'server shutting down');
    expect(mwse.connected).toBe(false);
    expect(mwse.state).toBe('waiting');
    await vi.advanceTimersByTimeAsync(100);
    expect(server.sockets).toHaveLength(2);
    server.socket.hello(ids.me2);
    expect(mwse.me).toBe(me);
    expect(mwse.peer('me').socketId).toBe(ids.me2);
    expect(events).toEqual(['disconnect:1001:true', `scope:${ids.me2}`, 'reconnect']);
  });

  it('rejects calls in flight with disconnected, and sends calls queued meanwhile on the new socket', async () => {
    const { mwse, server } = startClient({ reconnect: fast });
    const inFlight = mwse
      .peer(ids.alice)
      .request('x')
      .catch((e: unknown) => e);
    server.socket.drop();
    expect(await inFlight).toMatchObject({ code: 'disconnected' });
    const queued = mwse.setSession({ pairauth: false });
    await vi.advanceTimersByTimeAsync(100);
    expect(server.socket.sent).toEqual([]);
    server.socket.hello(ids.me2);
    expect(server.socket.last('session/set').flags).toEqual({ pairauth: false });
    answer(server.socket, 'session/set', {});
    await expect(queued).resolves.toEqual({});
  });

  it('rooms are left: membership belonged to the old peer', async () => {
    const { mwse, server } = startClient({ reconnect: fast });
    const room = mwse.room('genel');
    const joined = room.join();
    answer(server.socket, 'room/join', {
      name: 'genel',
      joinType: 'free',
      owner: ids.me,
      visibility: 'public',
      members: [ids.me],
      created: false,
    });
    await joined;
    server.socket.drop();
    expect(room.joined).toBe(false);
  });

  it.each([1008, 1009])('does not reconnect after close code %i', async (code) => {
    const { mwse, server } = startClient({ reconnect: fast });
    const close = vi.fn();
    mwse.on('close', close);
    server.socket.drop(code, 'policy');
    expect(close).toHaveBeenCalledWith({ code, reason: 'policy', willReconnect: false });
    expect(mwse.state).toBe('closed');
    await vi.advanceTimersByTimeAsync(10_000);
    expect(server.sockets).toHaveLength(1);
  });

  it('reconnects after a heartbeat timeout (4000) and a try-again-later (1013)', async () => {
    const { server } = startClient({ reconnect: fast });
    server.socket.drop(4000);
    await vi.advanceTimersByTimeAsync(100);
    server.socket.hello(ids.me2);
    server.socket.drop(1013);
    await vi.advanceTimersByTimeAsync(100);
    expect(server.sockets).toHaveLength(3);
  });

  it('close() while waiting to reconnect stops for good', async () => {
    const { mwse, server } = startClient({ reconnect: fast });
    server.socket.drop();
    mwse.close();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(server.sockets).toHaveLength(1);
    expect(mwse.state).toBe('closed');
  });

  it('a disconnect listener may call close() without a reconnect following', async () => {
    const { mwse, server } = startClient({ reconnect: fast });
    const close = vi.fn();
    mwse.on('disconnect', () => mwse.close());
    mwse.on('close', close);
    server.socket.drop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(server.sockets).toHaveLength(1);
    expect(close).toHaveBeenCalledOnce();
  });

  it('gives up after maxAttempts failed attempts in a row, then closes', async () => {
    const { mwse, server } = startClient({ scoped: false, reconnect: { ...fast, maxAttempts: 2 } });
    const attempts: number[] = [];
    const close = vi.fn();
    mwse.on('reconnecting', (attempt) => attempts.push(attempt));
    mwse.on('close', close);
    server.socket.drop(1006); // the first connect fails
    await vi.advanceTimersByTimeAsync(100);
    server.socket.drop(1006);
    await vi.advanceTimersByTimeAsync(100);
    server.socket.drop(1006);
    expect(server.sockets).toHaveLength(3);
    expect(attempts).toEqual([1, 2]);
    expect(close).toHaveBeenCalledOnce();
  });

  it('a successful hello resets the attempt count', async () => {
    const { mwse, server } = startClient({ reconnect: { ...fast, maxAttempts: 1 } });
    const close = vi.fn();
    mwse.on('close', close);
    for (const id of [ids.me2, ids.alice, ids.bob]) {
      server.socket.drop();
      await vi.advanceTimersByTimeAsync(100);
      server.socket.hello(id);
    }
    expect(close).not.toHaveBeenCalled();
    expect(mwse.me.socketId).toBe(ids.bob);
  });

  it('reconnect: false closes on the first drop', () => {
    const { mwse, server } = startClient({ reconnect: false });
    server.socket.drop(1001);
    expect(mwse.state).toBe('closed');
  });

  it('resumes a session the server keeps promptly: within resumeDelay, then the normal backoff', async () => {
    const server = fakeServer();
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.999999);
    try {
      const mwse = new MWSE({ endpoint: 'ws://mwse.test', WebSocket: server.WebSocket, reconnect: { initialDelay: 5_000, maxDelay: 60_000 } });
      mwse.on('error', () => {}); // the failed attempt below is reported; expected here
      server.socket.hello(ids.me, 1, { resume: { token: 't1', grace: 120_000 } });
      const waits: number[] = [];
      mwse.on('reconnecting', (_attempt, delay) => waits.push(delay));
      server.socket.drop(1006);
      await vi.advanceTimersByTimeAsync(99);
      expect(server.sockets).toHaveLength(2);
      expect(server.socket.url).toContain('resume=1');
      server.socket.drop(1006); // the resume could not connect: back to the normal sequence
      await vi.advanceTimersByTimeAsync(4_998);
      expect(server.sockets).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(1);
      expect(server.sockets).toHaveLength(3);
      expect(waits).toEqual([99, 4_999]);
      mwse.close();
    } finally {
      random.mockRestore();
    }
  });

  it('a new session (no resume token) still waits the normal backoff', async () => {
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.999999);
    try {
      const { mwse, server } = startClient({ reconnect: { initialDelay: 5_000, maxDelay: 60_000 } });
      server.socket.drop(1006);
      await vi.advanceTimersByTimeAsync(4_998);
      expect(server.sockets).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      expect(server.sockets).toHaveLength(2);
      mwse.close();
    } finally {
      random.mockRestore();
    }
  });
});
