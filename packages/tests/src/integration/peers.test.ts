import { describe, expect, it } from 'vitest';
import { SETUPS, eventually, once, settle, useServer } from './harness.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe.each(SETUPS)('peers over %s with %s frames', (transport, codec) => {
  const { client, state } = useServer(transport, {}, codec);

  it('scopes with a UUID v4 socketId; me and peer("me") are the same object', async () => {
    const a = await client();
    expect(a.me.socketId).toMatch(UUID);
    expect(a.peer('me')).toBe(a.me);
    let ran = false;
    a.scope(() => {
      ran = true;
    });
    expect(ran).toBe(true);
  });

  it('returns the same Peer object for the same id', async () => {
    const a = await client();
    const b = await client();
    expect(a.peer(b.me.socketId)).toBe(a.peer(b.me.socketId));
    expect(a.peer(b.me.socketId).socketId).toBe(b.me.socketId);
  });

  it('delivers direct messages to peer.on("message") and mwse.on("message") with the sender', async () => {
    const a = await client();
    const b = await client();
    await b.disablePairAuth();
    const onPeer = once(b.peer(a.me.socketId), 'message');
    const onAll = once<[unknown, { socketId: string }]>(b, 'message');
    a.peer(b.me.socketId).send("Hi '");
    expect(await onPeer).toEqual(["Hi '"]);
    // the SDK asked for, and got, the codec this suite runs with
    expect(state.engine.hub.peer(a.me.socketId)?.binary).toBe(codec === 'binary');
    const [pack, from] = await onAll;
    expect(pack).toBe("Hi '");
    expect(from).toBe(b.peer(a.me.socketId));
  });

  it('carries any JSON value as it was sent', async () => {
    const a = await client();
    const b = await client();
    await b.disablePairAuth();
    const values = [0, 'text', null, true, [1, { x: [2] }], { nested: { deep: 'ok' } }];
    const got: unknown[] = [];
    b.peer(a.me.socketId).on('message', (data: unknown) => got.push(data));
    for (const v of values) a.peer(b.me.socketId).send(v);
    await settle();
    expect(got).toEqual(values);
  });

  it('does not fire peer.on("message") for room traffic', async () => {
    const a = await client();
    const b = await client();
    await b.disablePairAuth();
    await a.room({ name: 'only-room', joinType: 'free', ifexistsJoin: true }).createRoom();
    const roomB = b.room({ name: 'only-room', joinType: 'free', ifexistsJoin: true });
    await roomB.createRoom();
    const direct: unknown[] = [];
    b.peer(a.me.socketId).on('message', (d: unknown) => direct.push(d));
    b.on('message', (d: unknown) => direct.push(d));
    const roomMsg = once(roomB, 'message');
    a.room({ name: 'only-room' }).send({ text: 'to the room' });
    expect((await roomMsg)[0]).toEqual({ text: 'to the room' });
    await settle();
    expect(direct).toEqual([]);
  });

  it('carries signalling to peer.on("signal") only, never to message listeners, under pair-auth', async () => {
    const a = await client();
    const b = await client();
    const seen: unknown[] = [];
    b.on('message', (m: unknown) => seen.push(['message', m]));
    b.peer(a.me.socketId).on('message', (m: unknown) => seen.push(['peer message', m]));
    b.peer(a.me.socketId).on('signal', (d: unknown) => seen.push(['signal', d]));
    a.peer(b.me.socketId).signal({ sdp: 'blocked' }); // b has pair-auth on
    await settle();
    expect(seen).toEqual([]);
    await b.peer(a.me.socketId).acceptPair();
    const got = once(b.peer(a.me.socketId), 'signal');
    a.peer(b.me.socketId).signal({ sdp: 'offer' });
    expect(await got).toEqual([{ sdp: 'offer' }]);
    await settle();
    expect(seen).toEqual([['signal', { sdp: 'offer' }]]);
  });

  it('answers isReachable true while connected and false after', async () => {
    const a = await client();
    const b = await client();
    const pb = a.peer(b.me.socketId);
    expect(await pb.isReachable()).toBe(true);
    b.close();
    await eventually(() => state.engine.hub.peer(b.me.socketId) === undefined);
    expect(await pb.isReachable()).toBe(false);
  });

  it('tells watchers when a peer they messaged disconnects', async () => {
    const a = await client();
    const b = await client();
    const c = await client();
    a.peer(b.me.socketId).send('hello'); // a and b now watch each other
    const aSeesB = once(a.peer(b.me.socketId), 'disconnect');
    const cEvents: unknown[] = [];
    c.peer(b.me.socketId).on('disconnect', () => cEvents.push('disconnect'));
    b.close();
    await aSeesB;
    await settle();
    expect(cEvents).toEqual([]); // c never talked to b
  });

  it('tells both sides of a pair request when one disconnects', async () => {
    const a = await client();
    const b = await client();
    const asked = once(b, 'request/pair');
    await a.peer(b.me.socketId).requestPair();
    await asked;
    const bSeesA = once(b.peer(a.me.socketId), 'disconnect');
    a.close();
    await bSeesA;
  });

  it('delivers messages from the server API as mwse.peer("server")', async () => {
    const a = await client();
    const got = once<[unknown, unknown]>(a, 'message');
    expect(state.engine.sendFromServer(a.me.socketId, { hello: 'world' })).toBe(true);
    const [pack, peer] = await got;
    expect(pack).toEqual({ hello: 'world' });
    expect(peer).toBe(a.peer('server'));
    expect(state.engine.sendFromServer('00000000-0000-4000-8000-000000000000', 1)).toBe(false);
    // sendFromServerAnywhere reaches a peer of any node (on the cluster fixture, b is on the other).
    const b = await client();
    const toB = once<[unknown, unknown]>(b, 'message');
    expect(await state.engine.sendFromServerAnywhere(b.me.socketId, { anywhere: true })).toBe(true);
    expect((await toB)[0]).toEqual({ anywhere: true });
    expect(await state.engine.sendFromServerAnywhere('00000000-0000-4000-8000-000000000000', 1)).toBe(false);
  });

  it('does not reconnect after close()', async () => {
    const a = await client({ reconnect: true });
    const id = a.me.socketId;
    a.close();
    await settle(300);
    expect(a.me.socketId).toBe(id);
    expect(state.engine.hub.peer(id)).toBeUndefined();
  });
});
