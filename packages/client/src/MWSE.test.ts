import { afterEach, describe, expect, it, vi } from 'vitest';
import { MWSE } from './MWSE.js';
import { MWSEError } from './MWSEError.js';
import { fakeServer, ids, settle } from './test/fakeServer.js';
import { answer, startClient } from './test/startClient.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('MWSE connection and scope', () => {
  it('throws a clear error in Node without an endpoint', () => {
    expect(() => new MWSE()).toThrow(/options\.endpoint is required/);
  });

  it('opens the endpoint with the given WebSocket and fires scope after the hello', () => {
    const { mwse, server } = startClient({ scoped: false });
    const scope = vi.fn();
    mwse.on('scope', scope);
    expect(server.socket.url).toBe('ws://mwse.test/?codec=binary');
    expect(mwse.connected).toBe(false);
    expect(mwse.me.socketId).toBe('');
    server.socket.open();
    expect(scope).not.toHaveBeenCalled();
    server.socket.hello(ids.me);
    expect(scope).toHaveBeenCalledOnce();
    expect(mwse.connected).toBe(true);
    expect(mwse.state).toBe('open');
    expect(mwse.me.socketId).toBe(ids.me);
    expect(mwse.server).toMatchObject({ server: 'mwse', protocol: 1 });
  });

  it("peer('me') and peer(own id) are mwse.me", () => {
    const { mwse } = startClient();
    expect(mwse.peer('me')).toBe(mwse.me);
    expect(mwse.peer(ids.me)).toBe(mwse.me);
    expect(mwse.me.isMe).toBe(true);
  });

  it('scope(cb) runs at once when scoped, else on the next scope; scope() is a promise', async () => {
    const { mwse, server } = startClient({ scoped: false });
    const early = vi.fn();
    mwse.scope(early);
    const promise = mwse.scope();
    expect(early).not.toHaveBeenCalled();
    server.socket.hello(ids.me);
    expect(early).toHaveBeenCalledOnce();
    await expect(promise).resolves.toBeUndefined();
    const late = vi.fn();
    mwse.scope(late);
    expect(late).toHaveBeenCalledOnce();
  });

  it('scope() rejects with disconnected when the client closes first', async () => {
    const { mwse } = startClient({ scoped: false });
    const promise = mwse.scope();
    mwse.close();
    await expect(promise).rejects.toMatchObject({ code: 'disconnected' });
  });

  it('gives the same Peer object for the same id and announces new ones', () => {
    const { mwse } = startClient();
    const created = vi.fn();
    mwse.on('peer', created);
    const alice = mwse.peer(ids.alice);
    expect(mwse.peer(ids.alice)).toBe(alice);
    expect(mwse.peer(ids.bob)).not.toBe(alice);
    expect(created.mock.calls.map(([p]) => p.socketId)).toEqual([ids.alice, ids.bob]);
    expect(mwse.peer('server').socketId).toBe('server');
    expect(() => mwse.peer('')).toThrow(TypeError);
  });

  it('exposes the identity the bridge gave in the hello', () => {
    const { mwse, server } = startClient({ scoped: false });
    server.socket.hello(ids.me, 1, { identity: 'user-42' });
    expect(mwse.server?.identity).toBe('user-42');
  });

  it('reports a protocol version mismatch', () => {
    const { server, errors } = startClient({ scoped: false });
    server.socket.hello(ids.me, 2);
    expect(errors[0]?.message).toMatch(/protocol 2/);
  });
});

describe('MWSE calls', () => {
  it('queues calls made before the hello and sends them in order after it', async () => {
    const { mwse, server } = startClient({ scoped: false });
    const set = mwse.me.info.set('name', 'John');
    const session = mwse.disablePairAuth();
    server.socket.open();
    expect(server.socket.sent).toEqual([]);
    server.socket.hello(ids.me);
    expect(server.socket.sent.map((f) => f.type)).toEqual(['info/set', 'session/set']);
    expect(server.socket.last('session/set').flags).toEqual({ pairauth: false });
    answer(server.socket, 'info/set');
    answer(server.socket, 'session/set', {
      pairauth: false,
      readable: true,
      writable: true,
      pairinfo: true,
    });
    await expect(set).resolves.toBeUndefined();
    await expect(session).resolves.toBeUndefined();
  });

  it('refuses calls past the queue limit with exhausted', async () => {
    const { mwse } = startClient({ scoped: false, queueLimit: 2 });
    const first = mwse.setSession({ readable: true });
    const second = mwse.setSession({ readable: true });
    const third = mwse.setSession({ readable: true });
    await expect(third).rejects.toMatchObject({ code: 'exhausted' });
    mwse.close();
    await expect(first).rejects.toMatchObject({ code: 'disconnected' });
    await expect(second).rejects.toMatchObject({ code: 'disconnected' });
  });

  it('uses a new id per call and settles each by its own id', async () => {
    const { mwse, socket } = startClient();
    const a = mwse.setSession({ readable: false });
    const b = mwse.setSession({ writable: false });
    const [fa, fb] = socket().frames('session/set');
    expect(fa?.id).not.toBe(fb?.id);
    socket().push({ type: 'result', id: fb?.id, data: 'b' });
    socket().push({ type: 'result', id: fa?.id, data: 'a' });
    await expect(a).resolves.toBe('a');
    await expect(b).resolves.toBe('b');
  });

  it('rejects with the code, message and issues of an error frame', async () => {
    const { mwse, socket } = startClient();
    const call = mwse.setSession({ pairauth: true });
    socket().push({
      type: 'error',
      id: socket().last('session/set').id,
      code: 'bad-frame',
      message: 'invalid "session/set" frame',
      issues: ['flags: bad'],
    });
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MWSEError);
    expect(error).toMatchObject({
      code: 'bad-frame',
      message: 'invalid "session/set" frame',
      issues: ['flags: bad'],
    });
  });

  it('reports an error frame without id on the error event', () => {
    const { socket, errors } = startClient();
    socket().push({ type: 'error', code: 'forbidden', message: 'not a member of "x"' });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'forbidden', message: 'not a member of "x"' });
  });

  it('times a call out with timeout and ignores the late answer', async () => {
    vi.useFakeTimers();
    const { mwse, socket } = startClient({ requestTimeout: 1_000 });
    const call = mwse.setSession({ readable: true });
    const outcome = call.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(999);
    await vi.advanceTimersByTimeAsync(1);
    expect(await outcome).toMatchObject({ code: 'timeout' });
    expect(() => answer(socket(), 'session/set')).not.toThrow();
  });

  it('ignores unknown frame types and frames that are not JSON', () => {
    const { socket, errors } = startClient();
    socket().push({ type: 'from/the/future', x: 1 });
    socket().onmessage?.({ data: '{not json' });
    expect(errors).toEqual([]);
  });
});

describe('MWSE close', () => {
  it('rejects pending calls with disconnected, closes the socket with 1000 and never reconnects', async () => {
    vi.useFakeTimers();
    const { mwse, server } = startClient();
    const close = vi.fn();
    const disconnect = vi.fn();
    mwse.on('close', close).on('disconnect', disconnect);
    const pending = mwse.setSession({ readable: true }).catch((e: unknown) => e);
    mwse.close();
    expect(await pending).toMatchObject({ code: 'disconnected' });
    expect(server.socket.closedWith?.code).toBe(1000);
    expect(disconnect).toHaveBeenCalledWith(expect.objectContaining({ willReconnect: false }));
    expect(close).toHaveBeenCalledOnce();
    expect(mwse.state).toBe('closed');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.sockets).toHaveLength(1);
    await expect(mwse.me.info.set('a', 1)).rejects.toMatchObject({ code: 'disconnected' });
    mwse.close(); // twice is fine
    expect(close).toHaveBeenCalledOnce();
  });
});

describe('MWSE listener errors', () => {
  it('a throwing listener goes to the error event and does not stop dispatch', () => {
    const { mwse, socket, errors } = startClient();
    const second = vi.fn();
    mwse.on('message', () => {
      throw new Error('listener bug');
    });
    mwse.on('message', second);
    socket().push({ type: 'pack', from: ids.alice, pack: 1 });
    socket().push({ type: 'pack', from: ids.alice, pack: 2 });
    expect(second).toHaveBeenCalledTimes(2);
    expect(errors.map((e) => e.message)).toEqual(['listener bug', 'listener bug']);
  });

  it('without an error listener, failures go to console.error', async () => {
    const server = fakeServer();
    const mwse = new MWSE({ endpoint: 'ws://mwse.test', WebSocket: server.WebSocket });
    server.socket.hello(ids.me);
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    mwse.peer(ids.alice).on('message', () => {
      throw new Error('oops');
    });
    server.socket.push({ type: 'pack', from: ids.alice, pack: 1 });
    await settle();
    expect(spy).toHaveBeenCalledWith('MWSE:', expect.objectContaining({ message: 'oops' }));
    spy.mockRestore();
  });
});
