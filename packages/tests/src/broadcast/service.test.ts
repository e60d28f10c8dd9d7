/**
 * The broadcast service's signalling, with the stub media backend (no media moves): policy,
 * lifecycle, counts, deadlines, TURN credentials, and 2,000 viewers at once. The media path
 * itself is tested through Janus (janus.test.ts).
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type MWSE from '@mwse/client';
import type { BroadcastFrame, Room } from '@mwse/client';
import { MediaError, StubBackend, type MediaBackend } from '@mwse/engine';
import { eventually, httpOf, useServer, withTimeout } from '../integration/harness.js';
import { crowd, gauge } from '../integration/crowd.js';

const OFFER = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
const TURN_SECRET = 'turn-secret-for-the-tests-0123456789';
const AUDIENCE = 2000;

/** A backend whose calls never settle (a frozen media server), honest about nothing. */
class FrozenBackend implements MediaBackend {
  readonly kind = 'frozen';
  publish = () => new Promise<never>(() => {});
  watch = () => new Promise<never>(() => {});
  stop = () => new Promise<never>(() => {});
  health = () => new Promise<never>(() => {});
  onHangup(): void {}
  async close(): Promise<void> {}
}

const publish = (room: Room, name: string) => room.broadcastCall<{ session: string; answer: string }>({ type: 'broadcast/publish', room: room.name, name, offer: OFFER });
const watch = (room: Room, name: string) => room.broadcastCall<{ session: string; answer: string }>({ type: 'broadcast/watch', room: room.name, name, offer: OFFER });
const stop = (room: Room, session: string) => room.broadcastCall({ type: 'broadcast/stop', session });
const codeOf = (promise: Promise<unknown>) => promise.then(() => 'resolved', (error: { code?: string }) => error.code);

/** Every broadcast frame a room's client receives. */
function framesOf(room: Room): BroadcastFrame[] {
  const frames: BroadcastFrame[] = [];
  room.on('broadcast/frame', (frame) => frames.push(frame));
  return frames;
}

describe('the broadcast service (stub backend)', () => {
  const stub = new StubBackend();
  const { client, state } = useServer('ws', {
    maxConnectionsPerAddress: AUDIENCE + 100,
    rateLimit: 0,
    media: { backend: stub, timeout: 1000, iceServers: [{ urls: 'stun:stun.example.test:3478' }], turn: { secret: TURN_SECRET, urls: ['turn:127.0.0.1:3478'], ttl: 600 } },
  });
  let n = 0;
  const unique = (base: string) => `${base}-${++n}`;
  /** Every node's broadcast service (in the cluster fixture a room's sessions live on its home). */
  const services = () => state.engines.map((engine) => engine.hub.broadcasts);
  const service = () => ({ size: services().reduce((n, s) => n + s.size, 0) });
  type Internals = { sessions: Map<string, { kind: string; media: string }> };
  const sessionsOf = () => services().flatMap((s) => [...(s as unknown as Internals).sessions.values()]);

  async function stage(name: string, options: Record<string, unknown> = {}): Promise<{ host: MWSE; room: Room }> {
    const host = await client();
    const room = host.room({ name, mode: 'broadcast', ...options });
    await room.createRoom();
    return { host, room };
  }

  it('refuses by policy: the audience, a stage member of an owner room until granted, a name live already, a normal room', async () => {
    const name = unique('policy');
    const { host, room } = await stage(name, { publish: 'owner' });
    const guest = await client();
    const viewer = await client();
    await room.invite(guest.me);
    await guest.room(name).join({ role: 'member' });
    await viewer.room(name).join();
    expect(await codeOf(publish(viewer.room(name), 'cam'))).toBe('forbidden');
    expect(await codeOf(publish(guest.room(name), 'cam'))).toBe('forbidden');
    expect(await codeOf(watch(viewer.room(name), 'cam'))).toBe('not-live');
    await host.room(name).broadcastCall({ type: 'broadcast/grant', room: name, peer: guest.me.socketId, allow: true });
    expect(await codeOf(guest.room(name).broadcastCall({ type: 'broadcast/grant', room: name, peer: viewer.me.socketId, allow: true }))).toBe('forbidden');
    const granted = await publish(guest.room(name), 'cam');
    expect(granted.answer).toContain('mwse-stub');
    expect(await codeOf(publish(room, 'cam'))).toBe('forbidden');
    // Taking the grant back ends its broadcast.
    const frames = framesOf(viewer.room(name));
    await room.broadcastCall({ type: 'broadcast/grant', room: name, peer: guest.me.socketId, allow: false });
    await eventually(() => frames.some((f) => f.type === 'broadcast/ended' && f.reason === 'revoked'), 5000, 'ended revoked');
    const plain = host.room({ name: unique('plain') });
    await plain.createRoom();
    expect(await codeOf(publish(plain, 'cam'))).toBe('forbidden');
    const outsider = await client();
    expect(await codeOf(outsider.room(name).broadcastCall({ type: 'broadcast/list', room: name }))).toBe('forbidden');
    expect(await codeOf(publish(host.room('no-such-room'), 'cam'))).toBe('room-not-found');
    expect(service().size).toBe(0);
  });

  it('started reaches stage and audience; viewer counts reach the publisher at most once a second; stop ends it for all', async () => {
    const name = unique('life');
    const { room } = await stage(name);
    const viewers = await Promise.all([client(), client(), client()]);
    for (const v of viewers) await v.room(name).join();
    const frames = viewers.map((v) => framesOf(v.room(name)));
    const mine = framesOf(room);
    const live = await publish(room, 'main');
    await eventually(() => frames.every((f) => f.some((x) => x.type === 'broadcast/started' && x.name === 'main')), 5000, 'started');
    const watches = await Promise.all(viewers.map((v) => watch(v.room(name), 'main')));
    await eventually(() => mine.some((f) => f.type === 'broadcast/viewers' && f.count === 3), 5000, 'the count of 3');
    expect(mine.filter((f) => f.type === 'broadcast/viewers').length).toBeLessThanOrEqual(2);
    expect(await viewers[0]!.room(name).broadcastCall({ type: 'broadcast/list', room: name })).toEqual([
      expect.objectContaining({ name: 'main', viewers: 3, publisher: room.name && expect.any(String) }),
    ]);
    const listed = (await (await fetch(`${httpOf(state.engine)}/api/rooms`)).json()) as { rooms: unknown[] };
    expect(listed.rooms).toContainEqual(expect.objectContaining({ name, broadcasts: [{ name: 'main', viewers: 3 }] }));
    expect(gauge(state.engine.hub.metrics.render(), 'mwse_broadcast_viewers')).toBe(3);
    // A viewer that closes its watch is no longer counted; stopping it again is not-found.
    await stop(viewers[0]!.room(name), watches[0]!.session);
    expect(await codeOf(stop(viewers[0]!.room(name), watches[0]!.session))).toBe('not-found');
    expect(await codeOf(stop(viewers[1]!.room(name), live.session))).toBe('not-found');
    await eventually(() => mine.some((f) => f.type === 'broadcast/viewers' && f.count === 2), 5000, 'the count of 2');
    await stop(room, live.session);
    await eventually(() => frames.every((f) => f.some((x) => x.type === 'broadcast/ended' && x.reason === 'stopped' && x.session === undefined)), 5000, 'ended');
    expect(service().size).toBe(0);
    expect(stub.size).toBe(0);
  });

  it('publisher gone: leave or disconnect ends the broadcast with publisher-gone, and every session is freed', async () => {
    for (const how of ['leave', 'disconnect'] as const) {
      const name = unique(`gone-${how}`);
      const { host, room } = await stage(name);
      const keeper = await client();
      await room.invite(keeper.me);
      await keeper.room(name).join();
      const viewer = await client();
      await viewer.room(name).join();
      const frames = framesOf(viewer.room(name));
      await publish(room, 'cam');
      await watch(viewer.room(name), 'cam');
      expect(service().size).toBe(2);
      if (how === 'leave') await room.leave();
      else host.close();
      await eventually(() => frames.some((f) => f.type === 'broadcast/ended' && f.reason === 'publisher-gone'), 5000, `ended on ${how}`);
      await eventually(() => service().size === 0 && stub.size === 0, 5000, 'sessions freed');
    }
  });

  it('the media server hangs up: media-lost to the room (a publish) or to its viewer alone (a watch)', async () => {
    const name = unique('lost');
    const { room } = await stage(name);
    const viewer = await client();
    await viewer.room(name).join();
    const frames = framesOf(viewer.room(name));
    await publish(room, 'cam');
    const w = await watch(viewer.room(name), 'cam');
    const media = (id: string) => services().map((s) => (s as unknown as Internals).sessions.get(id)?.media).find(Boolean) ?? '';
    stub.hangUp(media(w.session));
    await eventually(() => frames.some((f) => f.type === 'broadcast/ended' && f.session === w.session && f.reason === 'media-lost'), 5000, 'the watch lost');
    await watch(viewer.room(name), 'cam');
    const live = sessionsOf().find((s) => s.kind === 'publish')!;
    stub.hangUp(live.media);
    await eventually(() => frames.some((f) => f.type === 'broadcast/ended' && f.session === undefined && f.reason === 'media-lost'), 5000, 'the broadcast lost');
    await eventually(() => service().size === 0 && stub.size === 0, 5000, 'sessions freed');
  });

  it('ICE servers: the configured ones and TURN REST credentials minted for the caller', async () => {
    const { host, room } = await stage(unique('ice'));
    const { iceServers } = await room.broadcastCall<{ iceServers: { urls: string[]; username?: string; credential?: string }[] }>({ type: 'broadcast/ice', room: room.name });
    expect(iceServers[0]).toEqual({ urls: 'stun:stun.example.test:3478' });
    const turn = iceServers[1]!;
    const [expiry, id] = turn.username!.split(':');
    expect(id).toBe(host.me.socketId);
    expect(Number(expiry)).toBeGreaterThan(Date.now() / 1000 + 500);
    expect(Number(expiry)).toBeLessThanOrEqual(Date.now() / 1000 + 601);
    expect(turn.credential).toBe(createHmac('sha1', TURN_SECRET).update(turn.username!).digest('base64'));
  });

  it('POST /api/media/hooks/:event is 404 with a backend that takes no hooks', async () => {
    const res = await fetch(`${httpOf(state.engine)}/api/media/hooks/on_publish`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(404);
  });

  it(`${AUDIENCE} audience members join, watch and disconnect at once: the server stays up and keeps nothing`, { timeout: 120_000 }, async () => {
    const name = unique('crowd');
    const { room } = await stage(name, { maxMembers: 4 });
    const live = await publish(room, 'main');
    const mine = framesOf(room);
    const viewers = await crowd(AUDIENCE, () => client());
    await withTimeout(Promise.all(viewers.map((v) => v.room(name).join())), 30_000, 'every join');
    const watched = await withTimeout(Promise.all(viewers.map((v) => watch(v.room(name), 'main'))), 30_000, 'every watch');
    expect(new Set(watched.map((w) => w.session)).size).toBe(AUDIENCE);
    await eventually(() => mine.some((f) => f.type === 'broadcast/viewers' && f.count === AUDIENCE), 10_000, 'the full count');
    expect(mine.filter((f) => f.type === 'broadcast/viewers').length).toBeLessThanOrEqual(40);
    for (const v of viewers) v.close();
    await eventually(() => service().size === 1 && stub.size === 1, 20_000, 'every watch freed');
    await eventually(() => state.engine.hub.rooms.get(name)?.audience.size === 0, 20_000, 'the audience gone');
    expect((await fetch(`${httpOf(state.engine)}/healthz`)).status).toBe(200);
    await stop(room, live.session);
    expect(service().size).toBe(0);
    expect(stub.size).toBe(0);
  });
});

describe('media calls have deadlines', () => {
  const { client } = useServer('ws', { media: { backend: new FrozenBackend(), timeout: 500 } });

  it('a frozen backend: publish fails media-unavailable at the deadline, and the name is free again', async () => {
    const host = await client();
    const room = host.room({ name: 'frozen', mode: 'broadcast' });
    await room.createRoom();
    const started = Date.now();
    expect(await codeOf(publish(room, 'cam'))).toBe('media-unavailable');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await codeOf(publish(room, 'cam'))).toBe('media-unavailable');
  });
});

/** A backend that makes its sessions, but only after the deadline: they must be freed anyway. */
class LateBackend extends StubBackend {
  override async publish(request: Parameters<StubBackend['publish']>[0]) {
    await new Promise((resolve) => setTimeout(resolve, 700));
    return super.publish({ ...request, signal: new AbortController().signal });
  }
}

describe('a session made after the deadline', () => {
  const late = new LateBackend();
  const { client, state } = useServer('ws', { media: { backend: late, timeout: 200 } });

  it('fails the call media-unavailable, and is freed when it comes', async () => {
    const host = await client();
    const room = host.room({ name: 'late', mode: 'broadcast' });
    await room.createRoom();
    expect(await codeOf(publish(room, 'cam'))).toBe('media-unavailable');
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(late.size).toBe(0);
    expect(state.engine.hub.broadcasts.size).toBe(0);
  });
});

describe('without a media backend', () => {
  const { client } = useServer('ws', {});

  it('publish fails media-unavailable', async () => {
    const host = await client();
    const room = host.room({ name: 'no-media', mode: 'broadcast' });
    await room.createRoom();
    expect(await codeOf(publish(room, 'cam'))).toBe('media-unavailable');
  });
});

describe('a backend that refuses', () => {
  const refusing = new StubBackend();
  refusing.publish = () => Promise.reject(new MediaError('media-refused', 'no VP8 here'));
  const { client } = useServer('ws', { media: { backend: refusing } });

  it('its refusal reaches the client as media-refused', async () => {
    const host = await client();
    const room = host.room({ name: 'refused', mode: 'broadcast' });
    await room.createRoom();
    expect(await codeOf(publish(room, 'cam'))).toBe('media-refused');
  });
});
