import { afterEach, describe, expect, it, vi } from 'vitest';
import { ids } from './test/fakeServer.js';
import { answer, startClient } from './test/startClient.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('Peer messages', () => {
  it('send writes pack/to with the peer id and the payload as is', () => {
    const { mwse, socket } = startClient();
    mwse.peer(ids.alice).send({ text: "Hi '" });
    expect(socket().last('pack/to')).toEqual({
      type: 'pack/to',
      to: ids.alice,
      pack: { text: "Hi '" },
    });
  });

  it('a direct message fires only its sender and the client', () => {
    const { mwse, socket } = startClient();
    const fromAlice = vi.fn();
    const fromBob = vi.fn();
    const all = vi.fn();
    mwse.peer(ids.alice).on('message', fromAlice);
    mwse.peer(ids.bob).on('message', fromBob);
    mwse.on('message', all);
    socket().push({ type: 'pack', from: ids.alice, pack: 'Hi !' });
    expect(fromAlice).toHaveBeenCalledWith('Hi !');
    expect(fromBob).not.toHaveBeenCalled();
    expect(all).toHaveBeenCalledWith('Hi !', mwse.peer(ids.alice));
  });

  it("a message from the HTTP API comes from mwse.peer('server')", () => {
    const { mwse, socket } = startClient();
    const all = vi.fn();
    mwse.on('message', all);
    socket().push({ type: 'pack', from: 'server', pack: { hello: 'world' } });
    expect(all).toHaveBeenCalledWith({ hello: 'world' }, mwse.peer('server'));
  });

  it('send throws for values JSON cannot encode', () => {
    const { mwse } = startClient();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => mwse.peer(ids.alice).send(cyclic)).toThrow(TypeError);
  });

  it('isReachable asks the server about that peer', async () => {
    const { mwse, socket } = startClient();
    const reachable = mwse.peer(ids.alice).isReachable();
    expect(socket().last('peer/reachable').peer).toBe(ids.alice);
    answer(socket(), 'peer/reachable', false);
    await expect(reachable).resolves.toBe(false);
  });
});

describe('Peer.request', () => {
  it('resolves with the body of the matching response, whatever the order', async () => {
    const { mwse, socket } = startClient();
    const alice = mwse.peer(ids.alice);
    const q1 = alice.request({ type: 'addition', number1: 1, number2: 5 });
    const q2 = alice.request({ type: 'addition', number1: 2, number2: 2 });
    const [f1, f2] = socket().frames('request/to');
    expect(f1).toMatchObject({ to: ids.alice, body: { type: 'addition', number1: 1, number2: 5 } });
    socket().push({ type: 'response', id: f2?.id, from: ids.alice, body: 4 });
    socket().push({ type: 'response', id: f1?.id, from: ids.alice, body: 6 });
    await expect(q1).resolves.toBe(6);
    await expect(q2).resolves.toBe(4);
  });

  it("rejects with the responder's error code and message", async () => {
    const { mwse, socket } = startClient();
    const q = mwse.peer(ids.alice).request('x');
    socket().push({
      type: 'response',
      id: socket().last('request/to').id,
      from: ids.alice,
      error: { code: 'remote-error', message: 'division by zero' },
    });
    await expect(q).rejects.toMatchObject({ code: 'remote-error', message: 'division by zero' });
  });

  it("rejects with the server's refusal (not-paired)", async () => {
    const { mwse, socket } = startClient();
    const q = mwse.peer(ids.alice).request('x');
    socket().push({
      type: 'error',
      id: socket().last('request/to').id,
      code: 'not-paired',
      message: 'not paired',
    });
    await expect(q).rejects.toMatchObject({ code: 'not-paired' });
  });

  it('times out with timeout and tells the server to forget the request', async () => {
    vi.useFakeTimers();
    const { mwse, socket } = startClient({ requestTimeout: 30_000 });
    const q = mwse.peer(ids.alice).request('x', { timeout: 50 });
    const outcome = q.catch((e: unknown) => e);
    const id = socket().last('request/to').id;
    await vi.advanceTimersByTimeAsync(50);
    expect(await outcome).toMatchObject({ code: 'timeout' });
    expect(socket().last('request/cancel')).toEqual({ type: 'request/cancel', id, to: ids.alice });
  });

  it('a request that times out while queued is dropped, not sent', async () => {
    vi.useFakeTimers();
    const { mwse, server } = startClient({ scoped: false });
    const outcome = mwse
      .peer(ids.alice)
      .request('x', { timeout: 10 })
      .catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10);
    expect(await outcome).toMatchObject({ code: 'timeout' });
    server.socket.hello(ids.me);
    expect(server.socket.sent).toEqual([]);
  });

  it('rejects the pending requests to a peer that disconnects, and only those', async () => {
    const { mwse, socket } = startClient();
    const alice = mwse.peer(ids.alice);
    const toAlice = alice.request('a').catch((e: unknown) => e);
    const toBob = mwse.peer(ids.bob).request('b');
    const disconnect = vi.fn();
    const seen: unknown[] = [];
    alice.on('disconnect', () => {
      disconnect();
      seen.push('peer');
    });
    mwse.on('peer/disconnect', (peer) => seen.push(peer));
    socket().push({ type: 'peer/disconnect', peer: ids.alice });
    expect(await toAlice).toMatchObject({ code: 'peer-disconnected' });
    expect(disconnect).toHaveBeenCalledOnce();
    expect(seen).toEqual(['peer', alice]);
    socket().push({
      type: 'response',
      id: socket().frames('request/to')[1]?.id,
      from: ids.bob,
      body: 'ok',
    });
    await expect(toBob).resolves.toBe('ok');
  });
});

describe('Peer pairing', () => {
  it('sends pair frames to the peer and resolves on the result', async () => {
    const { mwse, socket } = startClient();
    const alice = mwse.peer(ids.alice);
    for (const [method, type] of [
      ['requestPair', 'pair/request'],
      ['rejectPair', 'pair/reject'],
      ['endPair', 'pair/end'],
    ] as const) {
      const done = alice[method]();
      expect(socket().last(type).to).toBe(ids.alice);
      answer(socket(), type);
      await expect(done).resolves.toBeUndefined();
    }
  });

  it('acceptPair fires accepted/pair on the client, me and the peer once the server applied it', async () => {
    const { mwse, socket } = startClient();
    const alice = mwse.peer(ids.alice);
    const order: string[] = [];
    alice.on('accepted/pair', (p) => order.push(`peer:${p.socketId}`));
    mwse.me.on('accepted/pair', (p) => order.push(`me:${p.socketId}`));
    mwse.on('accepted/pair', (p) => order.push(`mwse:${p.socketId}`));
    const accepted = alice.acceptPair();
    expect(socket().last('pair/accept').to).toBe(ids.alice);
    expect(order).toEqual([]);
    answer(socket(), 'pair/accept');
    await accepted;
    expect(order.sort()).toEqual([`me:${ids.alice}`, `mwse:${ids.alice}`, `peer:${ids.alice}`]);
  });

  it('a refused acceptPair fires nothing', async () => {
    const { mwse, socket } = startClient();
    const fired = vi.fn();
    mwse.on('accepted/pair', fired);
    const accepted = mwse.peer(ids.alice).acceptPair();
    socket().push({
      type: 'error',
      id: socket().last('pair/accept').id,
      code: 'unreachable',
      message: 'gone',
    });
    await expect(accepted).rejects.toMatchObject({ code: 'unreachable' });
    expect(fired).not.toHaveBeenCalled();
  });

  it.each([
    ['pair/request', 'request/pair'],
    ['pair/accepted', 'accepted/pair'],
    ['pair/ended', 'end/pair'],
  ] as const)('incoming %s fires %s on the client, me and the sender', (type, event) => {
    const { mwse, socket } = startClient();
    const alice = mwse.peer(ids.alice);
    const onPeer = vi.fn();
    const onMe = vi.fn();
    const onClient = vi.fn();
    const onBob = vi.fn();
    alice.on(event, onPeer);
    mwse.me.on(event, onMe);
    mwse.on(event, onClient);
    mwse.peer(ids.bob).on(event, onBob);
    socket().push({ type, from: ids.alice });
    expect(onPeer).toHaveBeenCalledWith(alice);
    expect(onMe).toHaveBeenCalledWith(alice);
    expect(onClient).toHaveBeenCalledWith(alice);
    expect(onBob).not.toHaveBeenCalled();
  });
});

describe('PeerInfo', () => {
  it('me.info.set writes info/set; get reads with my real socket id', async () => {
    const { mwse, socket } = startClient();
    const set = mwse.me.info.set('name', 'John');
    expect(socket().last('info/set')).toMatchObject({ key: 'name', value: 'John' });
    answer(socket(), 'info/set');
    await set;
    const name = mwse.me.info.get('name');
    expect(socket().last('info/get')).toMatchObject({ peer: ids.me, key: 'name' });
    answer(socket(), 'info/get', 'John');
    await expect(name).resolves.toBe('John');
    const all = mwse.me.info.get();
    expect(socket().last('info/get')).not.toHaveProperty('key');
    answer(socket(), 'info/get', { name: 'John', surname: 'Smith' });
    await expect(all).resolves.toEqual({ name: 'John', surname: 'Smith' });
  });

  it('me.info.get before the hello waits for it and asks about the new id', async () => {
    const { mwse, server } = startClient({ scoped: false });
    const name = mwse.me.info.get('name');
    server.socket.hello(ids.me);
    await vi.waitFor(() => expect(server.socket.last('info/get').peer).toBe(ids.me));
    answer(server.socket, 'info/get', 'John');
    await expect(name).resolves.toBe('John');
  });

  it("another peer's info.get asks about that peer; its info.set writes MY info", async () => {
    const { mwse, socket } = startClient();
    const other = mwse.peer(ids.alice);
    void other.info.get();
    expect(socket().last('info/get')).toMatchObject({ peer: ids.alice });
    void other.info.set('value', 0);
    expect(socket().last('info/set')).toEqual({
      type: 'info/set',
      id: expect.any(Number),
      key: 'value',
      value: 0,
    });
  });

  it('null or undefined removes a key (sent as null) and me fires info', async () => {
    const { mwse, socket } = startClient();
    const info = vi.fn();
    mwse.me.on('info', info);
    const removed = mwse.me.info.set('avatar', undefined);
    expect(socket().last('info/set').value).toBeNull();
    answer(socket(), 'info/set');
    await removed;
    expect(info).toHaveBeenCalledWith('avatar', undefined);
  });

  it('peer/info fires info on that peer and peer/info on the client', () => {
    const { mwse, socket } = startClient();
    const alice = mwse.peer(ids.alice);
    const onPeer = vi.fn();
    const onClient = vi.fn();
    alice.on('info', onPeer);
    mwse.on('peer/info', onClient);
    socket().push({ type: 'peer/info', from: ids.alice, key: 'name', value: 'Jane' });
    expect(onPeer).toHaveBeenCalledWith('name', 'Jane');
    expect(onClient).toHaveBeenCalledWith(alice, 'name', 'Jane');
  });
});
