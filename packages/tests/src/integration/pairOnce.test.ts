/**
 * `accepted/pair` fires once per pairing. Both sides accepting each other used to fire it twice on
 * each side (its own acceptance, then the other's), so a handler that starts a WebRTC call per
 * pairing ran twice and the seed's video snippet showed every remote camera twice.
 */
import type MWSE from '@mwse/client';
import { describe, expect, it } from 'vitest';
import { SETUPS, once, settle, useServer } from './harness.js';

type Counts = { client: string[]; me: string[]; peer: string[] };

/** Every `accepted/pair` `mwse` hears about `otherId`, on the client, on `me` and on the peer. */
function countAccepted(mwse: MWSE, otherId: string): Counts {
  const counts: Counts = { client: [], me: [], peer: [] };
  mwse.on('accepted/pair', (peer) => counts.client.push(peer.socketId));
  mwse.me.on('accepted/pair', (peer) => counts.me.push(peer.socketId));
  mwse.peer(otherId).on('accepted/pair', (peer) => counts.peer.push(peer.socketId));
  return counts;
}

describe.each(SETUPS)('accepted/pair once per pairing over %s with %s frames', (transport, codec) => {
  const { client } = useServer(transport, {}, codec);

  async function two() {
    const a = await client();
    const b = await client();
    const aId = a.me.socketId;
    const bId = b.me.socketId;
    return { a, b, aId, bId, aSees: countAccepted(a, bId), bSees: countAccepted(b, aId) };
  }

  it('accepted/pair fires once on each side when both sides accept each other', async () => {
    const { a, b, aId, bId, aSees, bSees } = await two();
    await a.peer(bId).acceptPair();
    await b.peer(aId).acceptPair();
    await settle();
    const one = (id: string) => ({ client: [id], me: [id], peer: [id] });
    expect(aSees).toEqual(one(bId));
    expect(bSees).toEqual(one(aId));
  });

  it('accepted/pair fires once on each side when both accept at the same time, and again after end/pair', async () => {
    const { a, b, aId, bId, aSees, bSees } = await two();
    await Promise.all([a.peer(bId).acceptPair(), b.peer(aId).acceptPair(), a.peer(bId).acceptPair()]);
    await settle();
    expect(aSees.client).toEqual([bId]);
    expect(bSees.client).toEqual([aId]);

    // a ends it: b hears end/pair; a new pairing fires again on both sides, once.
    const ended = once(b, 'end/pair');
    await a.peer(bId).endPair();
    await ended;
    await b.peer(aId).acceptPair();
    await a.peer(bId).acceptPair();
    await settle();
    expect(aSees.client).toEqual([bId, bId]);
    expect(bSees.client).toEqual([aId, aId]);
  });

  it('request then accept still fires accepted/pair once on each side', async () => {
    const { a, b, aId, bId, aSees, bSees } = await two();
    const asked = once(b, 'request/pair');
    await a.peer(bId).requestPair();
    await asked;
    await b.peer(aId).acceptPair();
    // a already trusts b by asking; accepting again changes nothing and fires nothing.
    await a.peer(bId).acceptPair();
    await settle();
    expect(aSees.client).toEqual([bId]);
    expect(bSees.client).toEqual([aId]);
  });

  it('accepted/pair fires once for each peer, also after another peer left', async () => {
    const { a, b, aId, bId, aSees } = await two();
    await a.peer(bId).acceptPair();
    const gone = once(a, 'peer/disconnect');
    b.close();
    await gone;
    // A new peer c pairs with a: a's first acceptance of c fires.
    const c = await client();
    await c.peer(aId).acceptPair();
    await a.peer(c.me.socketId).acceptPair();
    await settle();
    expect(aSees.client).toEqual([bId, c.me.socketId]);
    expect(aSees.me).toEqual([bId, c.me.socketId]);
    expect(aSees.peer).toEqual([bId]);
  });
});
