import { describe, expect, it } from 'vitest';
import type MWSE from '@mwse/client';
import { SETUPS, eventually, httpOf, once, settle, useServer, withTimeout } from './harness.js';
import { crowd, framesOut, gauge } from './crowd.js';

const VIEWERS = 2000;

describe.each(SETUPS)('broadcast rooms over %s with %s frames', (transport, codec) => {
  const { client, state } = useServer(transport, { maxConnectionsPerAddress: VIEWERS + 100, rateLimit: 0 }, codec);
  let n = 0;
  const unique = (base: string) => `${base}-${transport}-${codec}-${++n}`;
  const metrics = () => state.engine.hub.metrics.render();

  it(`${VIEWERS} audience members join, get a stage message and disconnect at once, with no presence fan-out`, async () => {
    const host = await client();
    const name = unique('launch');
    const stage = host.room({ name, mode: 'broadcast' });
    const created = await stage.createRoom();
    expect(created).toMatchObject({ mode: 'broadcast', role: 'member', audience: 0, members: [host.me.socketId] });
    const viewers = await crowd(VIEWERS, () => client());
    const presenceBefore = framesOut(metrics(), 'room/presence');

    const described = await withTimeout(Promise.all(viewers.map((v) => v.room(name).join())), 20_000, 'every join');
    for (const d of described) expect(d).toMatchObject({ role: 'audience', members: [host.me.socketId] });
    const room = state.engine.hub.rooms.get(name)!;
    expect(room.audience.size).toBe(VIEWERS);
    expect(room.members.size).toBe(1);
    // Counted, never listed: no presence frame to anyone, the stage lists only itself.
    expect(framesOut(metrics(), 'room/presence')).toBe(presenceBefore);
    expect(await stage.fetchPeers()).toEqual([]);
    await eventually(() => stage.audience === VIEWERS, 5000, 'the stage to be told the audience count');
    expect(framesOut(metrics(), 'room/audience')).toBeLessThanOrEqual(3);
    expect(gauge(metrics(), 'mwse_room_audience')).toBe(VIEWERS);
    const listed = (await (await fetch(`${httpOf(state.engine)}/api/rooms`)).json()) as { rooms: unknown[] };
    expect(listed.rooms).toContainEqual(expect.objectContaining({ name, mode: 'broadcast', members: 1, audience: VIEWERS }));

    let received = 0;
    for (const v of viewers) {
      v.room(name).on('message', (pack, from) => {
        if ((pack as { slide?: number }).slide === 1 && from.socketId === host.me.socketId) received++;
      });
    }
    stage.send({ slide: 1 });
    await eventually(() => received === VIEWERS, 20_000, 'every viewer to get the stage message');

    for (const v of viewers) v.close();
    await eventually(() => state.engine.hub.size === 1, 20_000, 'every viewer to be forgotten');
    expect(room.audience.size).toBe(0);
    expect(state.engine.hub.rooms.get(name)).toBe(room);
    expect(framesOut(metrics(), 'room/presence')).toBe(presenceBefore);
    await eventually(() => stage.audience === 0, 5000, 'the stage to see the audience gone');
    await stage.leave();
    expect(state.engine.hub.rooms.has(name)).toBe(false);
    expect(gauge(metrics(), 'mwse_room_audience')).toBe(0);
    expect(await host.peer(host.me.socketId).isReachable()).toBe(true);
  }, 120_000);

  it('refuses room messages and room info from the audience, which still receives room info', async () => {
    const host = await client();
    const viewer = await client();
    const name = unique('quiet');
    const stage = host.room({ name, mode: 'broadcast' });
    await stage.createRoom();
    const watching = viewer.room(name);
    await watching.join({ role: 'audience' });
    const refused = once<[{ code: string }]>(viewer, 'error');
    let heard = 0;
    stage.on('message', () => heard++);
    watching.send({ hello: 'stage' });
    expect((await refused)[0].code).toBe('forbidden');
    await expect(watching.info.set('topic', 'mine')).rejects.toMatchObject({ code: 'forbidden' });
    const info = once<[string, unknown]>(watching, 'info');
    await stage.info.set('topic', 'keynote');
    expect(await info).toEqual(['topic', 'keynote']);
    expect(await watching.info.get('topic')).toBe('keynote');
    await settle();
    expect(heard).toBe(0);
  });

  it('puts invited peers on the stage, others in the audience, and applies the room policies', async () => {
    const host = await client();
    const guest = await client();
    const viewer = await client();
    const late = await client();
    const name = unique('stage');
    const stage = host.room({ name, mode: 'broadcast', joinType: 'password', password: 'pw', maxAudience: 1 });
    await stage.createRoom();
    await expect(viewer.room(name).join({ password: 'no' })).rejects.toMatchObject({ code: 'wrong-password' });
    await expect(viewer.room(name).join({ role: 'member', password: 'pw' })).rejects.toMatchObject({ code: 'not-invited' });
    expect(await viewer.room(name).join('pw')).toMatchObject({ role: 'audience', audience: 1 });
    await expect(late.room(name).join('pw')).rejects.toMatchObject({ code: 'room-full' });

    const joined = once<[{ socketId: string }]>(stage, 'join');
    await stage.invite(guest.me.socketId);
    expect(await guest.room(name).join('pw')).toMatchObject({ role: 'member', members: [host.me.socketId, guest.me.socketId] });
    expect((await joined)[0].socketId).toBe(guest.me.socketId);
    expect(guest.room(name).role).toBe('member');
    expect(viewer.room(name).role).toBe('audience');

    // The audience never owns the room: the next stage member does, and the audience is told.
    const owner = once<[{ socketId: string }]>(viewer.room(name), 'owner');
    await stage.leave();
    expect((await owner)[0].socketId).toBe(guest.me.socketId);
    await guest.room(name).lock();
    await expect(late.room(name).join('pw')).rejects.toMatchObject({ code: 'room-locked' });
  });

  it('closes the room for the audience when the last stage member leaves', async () => {
    const host = await client();
    const viewers: MWSE[] = await crowd(20, () => client());
    const name = unique('ends');
    const stage = host.room({ name, mode: 'broadcast' });
    await stage.createRoom();
    await Promise.all(viewers.map((v) => v.room(name).join()));
    const closed = Promise.all(viewers.map((v) => once(v.room(name), 'closed')));
    host.close();
    await closed;
    for (const v of viewers) expect(v.room(name).joined).toBe(false);
    expect(state.engine.hub.rooms.has(name)).toBe(false);
    await eventually(() => state.engine.hub.size === viewers.length, 2000, 'the host to be forgotten');
    // The viewers are in no room any more: their disconnect has nothing to undo.
    for (const peer of state.engine.hub.allPeers()) expect(peer.rooms.size).toBe(0);
  });

  it('refuses the audience role in a normal room', async () => {
    const host = await client();
    const viewer = await client();
    const name = unique('normal');
    await host.room({ name }).createRoom();
    await expect(viewer.room(name).join({ role: 'audience' })).rejects.toMatchObject({ code: 'forbidden' });
  });
});
