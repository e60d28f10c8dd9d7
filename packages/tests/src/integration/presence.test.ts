import { describe, expect, it } from 'vitest';
import type MWSE from '@mwse/client';
import { SETUPS, TRANSPORTS, eventually, once, settle, useServer, withTimeout } from './harness.js';
import { crowd } from './crowd.js';

const MEMBERS = 1000;

describe.each(SETUPS)('room presence over %s with %s frames', (transport, codec) => {
  const { client, state } = useServer(transport, { maxConnectionsPerAddress: MEMBERS + 100, rateLimit: 0 }, codec);
  let n = 0;
  const unique = (base: string) => `${base}-${transport}-${codec}-${++n}`;

  it(`${MEMBERS} members joining at once each see every later join exactly once, in one order; leaves likewise`, async () => {
    const name = unique('crowd');
    const members = await crowd(MEMBERS, () => client());
    const joins = new Map<MWSE, string[]>();
    const leaves = new Map<MWSE, string[]>();
    for (const m of members) {
      const seenJoins: string[] = [];
      const seenLeaves: string[] = [];
      joins.set(m, seenJoins);
      leaves.set(m, seenLeaves);
      m.room(name).on('join', (peer) => seenJoins.push(peer.socketId));
      m.room(name).on('leave', (peer) => seenLeaves.push(peer.socketId));
    }
    const [first, ...rest] = members;
    await first!.room(name).createRoom();
    const described = await withTimeout(Promise.all(rest.map((m) => m.room(name).join())), 30_000, 'every join');
    const expected = (MEMBERS * (MEMBERS - 1)) / 2;
    const total = () => [...joins.values()].reduce((sum, seen) => sum + seen.length, 0);
    await eventually(() => total() >= expected, 30_000, 'every join to be seen');
    await settle();
    expect(total()).toBe(expected);

    // The creator saw everyone else join: that is the room's one join order.
    const order = joins.get(first!)!;
    expect(new Set(order).size).toBe(MEMBERS - 1);
    expect(new Set(order)).toEqual(new Set(rest.map((m) => m.me.socketId)));
    rest.forEach((m, i) => {
      const at = order.indexOf(m.me.socketId);
      // What its join listed, then what it was told, is the room in that order, exactly once.
      expect(described[i]!.members).toEqual([first!.me.socketId, ...order.slice(0, at + 1)]);
      expect(joins.get(m)).toEqual(order.slice(at + 1));
    });

    // Half leave at once: those who stay see every leave once, all in the same order.
    const leaving = rest.filter((_, i) => i % 2 === 0);
    const staying = members.filter((m) => !leaving.includes(m));
    await withTimeout(Promise.all(leaving.map((m) => m.room(name).leave())), 30_000, 'every leave');
    await eventually(() => staying.every((m) => leaves.get(m)!.length >= leaving.length), 30_000, 'every leave to be seen');
    await settle();
    const leaveOrder = leaves.get(first!)!;
    expect(new Set(leaveOrder)).toEqual(new Set(leaving.map((m) => m.me.socketId)));
    expect(leaveOrder).toHaveLength(leaving.length);
    for (const m of staying) expect(leaves.get(m)).toEqual(leaveOrder);
    expect(state.engine.hub.rooms.get(name)?.members.size).toBe(staying.length);
  }, 120_000);

  it('tells a join before the joiner’s first room message, and a leave before the owner change', async () => {
    const a = await client();
    const b = await client();
    const c = await client();
    const name = unique('order');
    const events: string[] = [];
    const ra = a.room(name);
    await ra.createRoom();
    const rc = c.room(name);
    await rc.join();
    rc.on('join', (p) => events.push(`join ${p.socketId}`));
    rc.on('message', (pack, p) => events.push(`message ${p.socketId}`));
    rc.on('leave', (p) => events.push(`leave ${p.socketId}`));
    rc.on('owner', (p) => events.push(`owner ${p.socketId}`));
    const rb = b.room(name);
    await rb.join();
    rb.send('hi');
    await eventually(() => events.length === 2, 2000, 'join and message');
    const owner = once(rc, 'owner');
    a.close();
    await owner;
    expect(events).toEqual([`join ${b.me.socketId}`, `message ${b.me.socketId}`, `leave ${a.me.socketId}`, `owner ${c.me.socketId}`]);
  });
});

describe.each(TRANSPORTS)('room presence frames over %s', (transport) => {
  const { raw } = useServer(transport, { rateLimit: 0 });
  let n = 0;
  const unique = (base: string) => `${base}-${transport}-${++n}`;

  /** Every presence change a raw member was told, flattened in the order a member applies them. */
  async function told(frames: { frames: Record<string, unknown>[]; next(type: string): Promise<Record<string, unknown>> }, count: number) {
    const changes: string[] = [];
    while (changes.length < count) {
      const f = (await frames.next('room/presence')) as { joined: string[]; left: string[] };
      changes.push(...f.joined.map((id) => `+${id}`), ...f.left.map((id) => `-${id}`));
    }
    return changes;
  }

  it('keeps a leave and a rejoin sent in one write in order (a join after a leave cuts the batch)', async () => {
    const owner = await raw();
    const x = await raw();
    const name = unique('rejoin');
    owner.send({ type: 'room/create', id: 1, name });
    await owner.next('result');
    x.send({ type: 'room/join', id: 1, name });
    await x.next('result');
    expect(await told(owner, 1)).toEqual([`+${x.socketId}`]);
    x.ws.send(JSON.stringify({ type: 'room/leave', id: 2, name }));
    x.ws.send(JSON.stringify({ type: 'room/join', id: 3, name }));
    expect(await told(owner, 2)).toEqual([`-${x.socketId}`, `+${x.socketId}`]);
    x.ws.send(JSON.stringify({ type: 'room/leave', id: 4, name }));
    expect(await told(owner, 1)).toEqual([`-${x.socketId}`]);
    // A join and a leave in one write: both told, join first.
    x.ws.send(JSON.stringify({ type: 'room/join', id: 5, name }));
    x.ws.send(JSON.stringify({ type: 'room/leave', id: 6, name }));
    expect(await told(owner, 2)).toEqual([`+${x.socketId}`, `-${x.socketId}`]);
    await settle();
    expect(owner.frames.filter((f) => f.type === 'room/presence')).toEqual([]);
  });
});
