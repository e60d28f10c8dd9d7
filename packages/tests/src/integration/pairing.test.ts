import { describe, expect, it } from 'vitest';
import { SETUPS, once, settle, useServer } from './harness.js';

describe.each(SETUPS)('pair-auth over %s with %s frames', (transport, codec) => {
  const { client } = useServer(transport, {}, codec);

  async function two() {
    const a = await client();
    const b = await client();
    return { a, b, ab: a.peer(b.me.socketId), ba: b.peer(a.me.socketId) };
  }

  function collect(emitter: { on(e: string, f: (...a: unknown[]) => void): unknown }, event: string) {
    const got: unknown[] = [];
    emitter.on(event, (x: unknown) => got.push(x));
    return got;
  }

  it('drops direct messages to a peer with pair-auth on (the default)', async () => {
    const { b, ab, ba } = await two();
    const got = collect(ba, 'message');
    const all = collect(b, 'message');
    ab.send('unwanted');
    await settle();
    expect(got).toEqual([]);
    expect(all).toEqual([]);
  });

  it('delivers after disablePairAuth resolves, and drops again after enablePairAuth', async () => {
    const { b, ab, ba } = await two();
    const got = collect(ba, 'message');
    await b.disablePairAuth();
    ab.send(1);
    await settle();
    await b.enablePairAuth();
    ab.send(2);
    await settle();
    expect(got).toEqual([1]);
  });

  it('request → accept: both sides get accepted/pair (on mwse, mwse.me and the peer) and trust each other', async () => {
    const { a, b, ab, ba } = await two();
    const requested = once<[unknown]>(b, 'request/pair');
    const requestedOnPeer = once<[unknown]>(ba, 'request/pair');
    await ab.requestPair();
    expect((await requested)[0]).toBe(ba);
    expect((await requestedOnPeer)[0]).toBe(ba);

    const aAll = once<[unknown]>(a, 'accepted/pair');
    const aMe = once<[unknown]>(a.me, 'accepted/pair');
    const aPeer = once<[unknown]>(ab, 'accepted/pair');
    const bAll = once<[unknown]>(b, 'accepted/pair');
    const bMe = once<[unknown]>(b.me, 'accepted/pair');
    await ba.acceptPair();
    expect((await aAll)[0]).toBe(ab);
    expect((await aMe)[0]).toBe(ab);
    expect((await aPeer)[0]).toBe(ab);
    expect((await bAll)[0]).toBe(ba);
    expect((await bMe)[0]).toBe(ba);

    // b trusts a, and a trusts b because a asked
    const toB = once(ba, 'message');
    const toA = once(ab, 'message');
    ab.send('to b');
    ba.send('to a');
    expect(await toB).toEqual(['to b']);
    expect(await toA).toEqual(['to a']);
  });

  it('accepting without a request trusts one way and tells the other side', async () => {
    const { a, b, ab, ba } = await two();
    const told = once<[unknown]>(a, 'accepted/pair');
    await ba.acceptPair(); // b accepts a, unasked
    expect((await told)[0]).toBe(ab);
    const toB = once(ba, 'message');
    ab.send('allowed');
    expect(await toB).toEqual(['allowed']);
    // a never accepted b, so b → a stays blocked
    const atA = collect(ab, 'message');
    ba.send('blocked');
    await settle();
    expect(atA).toEqual([]);
  });

  it('accepting everyone in a room (the seed example) lets them message me', async () => {
    const owner = await client();
    const room = owner.room({ name: 'accept-all', joinType: 'free' });
    await room.createRoom();
    room.on('join', (peer: { acceptPair(): Promise<void> }) => void peer.acceptPair());
    const guest = await client();
    const accepted = once(guest, 'accepted/pair');
    await guest.room({ name: 'accept-all' }).join();
    await accepted;
    const got = once(owner.peer(guest.me.socketId), 'message');
    guest.peer(owner.me.socketId).send('thanks');
    expect(await got).toEqual(['thanks']);
    for (const peer of await room.fetchPeers()) await peer.acceptPair();
  });

  it('rejectPair drops the request and tells the requester with end/pair', async () => {
    const { a, ab, ba, b } = await two();
    const asked = once(b, 'request/pair');
    await ab.requestPair();
    await asked;
    const ended = once<[unknown]>(a, 'end/pair');
    const endedOnPeer = once<[unknown]>(ab, 'end/pair');
    await ba.rejectPair();
    expect((await ended)[0]).toBe(ab);
    await endedOnPeer;
    const got = collect(ba, 'message');
    ab.send('still blocked');
    await settle();
    expect(got).toEqual([]);
  });

  it('endPair removes trust both ways and tells the other side', async () => {
    const { a, b, ab, ba } = await two();
    const asked = once(b, 'request/pair');
    await ab.requestPair();
    await asked;
    await ba.acceptPair();
    const ended = once<[unknown]>(b, 'end/pair');
    await ab.endPair();
    expect((await ended)[0]).toBe(ba);
    const atA = collect(ab, 'message');
    const atB = collect(ba, 'message');
    ab.send('x');
    ba.send('y');
    await settle();
    expect(atA).toEqual([]);
    expect(atB).toEqual([]);
    void a;
  });

  it('fetchPairs lists pairs and pending requests both ways, as the server holds them', async () => {
    const { a, b, ab, ba } = await two();
    const c = await client();
    const ac = a.peer(c.me.socketId);
    const ids = (pairs: Awaited<ReturnType<typeof a.fetchPairs>>) =>
      Object.fromEntries(Object.entries(pairs).map(([k, peers]: [string, { socketId: string }[]]) => [k, peers.map((p) => p.socketId)]));
    expect(ids(await a.fetchPairs())).toEqual({ accepted: [], acceptedBy: [], incoming: [], outgoing: [] });

    // a asks b, c asks a; b accepts a's request (trust both ways); a trusts c without answering.
    const asked = once(b, 'request/pair');
    await ab.requestPair();
    await asked;
    await c.peer(a.me.socketId).requestPair();
    await settle();
    expect(ids(await a.fetchPairs())).toEqual({ accepted: [], acceptedBy: [], incoming: [c.me.socketId], outgoing: [b.me.socketId] });
    expect(ids(await b.fetchPairs())).toMatchObject({ incoming: [a.me.socketId], outgoing: [] });

    await ba.acceptPair();
    await settle();
    expect(ids(await a.fetchPairs())).toEqual({
      accepted: [b.me.socketId],
      acceptedBy: [b.me.socketId],
      incoming: [c.me.socketId],
      outgoing: [],
    });
    await ac.acceptPair();
    expect(ids(await a.fetchPairs())).toEqual({
      accepted: [b.me.socketId, c.me.socketId],
      acceptedBy: [b.me.socketId, c.me.socketId],
      incoming: [],
      outgoing: [],
    });
    // The peers are the client's own objects.
    expect((await a.fetchPairs()).accepted[0]).toBe(ab);

    // Ending and disconnecting take them off both lists.
    await ab.endPair();
    c.close();
    await settle();
    expect(ids(await a.fetchPairs())).toEqual({ accepted: [], acceptedBy: [], incoming: [], outgoing: [] });
    expect(ids(await b.fetchPairs())).toEqual({ accepted: [], acceptedBy: [], incoming: [], outgoing: [] });
  });

  it('room broadcasts ignore pair-auth', async () => {
    const { a, b } = await two();
    await a.room({ name: 'broadcast', joinType: 'free', ifexistsJoin: true }).createRoom();
    const rb = b.room({ name: 'broadcast', joinType: 'free', ifexistsJoin: true });
    await rb.createRoom();
    const got = once<[unknown, { socketId: string }]>(rb, 'message');
    a.room({ name: 'broadcast' }).send({ text: 'merhaba!' });
    const [pack, peer] = await got;
    expect(pack).toEqual({ text: 'merhaba!' });
    expect(peer.socketId).toBe(a.me.socketId);
  });

  it('writable=false refuses direct traffic even from trusted peers', async () => {
    const { b, ab, ba } = await two();
    await ba.acceptPair();
    await b.setSession({ writable: false });
    const got = collect(ba, 'message');
    ab.send('nope');
    await settle();
    expect(got).toEqual([]);
    await expect(ab.request('x')).rejects.toMatchObject({ code: 'forbidden' });
  });
});
