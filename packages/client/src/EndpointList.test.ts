import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EndpointList } from './EndpointList.js';
import { resolveEndpoints } from './resolveEndpoint.js';
import { ids } from './test/fakeServer.js';
import { startClient } from './test/startClient.js';

/** A `random` that returns these values in turn. */
const sequence = (...values: number[]) => () => values.shift() ?? 0;

describe('EndpointList', () => {
  it('starts where random points, then takes the next one after each failure, wrapping around', () => {
    const list = new EndpointList(['a', 'b', 'c'], sequence(0.5));
    const seen = [list.current];
    for (let i = 0; i < 4; i++) {
      list.failed();
      seen.push(list.current);
    }
    expect(seen).toEqual(['b', 'c', 'a', 'b', 'c']);
  });

  it('after a drop moves to any endpoint but the current one', () => {
    for (const [r, next] of [[0, 'c'], [0.49, 'c'], [0.5, 'a'], [0.99, 'a']] as const) {
      const list = new EndpointList(['a', 'b', 'c'], sequence(0.4, r)); // starts on b
      expect(list.current).toBe('b');
      list.dropped();
      expect(list.current).toBe(next);
    }
  });

  it('spreads clients over every endpoint at start (Math.random)', () => {
    const starts = new Set(Array.from({ length: 200 }, () => new EndpointList(['a', 'b', 'c']).current));
    expect(starts).toEqual(new Set(['a', 'b', 'c']));
  });

  it('with one endpoint never moves, and refuses an empty list', () => {
    const list = new EndpointList(['a']);
    list.failed();
    list.dropped();
    expect(list.current).toBe('a');
    expect(() => new EndpointList([])).toThrow(/empty list/);
  });
});

describe('resolveEndpoints', () => {
  it('resolves each endpoint of a list like one, dropping duplicates', () => {
    expect(resolveEndpoints('ws://127.0.0.1:7707')).toEqual(['ws://127.0.0.1:7707/']);
    expect(resolveEndpoints(['http://a.test:7707', 'wss://b.test/', 'ws://a.test:7707/'])).toEqual(['ws://a.test:7707/', 'wss://b.test/']);
  });

  it('refuses an empty list and items that are not URLs, naming the option', () => {
    expect(() => resolveEndpoints([])).toThrow(/options\.endpoint is an empty list/);
    expect(() => resolveEndpoints(['ws://a.test', ''])).toThrow(/options\.endpoint lists "", not a URL/);
    expect(() => resolveEndpoints(['ws://a.test', 7 as unknown as string])).toThrow(/lists 7/);
    expect(() => resolveEndpoints(['ftp://a.test'])).toThrow(/ws:, wss:/);
  });
});

describe('a client with several endpoints (fake sockets)', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });
  const fast = { initialDelay: 100, maxDelay: 100 };
  const hosts = (sockets: { url: string }[]) => sockets.map((s) => new URL(s.url).host);

  it('tries the next endpoint after each failed attempt, naming the failed one in connect/error', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const { mwse, server } = startClient({ scoped: false, reconnect: fast, endpoint: ['ws://a.test', 'ws://b.test', 'ws://c.test'] });
    const messages: string[] = [];
    mwse.on('connect/error', (failure) => messages.push(failure.message));
    expect(mwse.endpoints).toEqual(['ws://a.test/', 'ws://b.test/', 'ws://c.test/']);
    for (let i = 0; i < 3; i++) {
      server.socket.drop(1006);
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(hosts(server.sockets)).toEqual(['a.test', 'b.test', 'c.test', 'a.test']);
    expect(messages.map((m) => m.split(': ')[0])).toEqual([
      'cannot connect to ws://a.test/',
      'cannot connect to ws://b.test/',
      'cannot connect to ws://c.test/',
    ]);
    server.socket.hello(ids.me);
    expect(mwse.connected).toBe(true);
    expect(mwse.endpoint).toBe('ws://a.test/');
  });

  it('calls and scope() wait for one pass over the list before failing with the last attempt', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const { mwse, server } = startClient({ scoped: false, reconnect: fast, endpoint: ['ws://a.test', 'ws://b.test', 'ws://c.test'] });
    mwse.on('connect/error', () => {});
    let outcome: unknown;
    void mwse.scope().then(
      () => (outcome = 'scoped'),
      (e: unknown) => (outcome = e),
    );
    for (let i = 0; i < 2; i++) {
      server.socket.drop(1006);
      await vi.advanceTimersByTimeAsync(100);
      expect(outcome).toBeUndefined();
    }
    server.socket.drop(1006);
    await vi.advanceTimersByTimeAsync(0);
    expect(outcome).toMatchObject({ name: 'MWSEError', code: 'unreachable', message: expect.stringMatching(/^cannot connect to ws:\/\/c\.test\//) });
  });

  it('after a drop resumes through another endpoint, the binary codec asked for on each', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const { mwse, server } = startClient({ scoped: false, reconnect: fast, endpoint: ['ws://a.test', 'ws://b.test'] });
    server.socket.push({ type: 'hello', socketId: ids.me, resume: { token: 't'.repeat(32), grace: 120_000 } });
    expect(mwse.connected).toBe(true);
    server.socket.drop(1006);
    await vi.advanceTimersByTimeAsync(100);
    const [first, second] = server.sockets;
    expect(new URL(first!.url).host).toBe('a.test');
    expect(new URL(first!.url).searchParams.get('codec')).toBe('binary');
    expect(new URL(second!.url).host).toBe('b.test');
    expect(new URL(second!.url).searchParams.get('codec')).toBe('binary');
    expect(new URL(second!.url).searchParams.get('resume')).toBe('1');
  });
});
