import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createEngine, type Engine, type EngineOptions } from '@mwse/engine';
import MWSE from '@mwse/client';
import { CutProxy } from '@mwse/testkit/cut-proxy';
import { RawClient, SETUPS, TRANSPORTS, endpointOf, eventually, once, settle, useServer, withTimeout } from './harness.js';
import { sendJson, useHttpStub } from './httpStub.js';

/** A raw socket that is open but has no hello yet (a resume link waits for its first frame). */
async function rawOpen(endpoint: string, path: string, track: WebSocket[]): Promise<RawClient> {
  const ws = new WebSocket(`${endpoint}${path}`);
  track.push(ws);
  const raw = new RawClient(ws);
  await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject));
  return raw;
}

type Hello = Record<string, any>;

/** Ask to resume `hello`'s session with `token` (default: the one it gave) on a new raw socket. */
async function resumeRaw(endpoint: string, hello: Hello, track: WebSocket[], token = hello.resume.token as string, query = '') {
  const raw = await rawOpen(endpoint, `/?resume=1${query}`, track);
  raw.send({ type: 'session/resume', socketId: hello.socketId, token, seq: 0, from: 0 });
  return { raw, hello: (await raw.next('hello')) as Hello };
}

/** Drop a raw socket the way a network does: no close frame. */
function cut(raw: RawClient): Promise<number> {
  raw.ws.terminate();
  return raw.closed;
}

describe.each(TRANSPORTS)('resume tokens over %s', (transport) => {
  const approver = useHttpStub((req, res) => {
    const user = new URLSearchParams(String(req.json?.query ?? '')).get('user') ?? 'alice';
    sendJson(res, 200, { allow: true, identity: user });
  });
  const { state, raw: connectRaw } = useServer(transport, () => ({ approveUrl: `${approver.url}/approve`, resumeGrace: 120_000 }));
  const endpoint = () => endpointOf(state.engine);

  it('a wrong token is refused as unknown, leaks nothing, and leaves the real session resumable', async () => {
    const first = await connectRaw();
    const original = state.engine.hub.peer(first.socketId)!;
    const token = (await firstHello(first)).resume.token as string;
    await cut(first);
    await eventually(() => original.session?.away === true, 2000, 'session away');
    state.engine.sendFromServer(first.socketId, { secret: 1 });
    const wrong = await resumeRaw(endpoint(), { socketId: first.socketId }, state.sockets, 'A'.repeat(43));
    expect(wrong.hello.resumed).toBe(false);
    expect(wrong.hello.reason).toBe('unknown');
    expect(wrong.hello.socketId).not.toBe(first.socketId);
    await settle();
    expect(wrong.raw.frames.filter((f) => f.type === 'pack')).toEqual([]);
    const right = await resumeRaw(endpoint(), { socketId: first.socketId }, state.sockets, token);
    expect(right.hello.resumed).toBe(true);
    expect(right.hello.socketId).toBe(first.socketId);
    expect((await right.raw.next('pack')).pack).toEqual({ secret: 1 });
  });

  it('a token replayed after its rotation is refused once the client used the new one', async () => {
    const first = await connectRaw();
    const t1 = (await firstHello(first)).resume.token as string;
    await cut(first);
    const second = await resumeRaw(endpoint(), { socketId: first.socketId }, state.sockets, t1);
    expect(second.hello.resumed).toBe(true);
    const t2 = second.hello.resume.token as string;
    expect(t2).not.toBe(t1);
    second.raw.send({ type: 'session/ack', seq: 0 });
    await settle(50);
    await cut(second.raw);
    const replayed = await resumeRaw(endpoint(), { socketId: first.socketId }, state.sockets, t1);
    expect(replayed.hello).toMatchObject({ resumed: false, reason: 'unknown' });
    const rotated = await resumeRaw(endpoint(), { socketId: first.socketId }, state.sockets, t2);
    expect(rotated.hello).toMatchObject({ resumed: true, socketId: first.socketId });
  });

  it('a session that ended is named (not unknown) to a client that holds the token its lost resumed hello replaced', async () => {
    const first = await connectRaw();
    const t1 = (await firstHello(first)).resume.token as string;
    await cut(first);
    // The resume is applied and the token rotated, but the connection drops before the client
    // could use the new one (it sends nothing on the resumed socket): T1 is what it holds.
    const second = await resumeRaw(endpoint(), { socketId: first.socketId }, state.sockets, t1);
    expect(second.hello.resumed).toBe(true);
    await cut(second.raw);
    const peer = state.engine.hub.peer(first.socketId)!;
    await eventually(() => peer.session?.away === true, 2000, 'session away');
    // More frames than the replay bound (1024 by default) for the away session: it ends.
    for (let i = 0; i < 1100; i++) state.engine.sendFromServer(first.socketId, i);
    await eventually(() => state.engine.hub.peer(first.socketId) === undefined, 2000, 'session ended');
    const late = await resumeRaw(endpoint(), { socketId: first.socketId }, state.sockets, t1);
    expect(late.hello).toMatchObject({ resumed: false, reason: 'overflow' });
    const wrong = await resumeRaw(endpoint(), { socketId: first.socketId }, state.sockets, 'B'.repeat(43));
    expect(wrong.hello).toMatchObject({ resumed: false, reason: 'unknown' });
  });

  it('a resume the bridge approves for another identity is refused, and the session stays for its owner', async () => {
    const first = await connectRaw({ path: '/?user=alice' });
    const hello = await firstHello(first);
    expect(hello.identity).toBe('alice');
    await cut(first);
    const other = await resumeRaw(endpoint(), hello, state.sockets, hello.resume.token, '&user=mallory');
    expect(other.hello).toMatchObject({ resumed: false, reason: 'identity', identity: 'mallory' });
    expect(other.hello.socketId).not.toBe(hello.socketId);
    const owner = await resumeRaw(endpoint(), hello, state.sockets, hello.resume.token, '&user=alice');
    expect(owner.hello).toMatchObject({ resumed: true, socketId: hello.socketId, identity: 'alice' });
  });

  it('a second socket resuming a live session closes the first with 4001', async () => {
    const first = await connectRaw();
    const hello = await firstHello(first);
    const second = await resumeRaw(endpoint(), hello, state.sockets);
    expect(second.hello.resumed).toBe(true);
    expect(await first.closed).toBe(4001);
    state.engine.sendFromServer(hello.socketId, 'still here');
    expect((await second.raw.next('pack')).pack).toBe('still here');
  });

  it('a connection silent past the heartbeat is closed with 4000, and its session waits to be resumed', async () => {
    const engine = await createEngine({ host: '127.0.0.1', port: 0, transport, pingInterval: 100, resumeGrace: 120_000 });
    try {
      const ws = new WebSocket(endpointOf(engine), { autoPong: false } as WebSocket.ClientOptions);
      state.sockets.push(ws);
      const silent = new RawClient(ws);
      const hello = (await silent.next('hello')) as Hello;
      expect(await withTimeout(silent.closed, 3000, 'the close')).toBe(4000);
      await eventually(() => engine.hub.sessions.awayCount === 1, 2000, 'session away');
      expect(engine.hub.peer(hello.socketId)).toBeDefined();
      const back = await resumeRaw(endpointOf(engine), hello, state.sockets);
      expect(back.hello).toMatchObject({ resumed: true, socketId: hello.socketId });
    } finally {
      await engine.close();
    }
  });

  it('a resume frame that is not the first frame of a ?resume=1 socket is refused with bad-frame', async () => {
    const first = await connectRaw();
    const hello = await firstHello(first);
    first.send({ type: 'session/resume', socketId: hello.socketId, token: hello.resume.token, seq: 0, from: 0 });
    expect((await first.next('error')).code).toBe('bad-frame');
  });

  async function firstHello(raw: RawClient): Promise<Hello> {
    return raw.hello as Hello;
  }
});

describe.each(SETUPS)('session bounds over %s with %s frames', (transport, codec) => {
  let engine: Engine | undefined;
  let proxy: CutProxy | undefined;
  const clients: MWSE[] = [];

  async function start(options: EngineOptions): Promise<void> {
    engine = await createEngine({ host: '127.0.0.1', port: 0, transport, resumeGrace: 120_000, ...options });
    proxy = await new CutProxy(engine.port).start();
  }
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await proxy?.stop();
    await engine?.close();
  });

  async function sdk(through: 'proxy' | 'direct'): Promise<MWSE> {
    const endpoint = through === 'proxy' ? proxy!.endpoint : endpointOf(engine!);
    const mwse = new MWSE({ endpoint, codec, reconnect: through === 'proxy' ? { initialDelay: 50, maxDelay: 100 } : false });
    clients.push(mwse);
    await mwse.scope();
    return mwse;
  }

  /** A (through the proxy) and B (direct) in one room, B watching A. */
  async function pairUp() {
    const a = await sdk('proxy');
    const b = await sdk('direct');
    await b.peer(a.me.socketId).acceptPair();
    await a.peer(b.me.socketId).acceptPair();
    const roomA = a.room({ name: 'bounds', joinType: 'free', ifexistsJoin: true });
    await roomA.createRoom();
    const roomB = b.room({ name: 'bounds', ifexistsJoin: true });
    await roomB.createRoom();
    const seen = { disconnects: 0, leaves: 0 };
    b.on('peer/disconnect', () => (seen.disconnects += 1));
    roomB.on('leave', () => (seen.leaves += 1));
    return { a, b, seen };
  }

  it('an away session past the grace window ends: peers are told once, the client is told expired', async () => {
    await start({ resumeGrace: 300 });
    const { a, b, seen } = await pairUp();
    const oldId = a.me.socketId;
    proxy!.blocked = true;
    proxy!.cutAll();
    await settle(150);
    expect(seen).toEqual({ disconnects: 0, leaves: 0 });
    await eventually(() => seen.disconnects === 1 && seen.leaves === 1, 3000, 'B told of the end');
    const reconnect = once<[{ resumed: boolean; reason?: string }]>(a, 'reconnect', 3000);
    proxy!.blocked = false;
    expect((await reconnect)[0]).toEqual({ resumed: false, reason: 'expired' });
    expect(a.me.socketId).not.toBe(oldId);
    await settle();
    expect(seen).toEqual({ disconnects: 1, leaves: 1 });
    void b;
  });

  it('an away session past its frame bound ends: peers are told once, the client is told overflow', async () => {
    await start({ replayFrames: 8 });
    const { a, b, seen } = await pairUp();
    proxy!.blocked = true;
    proxy!.cutAll();
    await eventually(() => engine!.hub.sessions.awayCount === 1, 2000, 'A away');
    const toA = b.peer(a.me.socketId);
    for (let i = 0; i < 20; i++) toA.send(i);
    await eventually(() => seen.disconnects === 1 && seen.leaves === 1, 3000, 'B told of the end');
    const reconnect = once<[{ resumed: boolean; reason?: string }]>(a, 'reconnect', 3000);
    proxy!.blocked = false;
    expect((await reconnect)[0]).toEqual({ resumed: false, reason: 'overflow' });
    await settle();
    expect(seen).toEqual({ disconnects: 1, leaves: 1 });
  });

  it('an away session past its byte bound ends likewise', async () => {
    await start({ replayBytes: 4096 });
    const { a, b, seen } = await pairUp();
    proxy!.blocked = true;
    proxy!.cutAll();
    await eventually(() => engine!.hub.sessions.awayCount === 1, 2000, 'A away');
    b.peer(a.me.socketId).send('x'.repeat(3000));
    b.peer(a.me.socketId).send('y'.repeat(3000));
    await eventually(() => seen.disconnects === 1, 3000, 'B told of the end');
    const reconnect = once<[{ resumed: boolean; reason?: string }]>(a, 'reconnect', 3000);
    proxy!.blocked = false;
    expect((await reconnect)[0]).toEqual({ resumed: false, reason: 'overflow' });
  });

  it('a frame over maxMessageSize ends the session at once (regression: on ws the 1009 close looked like a dropped network)', async () => {
    await start({ maxMessageSize: 4096 });
    const b = await sdk('direct');
    const ws = new WebSocket(endpointOf(engine!));
    const raw = new RawClient(ws);
    await raw.next('hello');
    expect(raw.hello?.resume).toBeDefined();
    await b.peer(raw.socketId).acceptPair();
    let told = 0;
    b.on('peer/disconnect', () => (told += 1));
    ws.send('x'.repeat(8192));
    expect(await raw.closed).toBe(1009);
    await eventually(() => engine!.hub.peer(raw.socketId) === undefined, 2000, 'session ended');
    expect(engine!.hub.sessions.awayCount).toBe(0);
    await eventually(() => told === 1, 2000, 'B told');
  });

  it('mwse.close() ends the session at once: peers are told without waiting for the grace window', async () => {
    await start({});
    const { a, seen } = await pairUp();
    a.close();
    await eventually(() => seen.disconnects === 1 && seen.leaves === 1, 2000, 'B told at once');
    expect(engine!.hub.sessions.awayCount).toBe(0);
  });

  it('resumeGrace 0 keeps the old behaviour: no token, a cut ends the session at once, reconnect is not resumed', async () => {
    await start({ resumeGrace: 0 });
    const { a, seen } = await pairUp();
    expect(engine!.hub.peer(a.me.socketId)!.session).toBeUndefined();
    const reconnect = once<[{ resumed: boolean; reason?: string }]>(a, 'reconnect', 3000);
    proxy!.cutAll();
    await eventually(() => seen.disconnects === 1 && seen.leaves === 1, 2000, 'B told at once');
    expect((await reconnect)[0]).toEqual({ resumed: false, reason: 'disabled' });
  });

  it('a request in flight to an away peer is answered after its resume, exactly once', async () => {
    await start({});
    const { a, b } = await pairUp();
    let asked = 0;
    a.on('request', (request) => {
      asked += 1;
      request.response({ got: request.body });
    });
    proxy!.blocked = true;
    proxy!.cutAll();
    await eventually(() => engine!.hub.sessions.awayCount === 1, 2000, 'A away');
    const answer = b.peer(a.me.socketId).request('ping');
    await settle(100);
    proxy!.blocked = false;
    expect(await answer).toEqual({ got: 'ping' });
    await settle();
    expect(asked).toBe(1);
  });
});

describe.each(TRANSPORTS)('notifications to an away session over %s', (transport) => {
  const approver = useHttpStub((req, res) => {
    const user = new URLSearchParams(String(req.json?.query ?? '')).get('user');
    sendJson(res, 200, user ? { allow: true, identity: user } : { allow: true });
  });
  let engine: Engine | undefined;
  let proxy: CutProxy | undefined;
  const clients: MWSE[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await proxy?.stop();
    await engine?.close();
  });

  /** Alice through the proxy, Bob direct; Alice records the titles she is shown. */
  async function start(resumeGrace: number) {
    engine = await createEngine({ host: '127.0.0.1', port: 0, transport, resumeGrace, approveUrl: `${approver.url}/approve` });
    proxy = await new CutProxy(engine.port).start();
    const alice = new MWSE({ endpoint: `${proxy.endpoint}/?user=alice`, reconnect: { initialDelay: 50, maxDelay: 100 } });
    const bob = new MWSE({ endpoint: `${endpointOf(engine)}/?user=bob`, reconnect: false });
    clients.push(alice, bob);
    await Promise.all([alice.scope(), bob.scope()]);
    const shown: string[] = [];
    alice.on('notification', (n) => shown.push(n.title));
    const outcomes: { resumed: boolean; reason?: string }[] = [];
    alice.on('reconnect', (o) => outcomes.push(o));
    proxy.blocked = true;
    proxy.cutAll();
    await eventually(() => engine!.hub.sessions.awayCount === 1, 2000, 'alice away');
    return { alice, bob, shown, outcomes };
  }

  it('a notification to the identity of an away session is delivered once when it resumes', async () => {
    const { bob, shown, outcomes } = await start(120_000);
    expect(await bob.notify({ identity: 'alice' }, { title: 'while away' })).toMatchObject({ status: 'delivered' });
    proxy!.blocked = false;
    await eventually(() => outcomes.length === 1 && shown.length === 1, 5000, 'resumed and shown');
    await settle(200);
    expect(outcomes).toEqual([{ resumed: true }]);
    expect(shown).toEqual(['while away']);
  });

  it('one kept for a session that then ends is still stored, and shown once on the next connection', async () => {
    const { bob, shown, outcomes } = await start(300);
    expect(await bob.notify({ identity: 'alice' }, { title: 'while away' })).toMatchObject({ status: 'delivered' });
    await eventually(() => engine!.hub.sessions.awayCount === 0, 3000, 'grace over');
    proxy!.blocked = false;
    await eventually(() => outcomes.length === 1 && shown.length === 1, 5000, 'reconnected and shown');
    await settle(200);
    expect(outcomes).toEqual([{ resumed: false, reason: 'expired' }]);
    expect(shown).toEqual(['while away']);
  });
});
