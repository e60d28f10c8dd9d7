import { describe, expect, it } from 'vitest';
import { SETUPS, once, settle, useServer } from './harness.js';

describe.each(SETUPS)('rooms over %s with %s frames', (transport, codec) => {
  const { client, state } = useServer(transport, {}, codec);
  let n = 0;
  const unique = (base: string) => `${base}-${transport}-${codec}-${++n}`;

  it('runs the seed README example: create-or-join, message, sender', async () => {
    const a = await client();
    const b = await client();
    const name = unique('genel');
    const ra = a.room({ name, joinType: 'free', ifexistsJoin: true });
    await ra.createRoom();
    const rb = b.room({ name, joinType: 'free', ifexistsJoin: true });
    await rb.createRoom();
    const got = once<[unknown, { socketId: string }]>(ra, 'message');
    rb.send({ text: 'merhaba!' });
    const [pack, peer] = await got;
    expect(pack).toEqual({ text: 'merhaba!' });
    expect(peer).toBe(a.peer(b.me.socketId));
  });

  it('returns the same Room object for the same name', async () => {
    const a = await client();
    expect(a.room({ name: 'same' })).toBe(a.room({ name: 'same' }));
  });

  it('refuses a second create with room-exists unless ifexistsJoin', async () => {
    const a = await client();
    const b = await client();
    const name = unique('taken');
    await a.room({ name }).createRoom();
    await expect(b.room({ name }).createRoom()).rejects.toMatchObject({ code: 'room-exists' });
  });

  it('fires join and leave, and fetchPeers lists the other members as Peer objects', async () => {
    const a = await client();
    const b = await client();
    const name = unique('members');
    const ra = a.room({ name, joinType: 'free' });
    await ra.createRoom();
    const joined = once<[unknown]>(ra, 'join');
    await b.room({ name }).join();
    expect((await joined)[0]).toBe(a.peer(b.me.socketId));
    // fetchPeers leaves me out, so the seed's "accept everyone in the room" loop works as written
    expect(await ra.fetchPeers()).toEqual([a.peer(b.me.socketId)]);
    expect(await b.room({ name }).fetchPeers()).toEqual([b.peer(a.me.socketId)]);
    const left = once<[unknown]>(ra, 'leave');
    await b.room({ name }).leave();
    expect((await left)[0]).toBe(a.peer(b.me.socketId));
    expect(await ra.fetchPeers()).toEqual([]);
  });

  it('password rooms admit the right password only', async () => {
    const a = await client();
    const b = await client();
    const name = unique('secret');
    await a.room({ name, joinType: 'password', password: 'hunter2' }).createRoom();
    await expect(b.room({ name, password: 'wrong' }).join()).rejects.toMatchObject({ code: 'wrong-password' });
    await expect(b.room({ name }).join()).rejects.toMatchObject({ code: 'wrong-password' });
    const ok = b.room({ name, password: 'hunter2' });
    await ok.join();
    expect(await ok.fetchPeers()).toEqual([b.peer(a.me.socketId)]);
  });

  it('invite rooms admit invited peers only', async () => {
    const a = await client();
    const b = await client();
    const c = await client();
    const name = unique('invite');
    const ra = a.room({ name, joinType: 'invite' });
    await ra.createRoom();
    await expect(b.room({ name }).join()).rejects.toMatchObject({ code: 'not-invited' });
    const invited = once<[{ name: string }, unknown]>(c, 'room/invited');
    await ra.invite(a.peer(c.me.socketId));
    const [room, by] = await invited;
    expect(room).toBe(c.room({ name }));
    expect(by).toBe(c.peer(a.me.socketId));
    await c.room({ name }).join();
  });

  it('lock rooms admit no one; unlock opens them', async () => {
    const a = await client();
    const b = await client();
    const name = unique('locked');
    const ra = a.room({ name, joinType: 'lock' });
    await ra.createRoom();
    await expect(b.room({ name }).join()).rejects.toMatchObject({ code: 'room-locked' });
    await ra.unlock();
    await b.room({ name }).join();
    await ra.lock();
    const c = await client();
    await expect(c.room({ name }).join()).rejects.toMatchObject({ code: 'room-locked' });
  });

  it('refuses owner actions from members with forbidden', async () => {
    const a = await client();
    const b = await client();
    const name = unique('owned');
    await a.room({ name }).createRoom();
    const rb = b.room({ name });
    await rb.join();
    await expect(rb.lock()).rejects.toMatchObject({ code: 'forbidden' });
    await expect(rb.eject(b.peer(a.me.socketId))).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('enforces maxMembers with room-full', async () => {
    const a = await client();
    const b = await client();
    const c = await client();
    const name = unique('small');
    await a.room({ name, maxMembers: 2 }).createRoom();
    await b.room({ name }).join();
    await expect(c.room({ name }).join()).rejects.toMatchObject({ code: 'room-full' });
  });

  it('refuses joining a room that does not exist with room-not-found', async () => {
    const a = await client();
    await expect(a.room({ name: unique('ghost') }).join()).rejects.toMatchObject({ code: 'room-not-found' });
  });

  it('hands ownership to the oldest member when the owner leaves', async () => {
    const a = await client();
    const b = await client();
    const c = await client();
    const name = unique('handover');
    await a.room({ name }).createRoom();
    await b.room({ name }).join();
    await c.room({ name }).join();
    const owner = once<[unknown]>(c.room({ name }), 'owner');
    a.close(); // disconnecting leaves every room
    expect((await owner)[0]).toBe(c.peer(b.me.socketId));
    // b can now lock, c cannot
    await expect(c.room({ name }).lock()).rejects.toMatchObject({ code: 'forbidden' });
    await b.room({ name }).lock();
  });

  it('ejects a member: it is told, the others see it leave', async () => {
    const a = await client();
    const b = await client();
    const c = await client();
    const name = unique('eject');
    const ra = a.room({ name });
    await ra.createRoom();
    await b.room({ name }).join();
    await c.room({ name }).join();
    const ejected = once<[unknown]>(b.room({ name }), 'ejected');
    const cSees = once<[unknown]>(c.room({ name }), 'leave');
    await ra.eject(a.peer(b.me.socketId));
    expect((await ejected)[0]).toBe(b.peer(a.me.socketId));
    expect((await cSees)[0]).toBe(c.peer(b.me.socketId));
    expect(await ra.fetchPeers()).toEqual([a.peer(c.me.socketId)]);
  });

  it('removes an empty room, so its name can be created again', async () => {
    const a = await client();
    const b = await client();
    const name = unique('empty');
    await a.room({ name, joinType: 'lock' }).createRoom();
    await a.room({ name }).leave();
    const again = b.room({ name, joinType: 'free' });
    const created = await again.createRoom();
    expect(created).toMatchObject({ created: true, owner: b.me.socketId, joinType: 'free' });
  });

  it('hides private rooms from non-members', async () => {
    const a = await client();
    const b = await client();
    const name = unique('private');
    await a.room({ name, visibility: 'private' }).createRoom();
    await expect(b.room({ name }).fetchPeers()).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('sends room messages to members only, not back to the sender', async () => {
    const a = await client();
    const b = await client();
    const outsider = await client();
    const name = unique('scope');
    const ra = a.room({ name });
    await ra.createRoom();
    await b.room({ name }).join();
    const mine: unknown[] = [];
    ra.on('message', (p: unknown) => mine.push(p));
    const outside: unknown[] = [];
    outsider.room({ name }).on('message', (p: unknown) => outside.push(p));
    const atB = once(b.room({ name }), 'message');
    ra.send('hi');
    await atB;
    await settle();
    expect(mine).toEqual([]);
    expect(outside).toEqual([]);
  });

  it('removes a disconnected member from its rooms', async () => {
    const a = await client();
    const b = await client();
    const name = unique('gone');
    const ra = a.room({ name });
    await ra.createRoom();
    await b.room({ name }).join();
    const left = once(ra, 'leave');
    b.close();
    await left;
    expect(await ra.fetchPeers()).toEqual([]);
    expect(state.engine.hub.rooms.get(name)?.members.size).toBe(1);
  });
});
