import { describe, expect, it } from 'vitest';
import type MWSE from '@mwse/client';
import { TRANSPORTS, once, settle, useServer } from './harness.js';

describe.each(TRANSPORTS)('room info over %s', (transport) => {
  const { client, raw } = useServer(transport, { maxRoomInfoKeys: 3, maxRoomInfoBytes: 200 });
  let n = 0;
  const unique = (base: string) => `${base}-${transport}-${++n}`;

  async function together(visibility: 'public' | 'private' = 'public') {
    const a = await client();
    const b = await client();
    const name = unique('pool');
    await a.room({ name, visibility }).createRoom();
    await b.room({ name }).join();
    return { a, b, name };
  }

  it('sets and gets one key or the whole record', async () => {
    const { a, b, name } = await together();
    await a.room(name).info.set('topic', 'release planning');
    await a.room(name).info.set('round', 2);
    expect(await b.room(name).info.get('topic')).toBe('release planning');
    expect(await b.room(name).info.get()).toEqual({ topic: 'release planning', round: 2 });
    expect(await b.room(name).info.get('missing')).toBeUndefined();
  });

  it("pushes each change to the other members as room.on('info', (name, value))", async () => {
    const { a, b, name } = await together();
    const pushed = once<[string, unknown]>(b.room(name), 'info');
    await a.room(name).info.set('topic', 'lunch');
    expect(await pushed).toEqual(['topic', 'lunch']);
    const removed = once<[string, unknown]>(b.room(name), 'info');
    await a.room(name).info.remove('topic');
    expect(await removed).toEqual(['topic', null]);
    expect(await b.room(name).info.get()).toEqual({});
  });

  it('pushes nothing to peers outside the room', async () => {
    const { a, name } = await together();
    const outsider: MWSE = await client();
    const seen: unknown[] = [];
    outsider.room(name).on('info', (...args) => seen.push(args));
    await a.room(name).info.set('topic', 'members only');
    await settle();
    expect(seen).toEqual([]);
  });

  it('lets only members write; anyone reads a public room, only members a private one', async () => {
    const pub = await together();
    const priv = await together('private');
    const outsider = await client();
    await pub.a.room(pub.name).info.set('k', 1);
    await expect(outsider.room(pub.name).info.set('k', 2)).rejects.toMatchObject({ code: 'forbidden' });
    expect(await outsider.room(pub.name).info.get()).toEqual({ k: 1 });
    await expect(outsider.room(priv.name).info.get()).rejects.toMatchObject({ code: 'forbidden' });
    await expect(outsider.room(unique('nowhere')).info.get()).rejects.toMatchObject({ code: 'room-not-found' });
  });

  it('refuses writes over the key and byte limits with too-large, keeping the pool as it was', async () => {
    const { a, name } = await together();
    const info = a.room(name).info;
    for (const k of ['a', 'b', 'c']) await info.set(k, 1);
    await expect(info.set('d', 1)).rejects.toMatchObject({ code: 'too-large' });
    await info.set('a', 2); // replacing at the key limit is fine
    await expect(info.set('b', 'x'.repeat(250))).rejects.toMatchObject({ code: 'too-large' });
    expect(await info.get()).toEqual({ a: 2, b: 1, c: 1 });
  });

  it('forgets the info with the room: a new room of the same name starts empty', async () => {
    const a = await client();
    const name = unique('ephemeral');
    await a.room({ name }).createRoom();
    await a.room(name).info.set('k', 'v');
    await a.room(name).leave();
    await a.room({ name }).createRoom();
    expect(await a.room(name).info.get()).toEqual({});
  });

  it('refuses a frame with an oversize key as bad-frame', async () => {
    const { name } = await together();
    const c = await raw();
    c.send({ type: 'room/info/set', id: 1, name, key: 'k'.repeat(200), value: 1 });
    expect(await c.next('error')).toMatchObject({ id: 1, code: 'bad-frame' });
  });

  it('lists public rooms with member counts (room/list)', async () => {
    const { a, name } = await together();
    const hidden = await together('private');
    const rooms = await a.listRooms();
    expect(rooms).toContainEqual({ name, joinType: 'free', members: 2 });
    expect(rooms.map((r) => r.name)).not.toContain(hidden.name);
  });
});
