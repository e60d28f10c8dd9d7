import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConnectFailure } from './ConnectFailure.js';
import { ids } from './test/fakeServer.js';
import { startClient } from './test/startClient.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const fast = { initialDelay: 100, maxDelay: 100 };

/** A client that has not connected yet, recording its connection events in order. */
function connecting(options: Parameters<typeof startClient>[0] = {}) {
  const started = startClient({ scoped: false, reconnect: fast, ...options });
  const failures: ConnectFailure[] = [];
  const events: string[] = [];
  started.mwse.on('connect/error', (failure) => {
    failures.push(failure);
    events.push(`connect/error:${failure.reason}:${failure.status ?? '-'}`);
  });
  started.mwse.on('reconnecting', (attempt) => events.push(`reconnecting:${attempt}`));
  started.mwse.on('close', (info) => events.push(`close:${info.code}`));
  return { ...started, failures, events };
}

/** What `ws` reports for a refused handshake: an error naming the status, then a 1006 close. */
function refuse(socket: { onerror: ((event: unknown) => void) | null; drop(code?: number): void }, status: number) {
  socket.onerror?.({ message: `Unexpected server response: ${status}` });
  socket.drop(1006);
}

describe('connect/error', () => {
  it('fires for an unreachable server and rejects waiting calls at once (regression: they sat until their 30 s timeout)', async () => {
    const { mwse, server, failures, events } = connecting();
    const calls = [
      mwse.listRooms(),
      mwse.setSession({ pairauth: false }),
      mwse.me.info.get('name'), // waits for the hello, then calls
      mwse.peer('me').request('x'),
      mwse.scope(),
    ].map((p) => p.catch((e: unknown) => e));
    server.socket.onerror?.({ message: 'connect ECONNREFUSED 127.0.0.1:9' });
    server.socket.drop(1006);
    for (const result of await Promise.all(calls)) {
      expect(result).toMatchObject({ name: 'MWSEError', code: 'unreachable' });
    }
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ reason: 'unreachable', code: 1006, attempt: 1, willReconnect: true });
    expect(failures[0]!.status).toBeUndefined();
    expect(failures[0]!.message).toBe('cannot connect to ws://mwse.test/: no answer (connect ECONNREFUSED 127.0.0.1:9)');
    expect(events).toEqual(['connect/error:unreachable:-', 'reconnecting:1']);
    expect(mwse.state).toBe('waiting');
  });

  it('says the platform cannot tell why when the socket gives no reason (browsers)', () => {
    const { server, failures } = connecting();
    server.socket.drop(1006);
    expect(failures[0]!.message).toMatch(/the page cannot tell which; the server logs refusals/);
  });

  it('stops after a 403 refusal instead of retrying it (regression: a refused client hammered the server)', async () => {
    const { mwse, server, failures, events } = connecting();
    const call = mwse.listRooms().catch((e: unknown) => e);
    refuse(server.socket, 403);
    expect(await call).toMatchObject({ code: 'refused', message: 'cannot connect to ws://mwse.test/: the server refused the handshake with HTTP 403' });
    expect(failures[0]).toMatchObject({ reason: 'refused', status: 403, willReconnect: false });
    expect(events).toEqual(['connect/error:refused:403', 'close:1006']);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(server.sockets).toHaveLength(1);
    expect(mwse.state).toBe('closed');
  });

  it.each([429, 503])('retries a %i refusal with backoff', async (status) => {
    const { server, failures, events } = connecting();
    refuse(server.socket, status);
    await vi.advanceTimersByTimeAsync(100);
    refuse(server.socket, status);
    expect(server.sockets).toHaveLength(2);
    expect(failures.map((f) => [f.status, f.attempt, f.willReconnect])).toEqual([
      [status, 1, true],
      [status, 2, true],
    ]);
    expect(events).toEqual([`connect/error:refused:${status}`, 'reconnecting:1', `connect/error:refused:${status}`, 'reconnecting:2']);
  });

  it('counts a close before the hello as a refusal (1001: the server is shutting down)', () => {
    const { server, failures } = connecting();
    server.socket.open();
    server.socket.drop(1001, 'server shutting down');
    expect(failures[0]).toMatchObject({ reason: 'refused', code: 1001, willReconnect: true });
    expect(failures[0]!.message).toMatch(/closed the connection \(1001 server shutting down\)/);
  });

  it('gives up an attempt that gets no hello within connectTimeout', async () => {
    const { mwse, server, failures } = connecting({ connectTimeout: 1_000 });
    const call = mwse.listRooms().catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(999);
    expect(failures).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(failures[0]).toMatchObject({ reason: 'timeout', willReconnect: true });
    expect(await call).toMatchObject({ code: 'unreachable' });
    expect(server.sockets[0]!.closedWith).toBeDefined();
    await vi.advanceTimersByTimeAsync(100);
    expect(server.sockets).toHaveLength(2);
  });

  it('does not fire for a drop after the hello (that is `disconnect`), and a hello starts the count over', async () => {
    const { mwse, server, failures } = connecting();
    server.socket.drop(1006);
    await vi.advanceTimersByTimeAsync(100);
    server.socket.hello(ids.me);
    expect(mwse.connected).toBe(true);
    server.socket.drop(1006);
    expect(failures).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(100);
    server.socket.drop(1006);
    expect(failures.map((f) => f.attempt)).toEqual([1, 1]);
  });

  it('keeps plain sends queued for the next attempt', async () => {
    const { mwse, server } = connecting();
    mwse.peer(ids.alice).send('hi');
    server.socket.drop(1006);
    await vi.advanceTimersByTimeAsync(100);
    server.socket.hello(ids.me);
    expect(server.socket.last('pack/to')).toMatchObject({ to: ids.alice, pack: 'hi' });
  });

  it('without a connect/error listener, reports the first failure of a run to `error` (not silent, not every retry)', async () => {
    const { mwse, server, errors } = startClient({ scoped: false, reconnect: fast });
    server.socket.drop(1006);
    await vi.advanceTimersByTimeAsync(100);
    server.socket.drop(1006);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ name: 'MWSEError', code: 'unreachable' });
    mwse.close();
  });
});

describe('calls after a failed attempt', () => {
  it('a call made while waiting to retry goes out with the next attempt that reaches the hello', async () => {
    vi.useFakeTimers();
    const { mwse, server } = startClient({ scoped: false, reconnect: fast });
    server.socket.drop(1006);
    const later = mwse.setSession({ pairauth: false });
    await vi.advanceTimersByTimeAsync(100);
    server.socket.hello(ids.me);
    server.socket.push({ type: 'result', id: server.socket.last('session/set').id, data: {} });
    await expect(later).resolves.toEqual({});
    vi.useRealTimers();
  });
});
