/**
 * WHEP against recorded exchanges of real servers (MediaMTX, Janus's simple-whep-server, SRS):
 * see whepRecorded.ts for where each shape comes from. No WHEP server runs here.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MediaError } from '../MediaBackend.js';
import { createWhipBackend } from './whip.js';
import { OFFER, startFakeServer, type FakeServer, type ScriptedResponse } from './whipFakeServer.js';
import { RECORDED_WHEP, type RecordedWhepServer } from './whepRecorded.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

type Mode = 'live' | 'not-live' | 'refuse' | 'drop';

/** Replays a recorded server: POST by mode, PATCH alive until `gone`, DELETE as recorded. */
async function replay(recorded: RecordedWhepServer, state: { mode: Mode; gone: boolean }): Promise<FakeServer> {
  const server = await startFakeServer((request) => {
    const as = (r: { status: number; headers: Record<string, string | string[]>; body: string }): ScriptedResponse => r;
    if (request.method === 'POST') {
      if (state.mode === 'drop') return 'drop';
      if (state.mode === 'not-live') return as(recorded.notLive);
      if (state.mode === 'refuse') return as(recorded.refused);
      return as(recorded.created);
    }
    if (request.method === 'PATCH') return as(state.gone ? recorded.patchGone! : recorded.patchAlive!);
    if (request.method === 'DELETE') return as(recorded.deleted);
    return { status: 405 };
  });
  cleanups.push(() => server.close());
  return server;
}

function whep(server: FakeServer, recorded: RecordedWhepServer, probeIntervalMs = 0) {
  const media = createWhipBackend({ whipUrl: `${server.origin}/unused`, whepUrl: server.origin + recorded.endpoint, probeIntervalMs });
  cleanups.push(() => media.close());
  return media;
}

const watch = (media: ReturnType<typeof createWhipBackend>) =>
  media.watch({ room: 'r', name: 'cam', peer: 'v', offer: OFFER, publish: 'p', signal: AbortSignal.timeout(2000) });

async function code(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(MediaError);
  return (error as MediaError).code;
}

describe.each([['mediamtx'], ['janus']] as const)('WHEP against recorded %s exchanges', (name) => {
  const recorded = RECORDED_WHEP[name];

  it('watch: 201 answer; stop DELETEs the Location it named', async () => {
    const server = await replay(recorded, { mode: 'live', gone: false });
    const media = whep(server, recorded);
    const session = await watch(media);
    expect(session.answer.startsWith('v=0')).toBe(true);
    expect(server.requests[0]).toMatchObject({ method: 'POST', url: recorded.endpoint });
    await media.stop(session.id, AbortSignal.timeout(2000));
    expect(server.requests[1]).toMatchObject({ method: 'DELETE', url: recorded.created.headers.location });
  });

  it('nothing published under the name → not-live; a refusal → media-refused', async () => {
    const state = { mode: 'not-live' as Mode, gone: false };
    const server = await replay(recorded, state);
    const media = whep(server, recorded);
    expect(await code(watch(media))).toBe('not-live');
    state.mode = 'refuse';
    expect(await code(watch(media))).toBe('media-refused');
  });

  it('a resource the server dropped is seen by the PATCH probe and reported as hung up', async () => {
    const state = { mode: 'live' as Mode, gone: false };
    const server = await replay(recorded, state);
    const media = whep(server, recorded, 40);
    const hangups: string[] = [];
    media.onHangup((id) => hangups.push(id));
    const session = await watch(media);
    await until(() => server.requests.some((r) => r.method === 'PATCH'));
    const patch = server.requests.find((r) => r.method === 'PATCH')!;
    expect(patch.url).toBe(recorded.created.headers.location);
    const etag = recorded.created.headers.etag as string;
    // MediaMTX's ETag is the wildcard: never echoed (If-Match: * asks for an ICE restart).
    expect(patch.headers['if-match']).toBe(etag === '*' ? undefined : etag);
    expect(hangups).toEqual([]);
    state.gone = true;
    await until(() => hangups.length > 0);
    expect(hangups).toEqual([session.id]);
  });
});

describe('WHEP against recorded SRS exchanges (generic backend)', () => {
  const recorded = RECORDED_WHEP.srs;

  it('keeps SRS\'s query-string Location exactly for the DELETE', async () => {
    const server = await replay(recorded, { mode: 'live', gone: false });
    const media = whep(server, recorded);
    const session = await watch(media);
    await media.stop(session.id, AbortSignal.timeout(2000));
    expect(server.requests[1]).toMatchObject({ method: 'DELETE', url: recorded.created.headers.location });
  });

  it('SRS closes the connection on a refusal: without its hooks on MWSE that reads as media-unavailable', async () => {
    const server = await replay(recorded, { mode: 'drop', gone: false });
    expect(await code(watch(whep(server, recorded)))).toBe('media-unavailable');
  });
});

async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
