import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createEngine } from '@mwse/engine';
import { TRANSPORTS, endpointOf, eventually, floodPausedReader, once, settle, useServer, withTimeout } from './harness.js';

describe.each(TRANSPORTS)('bad input over %s', (transport) => {
  const { raw, client, state } = useServer(transport, { maxMessageSize: 64 * 1024 });

  // [what, data, error code, correlation id the error must carry]
  const junk: [string, string | Buffer, string, number | undefined][] = [
    ['invalid JSON', '{"type":', 'bad-frame', undefined],
    ['a JSON array', '[1,2]', 'bad-frame', undefined],
    ['no type', '{"id":3}', 'bad-frame', 3],
    ['an unknown type', '{"type":"teleport","id":4}', 'unknown-type', 4],
    ['a wrong shape', '{"type":"request/to","id":5,"to":12,"body":1}', 'bad-frame', 5],
    ['an extra field', '{"type":"pair/request","id":6,"to":"x","admin":true}', 'bad-frame', 6],
    ['an oversize room name', JSON.stringify({ type: 'room/join', id: 7, name: 'r'.repeat(500) }), 'bad-frame', 7],
    ['binary junk', Buffer.from([0xff, 0x00, 0xc3, 0x28, 0x9f]), 'bad-frame', undefined],
    ['binary JSON of an unknown type', Buffer.from('{"type":"nope","id":8}'), 'unknown-type', 8],
  ];

  it.each(junk)('answers %s with an error frame and keeps everyone working', async (_, data, code, id) => {
    const attacker = await raw();
    const a = await client();
    const b = await client();
    await b.disablePairAuth();
    attacker.send(data);
    const error = await attacker.next('error');
    expect(error.code).toBe(code);
    expect(error.id).toBe(id);
    // the attacker's connection still works
    attacker.send({ type: 'peer/reachable', id: 99, peer: a.me.socketId });
    expect(await attacker.next('result')).toMatchObject({ id: 99, data: true });
    // and so does everyone else's
    const got = once(b.peer(a.me.socketId), 'message');
    a.peer(b.me.socketId).send('still fine');
    expect(await got).toEqual(['still fine']);
  });

  it('keeps the correlation id of a refused frame', async () => {
    const c = await raw();
    c.send('{"type":"request/to","id":41,"to":42}');
    expect(await c.next('error')).toMatchObject({ id: 41, code: 'bad-frame' });
    c.send('{"type":"info/get","id":42}');
    const e = await c.next('error');
    expect(e).toMatchObject({ id: 42, code: 'bad-frame' });
    expect((e.issues as string[]).join()).toMatch(/peer/);
  });

  it('ignores a response from a peer that was not asked (no spoofed answers)', async () => {
    const asker = await raw();
    const target = await raw();
    const spoofer = await raw();
    target.send({ type: 'session/set', id: 1, flags: { pairauth: false } });
    await target.next('result');
    asker.send({ type: 'request/to', id: 7, to: target.socketId, body: 'q' });
    await target.next('request');
    spoofer.send({ type: 'response/to', id: 7, to: asker.socketId, body: 'fake' });
    await settle();
    expect(asker.frames.filter((f) => f.type === 'response')).toEqual([]);
    target.send({ type: 'response/to', id: 7, to: asker.socketId, body: 'real' });
    expect(await asker.next('response')).toMatchObject({ id: 7, from: target.socketId, body: 'real' });
    // a second answer to a finished request is ignored too
    target.send({ type: 'response/to', id: 7, to: asker.socketId, body: 'again' });
    await settle();
    expect(asker.frames.filter((f) => f.type === 'response')).toEqual([]);
  });

  it('closes a connection that sends a frame over maxMessageSize with 1009, others unaffected', async () => {
    const big = await raw();
    const a = await client();
    big.send('x'.repeat(64 * 1024 + 10));
    expect(await withTimeout(big.closed, 2000, 'close')).toBe(1009);
    expect(await a.peer(a.me.socketId).isReachable()).toBe(true);
  });

  it('accepts a frame just under maxMessageSize', async () => {
    const c = await raw();
    const pack = 'y'.repeat(64 * 1024 - 200);
    c.send({ type: 'pack/to', to: c.socketId, pack });
    c.send({ type: 'peer/reachable', id: 1, peer: c.socketId });
    expect(await c.next('result')).toMatchObject({ id: 1 });
    void state;
  });
});

describe.each(TRANSPORTS)('slow consumers over %s', (transport) => {
  const outboundBuffer = 32;
  const { raw, state } = useServer(transport, { outboundBuffer, maxMessageSize: 1024 * 1024 });

  it('cuts a consumer that stops reading, keeps its queue bounded and the sender working', async () => {
    const sender = await raw();
    const slow = await raw();
    const slowPeer = await floodPausedReader(state.engine, sender, slow, 64 * 1024, 400);
    await eventually(() => state.engine.hub.peer(slow.socketId) === undefined, 5000, 'slow peer cut');
    expect(slowPeer.queue.highWater).toBeLessThanOrEqual(outboundBuffer);
    expect(slowPeer.queue.length).toBe(0);
    sender.send({ type: 'peer/reachable', id: 5, peer: slow.socketId });
    expect(await sender.next('result')).toMatchObject({ id: 5, data: false });
  });
});

describe.each(TRANSPORTS)('lifecycle over %s', (transport) => {
  it('closes every connection with 1001 on shutdown and stops accepting', async () => {
    const engine = await createEngine({ host: '127.0.0.1', port: 0, transport, shutdownTimeout: 2000 });
    const sockets = await Promise.all(
      [1, 2, 3].map(
        () =>
          new Promise<WebSocket>((resolve) => {
            const ws = new WebSocket(endpointOf(engine));
            ws.on('message', () => resolve(ws));
          }),
      ),
    );
    const codes = Promise.all(sockets.map((ws) => new Promise((r) => ws.on('close', (c) => r(c)))));
    const started = Date.now();
    await engine.close();
    expect(await codes).toEqual([1001, 1001, 1001]);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(engine.hub.size).toBe(0);
    const refused = await new Promise((resolve) => {
      const ws = new WebSocket(endpointOf(engine));
      ws.on('error', () => resolve(true));
      ws.on('open', () => resolve(false));
    });
    expect(refused).toBe(true);
  });

  it('drops a connection that stays silent past two heartbeat intervals', async () => {
    const engine = await createEngine({ host: '127.0.0.1', port: 0, transport, pingInterval: 100 });
    try {
      const ws = new WebSocket(endpointOf(engine), { autoPong: false } as WebSocket.ClientOptions);
      await once(ws, 'message');
      expect(engine.hub.size).toBe(1);
      const pinged = once(ws, 'ping', 1000);
      const closed = once(ws, 'close', 2000);
      await pinged;
      await closed;
      await eventually(() => engine.hub.size === 0, 1000, 'the server to forget the silent peer');
      // a client that answers pings stays
      const live = new WebSocket(endpointOf(engine));
      await once(live, 'message');
      await settle(500);
      expect(live.readyState).toBe(WebSocket.OPEN);
      live.close();
    } finally {
      await engine.close();
    }
  });
});
