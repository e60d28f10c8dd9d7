import { describe, expect, it, vi } from 'vitest';
import type { Notification } from './Notification.js';
import { ids } from './test/fakeServer.js';
import { answer, startClient } from './test/startClient.js';

const notifyFrame = (nid: string) => ({
  type: 'notify',
  nid,
  from: ids.alice,
  fromIdentity: 'alice@example',
  title: 'Invoice ready',
  body: 'No. 42',
  actions: [{ id: 'open', title: 'Open' }],
  data: { invoice: 42 },
  sentAt: 1_000,
  expiresAt: 2_000,
});

describe('notifications', () => {
  it('acknowledges each notification, shows it once, and acks duplicates again', () => {
    const { mwse, socket } = startClient();
    const shown: Notification[] = [];
    mwse.on('notification', (n) => shown.push(n));
    socket().push(notifyFrame('n1'));
    socket().push(notifyFrame('n1'));
    socket().push(notifyFrame('n2'));
    expect(socket().frames('notify/ack')).toEqual([
      { type: 'notify/ack', nid: 'n1' },
      { type: 'notify/ack', nid: 'n1' },
      { type: 'notify/ack', nid: 'n2' },
    ]);
    expect(shown.map((n) => n.nid)).toEqual(['n1', 'n2']);
    expect(shown[0]).toMatchObject({
      title: 'Invoice ready',
      body: 'No. 42',
      fromIdentity: 'alice@example',
      data: { invoice: 42 },
    });
    expect(shown[0]?.from).toBe(mwse.peer(ids.alice));
  });

  it('holds notifications that arrive before any listener, unacknowledged, for the first listener (regression: acked before anyone listened)', async () => {
    const { mwse, socket } = startClient();
    socket().push(notifyFrame('n1'));
    socket().push(notifyFrame('n2'));
    socket().push(notifyFrame('n1'));
    expect(socket().frames('notify/ack')).toEqual([]);
    const shown: string[] = [];
    mwse.on('notification', (n) => shown.push(n.nid));
    expect(shown).toEqual([]); // not from inside on()
    await Promise.resolve();
    expect(shown).toEqual(['n1', 'n2']);
    expect(socket().frames('notify/ack').map((f) => f.nid)).toEqual(['n1', 'n2']);
  });

  it('gives a once listener one held notification and keeps the rest for the next listener', async () => {
    const { mwse, socket } = startClient();
    socket().push(notifyFrame('n1'));
    socket().push(notifyFrame('n2'));
    const first = vi.fn();
    mwse.once('notification', first);
    await Promise.resolve();
    expect(first).toHaveBeenCalledTimes(1);
    expect(socket().frames('notify/ack').map((f) => f.nid)).toEqual(['n1']);
    const rest = vi.fn();
    mwse.on('notification', rest);
    await Promise.resolve();
    expect(rest.mock.calls.map(([n]) => (n as Notification).nid)).toEqual(['n2']);
  });

  it('reply sends notify/reply with the chosen action', async () => {
    const { mwse, socket } = startClient();
    let received: Notification | undefined;
    mwse.on('notification', (n) => (received = n));
    socket().push(notifyFrame('n1'));
    const replied = received?.reply('open', { at: 5 });
    expect(socket().last('notify/reply')).toMatchObject({
      nid: 'n1',
      action: 'open',
      data: { at: 5 },
    });
    answer(socket(), 'notify/reply');
    await expect(replied).resolves.toBeUndefined();
  });

  it('sends to a peer or to an identity and resolves with the status', async () => {
    const { mwse, socket } = startClient();
    const toPeer = mwse.peer(ids.alice).notify({ title: 'hi' });
    expect(socket().last('notify/send')).toMatchObject({ to: ids.alice, title: 'hi' });
    answer(socket(), 'notify/send', { nid: 'x', status: 'delivered' });
    await expect(toPeer).resolves.toEqual({ nid: 'x', status: 'delivered' });
    const toIdentity = mwse.notify({ identity: 'user-42' }, { title: 'later', ttl: 60 });
    const frame = socket().last('notify/send');
    expect(frame).toMatchObject({ identity: 'user-42', title: 'later', ttl: 60 });
    expect(frame).not.toHaveProperty('to');
    answer(socket(), 'notify/send', { nid: 'y', status: 'stored' });
    await expect(toIdentity).resolves.toMatchObject({ status: 'stored' });
  });

  it("a recipient's reply reaches the sender as notification/reply", () => {
    const { mwse, socket } = startClient();
    const replies = vi.fn();
    mwse.on('notification/reply', replies);
    socket().push({ type: 'notify/reply', nid: 'n1', from: ids.bob, action: 'open', data: 1 });
    expect(replies).toHaveBeenCalledWith({
      nid: 'n1',
      action: 'open',
      data: 1,
      peer: mwse.peer(ids.bob),
    });
  });
});

describe('virtual addresses, room info and room list', () => {
  it('claims, releases and resolves addresses', async () => {
    const { mwse, socket } = startClient();
    const claimed = mwse.claimAddress();
    answer(socket(), 'address/claim', { ip: '10.0.0.2', number: '1002', code: 'K7QX' });
    await expect(claimed).resolves.toEqual({ ip: '10.0.0.2', number: '1002', code: 'K7QX' });
    const resolved = mwse.resolveAddress('K7QX');
    expect(socket().last('address/resolve').address).toBe('K7QX');
    answer(socket(), 'address/resolve', ids.alice);
    await expect(resolved).resolves.toBe(mwse.peer(ids.alice));
    const released = mwse.releaseAddress();
    answer(socket(), 'address/release');
    await expect(released).resolves.toBeUndefined();
  });

  it('room.info reads and writes the room pool; room/info fires info on the room', async () => {
    const { mwse, socket } = startClient();
    const room = mwse.room('genel');
    const set = room.info.set('topic', 'planning');
    expect(socket().last('room/info/set')).toMatchObject({
      name: 'genel',
      key: 'topic',
      value: 'planning',
    });
    answer(socket(), 'room/info/set');
    await set;
    const all = room.info.get();
    expect(socket().last('room/info/get')).not.toHaveProperty('key');
    answer(socket(), 'room/info/get', { topic: 'planning' });
    await expect(all).resolves.toEqual({ topic: 'planning' });
    const info = vi.fn();
    room.on('info', info);
    socket().push({ type: 'room/info', room: 'genel', key: 'topic', value: null });
    expect(info).toHaveBeenCalledWith('topic', null);
  });

  it('room/joined passes the new member its subnet address when there is one', () => {
    const { mwse, socket } = startClient();
    const join = vi.fn();
    mwse.room('lan').on('join', join);
    socket().push({ type: 'room/joined', room: 'lan', peer: ids.alice, address: '10.200.0.3' });
    socket().push({ type: 'room/joined', room: 'lan', peer: ids.bob });
    expect(join.mock.calls).toEqual([[mwse.peer(ids.alice), '10.200.0.3'], [mwse.peer(ids.bob)]]);
  });

  it('claimSubnet and listRooms send their frames', async () => {
    const { mwse, socket } = startClient();
    const subnet = mwse.room('lan').claimSubnet();
    expect(socket().last('room/subnet').name).toBe('lan');
    answer(socket(), 'room/subnet', { name: 'lan', subnet: '10.200.0.0/24' });
    await expect(subnet).resolves.toMatchObject({ subnet: '10.200.0.0/24' });
    const list = mwse.listRooms();
    answer(socket(), 'room/list', [{ name: 'genel', joinType: 'free', members: 2 }]);
    await expect(list).resolves.toEqual([{ name: 'genel', joinType: 'free', members: 2 }]);
  });
});
