import { describe, expect, it, vi } from 'vitest';
import { ids } from './test/fakeServer.js';
import { answer, startClient } from './test/startClient.js';

const description = (owner: string, members: string[]) => ({
  name: 'genel',
  joinType: 'free',
  owner,
  visibility: 'public',
  members,
  created: true,
});

describe('Room', () => {
  it('mwse.room gives the same object per name; later options update it', () => {
    const { mwse } = startClient();
    const room = mwse.room({ name: 'genel', joinType: 'free' });
    expect(mwse.room('genel')).toBe(room);
    expect(mwse.room({ name: 'genel', ifexistsJoin: true })).toBe(room);
    expect(room.options).toEqual({ name: 'genel', joinType: 'free', ifexistsJoin: true });
  });

  it('mwse.room refuses a name over 128 UTF-8 bytes (even of 128 characters or fewer) before sending', () => {
    const { mwse, socket } = startClient();
    for (const name of ['é'.repeat(65), 'ğ'.repeat(128), '😀'.repeat(33), 'x'.repeat(129)]) {
      expect(() => mwse.room(name)).toThrow(expect.objectContaining({ name: 'MWSEError', code: 'too-large' }));
      expect(() => mwse.room({ name, ifexistsJoin: true })).toThrow(/at most 128/);
    }
    expect(() => mwse.room('')).toThrow(expect.objectContaining({ code: 'bad-frame' }));
    expect(() => mwse.room('oda\uD800')).toThrow(expect.objectContaining({ code: 'bad-frame' }));
    expect(socket().sent.filter((f) => f.type.startsWith('room/'))).toEqual([]);
    expect(mwse.room('😀'.repeat(32)).name).toBe('😀'.repeat(32)); // exactly 128 bytes
  });

  it('createRoom sends the options and resolves with the description; the creator owns it', async () => {
    const { mwse, socket } = startClient();
    const room = mwse.room({
      name: 'genel',
      joinType: 'password',
      password: 's3cret',
      ifexistsJoin: true,
      maxMembers: 8,
    });
    const created = room.createRoom();
    expect(socket().last('room/create')).toEqual({
      type: 'room/create',
      id: expect.any(Number),
      name: 'genel',
      joinType: 'password',
      password: 's3cret',
      ifexistsJoin: true,
      maxMembers: 8,
    });
    expect(room.joined).toBe(false);
    answer(socket(), 'room/create', description(ids.me, [ids.me]));
    await expect(created).resolves.toMatchObject({ name: 'genel', created: true });
    expect(room.joined).toBe(true);
    expect(room.owner).toBe(mwse.me);
  });

  it('join sends the password, leave clears membership', async () => {
    const { mwse, socket } = startClient();
    const room = mwse.room({ name: 'genel', password: 'pw' });
    const joined = room.join();
    expect(socket().last('room/join')).toMatchObject({ name: 'genel', password: 'pw' });
    answer(socket(), 'room/join', {
      ...description(ids.alice, [ids.alice, ids.me]),
      created: false,
    });
    await joined;
    expect(room.owner).toBe(mwse.peer(ids.alice));
    const left = room.leave();
    answer(socket(), 'room/leave');
    await left;
    expect(room.joined).toBe(false);
  });

  it('a refused join rejects with the room error code', async () => {
    const { mwse, socket } = startClient();
    const joined = mwse.room('genel').join('wrong');
    socket().push({
      type: 'error',
      id: socket().last('room/join').id,
      code: 'wrong-password',
      message: 'wrong password',
    });
    await expect(joined).rejects.toMatchObject({ code: 'wrong-password' });
  });

  it('send writes pack/room', () => {
    const { mwse, socket } = startClient();
    mwse.room('genel').send({ text: 'merhaba!' });
    expect(socket().last('pack/room')).toEqual({
      type: 'pack/room',
      room: 'genel',
      pack: { text: 'merhaba!' },
    });
  });

  it('room traffic fires room.message only, never peer.message or mwse.message', () => {
    const { mwse, socket } = startClient();
    const room = mwse.room('genel');
    const onRoom = vi.fn();
    const onPeer = vi.fn();
    const onClient = vi.fn();
    room.on('message', onRoom);
    mwse.peer(ids.alice).on('message', onPeer);
    mwse.on('message', onClient);
    socket().push({ type: 'room/pack', room: 'genel', from: ids.alice, pack: 'hi all' });
    expect(onRoom).toHaveBeenCalledWith('hi all', mwse.peer(ids.alice));
    expect(onPeer).not.toHaveBeenCalled();
    expect(onClient).not.toHaveBeenCalled();
  });

  it('join, leave and owner events carry the Peer objects', () => {
    const { mwse, socket } = startClient();
    const room = mwse.room('genel');
    const events: string[] = [];
    room.on('join', (p) => events.push(`join:${p.socketId}`));
    room.on('leave', (p) => events.push(`leave:${p.socketId}`));
    room.on('owner', (p) => events.push(`owner:${p.socketId}`));
    socket().push({ type: 'room/joined', room: 'genel', peer: ids.alice });
    socket().push({ type: 'room/left', room: 'genel', peer: ids.bob });
    socket().push({ type: 'room/owner', room: 'genel', owner: ids.alice });
    socket().push({ type: 'room/joined', room: 'other', peer: ids.bob });
    expect(events).toEqual([`join:${ids.alice}`, `leave:${ids.bob}`, `owner:${ids.alice}`]);
    expect(room.owner).toBe(mwse.peer(ids.alice));
  });

  it('room/presence fires one join per peer after my own, then the leaves, in order', () => {
    const { mwse, socket } = startClient();
    const room = mwse.room('genel');
    const events: string[] = [];
    room.on('join', (p, address) => events.push(`join:${p.socketId}${address ? `@${address}` : ''}`));
    room.on('leave', (p) => events.push(`leave:${p.socketId}`));
    // alice joined before me (my join's members listed her): only bob's join is news.
    socket().push({
      type: 'room/presence',
      room: 'genel',
      joined: [ids.alice, ids.me, ids.bob],
      left: [ids.alice],
      addresses: { [ids.bob]: '10.200.0.3' },
    });
    socket().push({ type: 'room/presence', room: 'genel', joined: [ids.alice], left: [] });
    expect(events).toEqual([`join:${ids.bob}@10.200.0.3`, `leave:${ids.alice}`, `join:${ids.alice}`]);
  });

  it('join({ role }) asks for a role; room/audience and room/closed update a broadcast room', async () => {
    const { mwse, socket } = startClient();
    const room = mwse.room('live');
    const joined = room.join({ role: 'audience' });
    expect(socket().sent.at(-1)).toMatchObject({ type: 'room/join', name: 'live', role: 'audience' });
    answer(socket(), 'room/join', { ...description(ids.alice, [ids.alice]), name: 'live', mode: 'broadcast', role: 'audience', audience: 7 });
    await joined;
    expect(room.role).toBe('audience');
    expect(room.audience).toBe(7);
    const counts: number[] = [];
    room.on('audience', (n) => counts.push(n));
    socket().push({ type: 'room/audience', room: 'live', count: 9 });
    expect(counts).toEqual([9]);
    expect(room.audience).toBe(9);
    const closed = vi.fn();
    room.on('closed', closed);
    socket().push({ type: 'room/closed', room: 'live' });
    expect(closed).toHaveBeenCalledOnce();
    expect(room.joined).toBe(false);
    expect(room.role).toBeUndefined();
  });

  it('fetchPeers returns the other members as the same Peer objects', async () => {
    const { mwse, socket } = startClient();
    const alice = mwse.peer(ids.alice);
    const peers = mwse.room('genel').fetchPeers();
    answer(socket(), 'room/peers', [ids.me, ids.alice, ids.bob]);
    const list = await peers;
    expect(list.map((p) => p.socketId)).toEqual([ids.alice, ids.bob]);
    expect(list[0]).toBe(alice);
  });

  it('invite, eject, lock and unlock send their frames', async () => {
    const { mwse, socket } = startClient();
    const room = mwse.room('genel');
    const calls = [
      [room.invite(mwse.peer(ids.alice)), 'room/invite', { peer: ids.alice }],
      [room.eject(ids.bob), 'room/eject', { peer: ids.bob }],
      [room.lock(), 'room/lock', {}],
      [room.unlock(), 'room/unlock', {}],
    ] as const;
    for (const [promise, type, fields] of calls) {
      expect(socket().last(type)).toMatchObject({ name: 'genel', ...fields });
      answer(socket(), type);
      await expect(promise).resolves.toBeUndefined();
    }
  });

  it('being invited fires room/invited with the same Room object', () => {
    const { mwse, socket } = startClient();
    const invited = vi.fn();
    mwse.on('room/invited', invited);
    socket().push({ type: 'room/invited', room: 'vip', from: ids.alice });
    expect(invited).toHaveBeenCalledWith(mwse.room('vip'), mwse.peer(ids.alice));
  });

  it('being ejected clears membership and fires ejected', async () => {
    const { mwse, socket } = startClient();
    const room = mwse.room('genel');
    const joined = room.join();
    answer(socket(), 'room/join', description(ids.alice, [ids.alice, ids.me]));
    await joined;
    const ejected = vi.fn();
    const clientEjected = vi.fn();
    room.on('ejected', ejected);
    mwse.on('room/ejected', clientEjected);
    socket().push({ type: 'room/ejected', room: 'genel', by: ids.alice });
    expect(room.joined).toBe(false);
    expect(ejected).toHaveBeenCalledWith(mwse.peer(ids.alice));
    expect(clientEjected).toHaveBeenCalledWith(room, mwse.peer(ids.alice));
  });

  it('a subnet claimed by the owner fires subnet and updates the description', async () => {
    const { mwse, socket } = startClient();
    const room = mwse.room('lan');
    const joined = room.join();
    answer(socket(), 'room/join', description(ids.alice, [ids.alice, ids.me]));
    await joined;
    const told = vi.fn();
    room.on('subnet', told);
    const addresses = { [ids.alice]: '10.128.0.1', [ids.me]: '10.128.0.2' };
    socket().push({ type: 'room/subnet', room: 'lan', subnet: '10.128.0.0/24', addresses });
    expect(told).toHaveBeenCalledWith('10.128.0.0/24', addresses);
    expect(room.description).toMatchObject({ subnet: '10.128.0.0/24', addresses });
  });
});
