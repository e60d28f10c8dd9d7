/**
 * The SRS preset against a scripted SRS that behaves as SRS's sources say (srsRecorded.ts): it
 * calls MWSE's hook with SRS's hook bodies during the WHIP/WHEP POST, answers 201 + its Location
 * when the hook allows, closes the connection when not, and calls on_unpublish/on_stop when a
 * session ends. Untested against a live SRS: none runs here.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MediaError, type MediaBackend, type MediaHookResult } from '../MediaBackend.js';
import { createSrsBackend, srsStreamName, type SrsBackendOptions } from './srs.js';
import { srsAllows, srsHookBody, srsLocation, SRS_RTMP_ON_PUBLISH, type SrsHookEvent } from './srsRecorded.js';
import { ANSWER, OFFER, refusedOrigin, startFakeServer, type FakeServer, type ScriptedResponse } from './whipFakeServer.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

interface FakeSrs {
  server: FakeServer;
  /** Hook calls SRS made and whether MWSE allowed them. */
  hooks: Array<{ event: SrsHookEvent; body: Record<string, unknown>; allowed: boolean }>;
  /** Lets a test tamper with what SRS sends to the hook. */
  rewrite?: (body: Record<string, unknown>) => void;
  hookDelayMs: number;
  /** Runs between an allowed hook and SRS's 201 (SRS ending the session meanwhile). */
  beforeAnswer?: (query: URLSearchParams) => Promise<void>;
  /** Ends a session on SRS's side (a timeout, a client gone): SRS calls on_unpublish/on_stop. */
  end(session: string): Promise<void>;
}

async function fakeSrs(media: () => MediaBackend): Promise<FakeSrs> {
  const sessions = new Map<string, { query: URLSearchParams; play: boolean }>();
  let next = 0;
  const call = async (event: SrsHookEvent, query: URLSearchParams): Promise<boolean> => {
    const body = srsHookBody(event, query);
    srs.rewrite?.(body);
    if (srs.hookDelayMs) await new Promise((r) => setTimeout(r, srs.hookDelayMs));
    const result = await media().hook!(event, JSON.parse(JSON.stringify(body)));
    const allowed = srsAllows(result.status, result.body);
    srs.hooks.push({ event, body, allowed });
    return allowed;
  };

  const server = await startFakeServer(async (request): Promise<ScriptedResponse | 'drop'> => {
    const url = new URL(request.url, 'http://srs');
    if (request.method === 'GET' && url.pathname === '/api/v1/versions') {
      return { status: 200, headers: { 'content-type': 'application/json' }, body: '{"code":0,"data":{"major":6}}' };
    }
    if (request.method === 'DELETE' && url.pathname === '/rtc/v1/whip/') {
      const session = url.searchParams.get('session') ?? '';
      await srs.end(session);
      return { status: 200, headers: { connection: 'Close', 'content-length': '0' } };
    }
    if (request.method === 'POST' && (url.pathname === '/rtc/v1/whip/' || url.pathname === '/rtc/v1/whep/')) {
      const play = url.pathname === '/rtc/v1/whep/';
      if (!request.body.startsWith('v=0')) return 'drop';
      if (!(await call(play ? 'on_play' : 'on_publish', url.searchParams))) return 'drop';
      await srs.beforeAnswer?.(url.searchParams);
      const session = `s${next++}:c${next}`;
      sessions.set(session, { query: url.searchParams, play });
      return {
        status: 201,
        headers: { connection: 'Close', 'content-type': 'application/sdp', location: srsLocation(url.searchParams, session, `t${next}`) },
        body: ANSWER,
      };
    }
    return { status: 404 };
  });
  const srs: FakeSrs = {
    server,
    hooks: [],
    hookDelayMs: 0,
    async end(session) {
      const found = sessions.get(session);
      if (!found) return;
      sessions.delete(session);
      await call(found.play ? 'on_stop' : 'on_unpublish', found.query);
    },
  };
  cleanups.push(() => server.close());
  return srs;
}

async function setup(options: Partial<SrsBackendOptions> = {}) {
  let media: MediaBackend | undefined;
  const srs = await fakeSrs(() => media!);
  media = createSrsBackend({ url: srs.server.origin, probeIntervalMs: 0, ...options });
  cleanups.push(() => media!.close());
  const hangups: string[] = [];
  media.onHangup((id) => hangups.push(id));
  return { srs, media, hangups };
}

const publish = (media: MediaBackend, name = 'cam') =>
  media.publish({ room: 'studio', name, peer: 'p1', offer: OFFER, signal: AbortSignal.timeout(2000) });
const watch = (media: MediaBackend, publishId: string) =>
  media.watch({ room: 'studio', name: 'cam', peer: 'v1', offer: OFFER, publish: publishId, signal: AbortSignal.timeout(2000) });

const allowed = (result: MediaHookResult): boolean => srsAllows(result.status, result.body);

async function failure(promise: Promise<unknown>): Promise<MediaError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(MediaError);
  return error as MediaError;
}

describe('createSrsBackend: WHIP/WHEP with minted tokens', () => {
  it('publishes to /rtc/v1/whip/ with app, stream and a fresh token its on_publish hook allows; HLS/FLV URLs announced', async () => {
    const { srs, media } = await setup({ app: 'mwse', hlsUrl: 'http://srs:8080/{app}/{stream}.m3u8', flvUrl: 'http://srs:8080/{app}/{stream}.flv' });
    const session = await publish(media);
    expect(session.answer).toBe(ANSWER);
    expect(session.urls!.hls).toBe('http://srs:8080/mwse/studio-cam.m3u8');
    expect(session.urls!.flv).toMatch(/^http:\/\/srs:8080\/mwse\/studio-cam\.flv\?token=[A-Za-z0-9_-]{22}$/);
    const url = new URL(srs.server.requests[0]!.url, 'http://srs');
    expect(url.pathname).toBe('/rtc/v1/whip/');
    expect(url.searchParams.get('app')).toBe('mwse');
    expect(url.searchParams.get('stream')).toBe('studio-cam');
    expect(url.searchParams.get('token')).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(srs.hooks).toEqual([expect.objectContaining({ event: 'on_publish', allowed: true })]);
    // A second publish mints a different token.
    await publish(media, 'cam2');
    expect(new URL(srs.server.requests[1]!.url, 'http://srs').searchParams.get('token')).not.toBe(url.searchParams.get('token'));
  });

  it('watch goes to /rtc/v1/whep/ and is allowed by on_play; stop DELETEs SRS\'s Location and its on_stop is not a hang-up', async () => {
    const { srs, media, hangups } = await setup();
    const pub = await publish(media);
    const view = await watch(media, pub.id);
    expect(new URL(srs.server.requests[1]!.url, 'http://srs').pathname).toBe('/rtc/v1/whep/');
    expect(srs.hooks.map((h) => [h.event, h.allowed])).toEqual([['on_publish', true], ['on_play', true]]);
    await media.stop(view.id, AbortSignal.timeout(2000));
    const del = srs.server.requests[2]!;
    expect(del.method).toBe('DELETE');
    expect(del.url).toMatch(/^\/rtc\/v1\/whip\/\?action=delete&token=t\d+&app=live&stream=studio-cam&session=/);
    expect(srs.hooks[2]).toMatchObject({ event: 'on_stop' });
    await media.stop(pub.id, AbortSignal.timeout(2000));
    expect(srs.hooks[3]).toMatchObject({ event: 'on_unpublish' });
    expect(hangups).toEqual([]);
  });

  it('SRS ending a live session (on_unpublish, on_stop) is reported as a hang-up, once', async () => {
    const { srs, media, hangups } = await setup();
    const pub = await publish(media);
    const view = await watch(media, pub.id);
    // The fake names its sessions s0:c1, s1:c2… in the Locations it answers with.
    await srs.end('s1:c2');
    expect(hangups).toEqual([view.id]);
    await srs.end('s0:c1');
    expect(hangups).toEqual([view.id, pub.id]);
    // Nothing more to free: stops send nothing.
    const before = srs.server.requests.length;
    await media.stop(pub.id, AbortSignal.timeout(2000));
    expect(srs.server.requests).toHaveLength(before);
  });
});

describe('createSrsBackend: HTTP-FLV', () => {
  it('the announced FLV URL carries a play token SRS\'s on_play accepts as often as asked while the session lives', async () => {
    const { srs, media } = await setup({ flvUrl: 'http://srs:8080/{app}/{stream}.flv' });
    const session = await publish(media);
    const flv = new URL(session.urls!.flv!);
    // An HTTP-FLV play's hook body: SRS's `param` is the player's query string with its `?`.
    const play = { ...srsHookBody('on_play', new URLSearchParams({ app: 'live', stream: 'studio-cam' })), param: flv.search };
    for (let i = 0; i < 3; i++) {
      const result = await media.hook!('on_play', play);
      expect(srsAllows(result.status, result.body)).toBe(true);
    }
    // Not a publish token, not for another stream.
    expect(allowed(await media.hook!('on_publish', { ...play, action: 'on_publish' }))).toBe(false);
    expect(allowed(await media.hook!('on_play', { ...play, stream: 'other' }))).toBe(false);
    // An FLV player leaving is not the session ending.
    const hangups: string[] = [];
    media.onHangup((id) => hangups.push(id));
    expect(allowed(await media.hook!('on_stop', { ...play, action: 'on_stop' }))).toBe(true);
    expect(hangups).toEqual([]);
    // The session gone, its FLV token goes with it.
    await media.stop(session.id, AbortSignal.timeout(2000));
    expect(allowed(await media.hook!('on_play', play))).toBe(false);
    expect(srs.hooks.map((h) => h.event)).toEqual(['on_publish', 'on_unpublish']);
  });
});

describe('createSrsBackend: ends SRS reports early', () => {
  it('an on_unpublish that arrives before SRS\'s 201 does is still reported, once the session exists', async () => {
    const { srs, media, hangups } = await setup();
    srs.beforeAnswer = async (query) => {
      const result = await media.hook!('on_unpublish', srsHookBody('on_unpublish', query));
      expect(srsAllows(result.status, result.body)).toBe(true);
    };
    const session = await publish(media);
    await new Promise((r) => setTimeout(r, 20));
    expect(hangups).toEqual([session.id]);
  });
});

describe('createSrsBackend: the http_hooks endpoint allows only tokens MWSE minted', () => {
  it('a token reused for a second on_publish is refused', async () => {
    const { srs, media } = await setup();
    await publish(media);
    const replay = srs.hooks[0]!.body;
    const result = await media.hook!('on_publish', replay);
    expect(srsAllows(result.status, result.body)).toBe(false);
    expect((result.body as { code: number }).code).not.toBe(0);
  });

  it('a token presented for another stream, or another action, is refused and the publish reads as media-refused', async () => {
    const { srs, media } = await setup();
    srs.rewrite = (body) => {
      body.stream = 'someone-else';
    };
    expect((await failure(publish(media))).code).toBe('media-refused');
    expect(srs.hooks[0]).toMatchObject({ allowed: false });
    srs.rewrite = undefined;
    const pub = await publish(media);
    // A publish token shown to on_play.
    const result = await media.hook!('on_play', srsHookBody('on_play', new URLSearchParams(srs.hooks[1]!.body.param as string)));
    expect(srsAllows(result.status, result.body)).toBe(false);
    expect(pub.id).toBeTruthy();
  });

  it('a token past its time to live is refused', async () => {
    const { srs, media } = await setup({ tokenTtlMs: 30 });
    srs.hookDelayMs = 120;
    expect((await failure(publish(media))).code).toBe('media-refused');
    expect(srs.hooks[0]).toMatchObject({ event: 'on_publish', allowed: false });
  });

  it.each([
    ['an RTMP publish with a foreign token', 'on_publish', SRS_RTMP_ON_PUBLISH],
    ['no param at all', 'on_publish', { action: 'on_publish', app: 'live', stream: 'x' }],
    ['an event MWSE does not handle', 'on_connect', { action: 'on_connect', app: 'live' }],
    ['an action that does not match the event', 'on_play', { ...SRS_RTMP_ON_PUBLISH, action: 'on_publish' }],
    ['a body that is not an object', 'on_publish', 'on_publish'],
    ['null', 'on_publish', null],
    ['an absurdly long param', 'on_publish', { action: 'on_publish', param: `token=${'x'.repeat(10_000)}` }],
  ])('refuses %s with a non-zero code', async (_what, event, body) => {
    const { media } = await setup();
    const result = await media.hook!(event, body);
    expect(srsAllows(result.status, result.body)).toBe(false);
    expect((result.body as { code: number }).code).not.toBe(0);
  });

  it('an on_unpublish for a token MWSE never minted changes nothing', async () => {
    const { media, hangups } = await setup();
    await publish(media);
    const result = await media.hook!('on_unpublish', SRS_RTMP_ON_PUBLISH);
    expect(srsAllows(result.status, result.body)).toBe(false);
    expect(hangups).toEqual([]);
  });
});

describe('createSrsBackend: failures and health', () => {
  it('SRS down → media-unavailable at once; SRS dropping a POST its hooks did not refuse → media-unavailable', async () => {
    const down = createSrsBackend({ url: await refusedOrigin(), probeIntervalMs: 0 });
    cleanups.push(() => down.close());
    expect((await failure(publish(down))).code).toBe('media-unavailable');
    const { media, srs } = await setup();
    const bad = await failure(media.publish({ room: 'r', name: 'n', peer: 'p', offer: 'not sdp', signal: AbortSignal.timeout(2000) }));
    expect(bad.code).toBe('media-unavailable');
    expect(srs.hooks).toEqual([]);
  });

  it('health asks SRS\'s /api/v1/versions', async () => {
    const { srs, media } = await setup();
    await media.health(AbortSignal.timeout(2000));
    expect(srs.server.requests[0]).toMatchObject({ method: 'GET', url: '/api/v1/versions' });
  });

  it('stream names: plain words stay readable, anything else hashes, distinct pairs never collide', () => {
    expect(srsStreamName('studio', 'cam')).toBe('studio-cam');
    const odd = srsStreamName('a-b', 'c');
    expect(odd).toMatch(/^h[0-9a-f]{32}$/);
    expect(srsStreamName('a', 'b-c')).not.toBe(odd);
    expect(srsStreamName('é', 'x')).not.toBe(srsStreamName('e', 'x'));
  });
});
