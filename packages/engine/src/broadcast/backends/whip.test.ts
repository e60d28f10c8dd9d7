import { afterEach, describe, expect, it } from 'vitest';
import { MediaError, type MediaBackend } from '../MediaBackend.js';
import { createWhipBackend, type WhipBackendOptions } from './whip.js';
import { ANSWER, OFFER, refusedOrigin, startFakeServer, startSilentServer, type FakeServer, type Script } from './whipFakeServer.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function fake(script: Script): Promise<FakeServer> {
  const server = await startFakeServer(script);
  cleanups.push(() => server.close());
  return server;
}

function backend(options: WhipBackendOptions): MediaBackend {
  const media = createWhipBackend({ probeIntervalMs: 0, ...options });
  cleanups.push(() => media.close());
  return media;
}

const created = (location = '/resource/abc'): ReturnType<Script> => ({
  status: 201,
  headers: { 'content-type': 'application/sdp', location, etag: '"e1"' },
  body: ANSWER,
});

function publish(media: MediaBackend, ms = 2000, name = 'cam') {
  return media.publish({ room: 'r 1', name, peer: 'p1', offer: OFFER, signal: AbortSignal.timeout(ms) });
}
function watch(media: MediaBackend, ms = 2000) {
  return media.watch({ room: 'r 1', name: 'cam', peer: 'v1', offer: OFFER, publish: 'x', signal: AbortSignal.timeout(ms) });
}

async function failure(promise: Promise<unknown>): Promise<MediaError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MediaError);
  return error as MediaError;
}

describe('createWhipBackend: publish over WHIP', () => {
  it('POSTs the offer as application/sdp with the bearer token to the expanded, URL-encoded endpoint', async () => {
    const server = await fake(() => created());
    const media = backend({ whipUrl: `${server.origin}/whip/{room}/{name}?by={peer}`, token: 's3cret' });
    const session = await publish(media);
    expect(session.answer).toBe(ANSWER);
    const [request] = server.requests;
    expect(request).toMatchObject({ method: 'POST', url: '/whip/r%201/cam?by=p1', body: OFFER });
    expect(request!.headers['content-type']).toBe('application/sdp');
    expect(request!.headers.authorization).toBe('Bearer s3cret');
  });

  it('resolves a relative Location against the endpoint URL and DELETEs it on stop', async () => {
    const server = await fake((request) => (request.method === 'POST' ? created('../resource/7') : { status: 200 }));
    const media = backend({ whipUrl: `${server.origin}/a/whip/{name}`, token: () => 'minted' });
    const session = await publish(media);
    await media.stop(session.id, AbortSignal.timeout(2000));
    expect(server.requests[1]).toMatchObject({ method: 'DELETE', url: '/a/resource/7' });
    expect(server.requests[1]!.headers.authorization).toBe('Bearer minted');
    // A second stop of the same session is a no-op: nothing left to free.
    await media.stop(session.id, AbortSignal.timeout(2000));
    expect(server.requests).toHaveLength(2);
  });

  it('follows an absolute Location to another host', async () => {
    const other = await fake(() => ({ status: 204 }));
    const server = await fake(() => created(`${other.origin}/sessions/9`));
    const media = backend({ whipUrl: `${server.origin}/whip` });
    const session = await publish(media);
    await media.stop(session.id, AbortSignal.timeout(2000));
    expect(other.requests[0]).toMatchObject({ method: 'DELETE', url: '/sessions/9' });
  });

  it.each([
    [401, 'media-refused'],
    [403, 'media-refused'],
    [400, 'media-refused'],
    [406, 'media-refused'],
    [409, 'media-refused'],
    [404, 'media-unavailable'],
    [500, 'media-unavailable'],
    [503, 'media-unavailable'],
    [200, 'media-unavailable'],
  ])('maps a %i answer to %s', async (status, code) => {
    const server = await fake(() => ({ status, headers: { 'content-type': 'text/plain' }, body: 'nope' }));
    const media = backend({ whipUrl: `${server.origin}/whip` });
    expect((await failure(publish(media))).code).toBe(code);
  });

  it('refuses a 201 that is not SDP, or has no Location', async () => {
    const server = await fake(() => ({ status: 201, headers: { 'content-type': 'application/json', location: '/r' }, body: '{"sdp":"v=0"}' }));
    const media = backend({ whipUrl: `${server.origin}/whip` });
    expect((await failure(publish(media))).message).toMatch(/without an SDP answer/);
    server.script = () => ({ status: 201, headers: { 'content-type': 'application/sdp' }, body: ANSWER });
    expect((await failure(publish(media))).message).toMatch(/without a Location/);
  });

  it('refuses an oversize answer, declared or streamed, without reading it all', async () => {
    const big = `v=0\r\n${'a=x:'.padEnd(1000, 'y')}\r\n`.repeat(200);
    const server = await fake(() => ({ status: 201, headers: { 'content-type': 'application/sdp', location: '/r' }, body: big }));
    const media = backend({ whipUrl: `${server.origin}/whip`, maxAnswerBytes: 16 * 1024 });
    const declared = await failure(publish(media));
    expect(declared.code).toBe('media-unavailable');
    expect(declared.message).toMatch(/over 16384/);
    server.script = () => ({ status: 201, headers: { 'content-type': 'application/sdp', location: '/r', 'transfer-encoding': 'chunked' }, body: big });
    expect((await failure(publish(media))).message).toMatch(/over 16384/);
  });

  it('a huge error body is cut at the bound: its status still decides, its first line is the detail', async () => {
    const server = await fake(() => ({ status: 403, headers: { 'content-type': 'text/plain' }, body: `denied\n${'x'.repeat(2_000_000)}` }));
    const media = backend({ whipUrl: `${server.origin}/whip`, maxAnswerBytes: 4096 });
    const error = await failure(publish(media));
    expect(error.code).toBe('media-refused');
    expect(error.message).toBe('media server answered 403 (denied)');
  });

  it('fails media-unavailable at once when the server refuses connections', async () => {
    const media = backend({ whipUrl: `${await refusedOrigin()}/whip` });
    const started = Date.now();
    const error = await failure(publish(media, 5000));
    expect(error.code).toBe('media-unavailable');
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a server that accepts and never answers is rejected at the deadline, not before, not much after', async () => {
    const silent = await startSilentServer();
    cleanups.push(() => silent.close());
    const media = backend({ whipUrl: `${silent.origin}/whip` });
    const started = Date.now();
    const error = await failure(publish(media, 400));
    const took = Date.now() - started;
    expect(error.code).toBe('media-unavailable');
    expect(error.message).toMatch(/deadline/);
    expect(silent.accepted()).toBe(1);
    expect(took).toBeGreaterThanOrEqual(380);
    expect(took).toBeLessThan(400 + 1500);
  });

  it('an HTTP server that never answers, or stalls mid-answer, is rejected at the deadline too', async () => {
    const server = await fake(() => 'hang');
    const media = backend({ whipUrl: `${server.origin}/whip` });
    let started = Date.now();
    expect((await failure(publish(media, 300))).message).toMatch(/deadline/);
    expect(Date.now() - started).toBeLessThan(300 + 1500);
    server.script = () => 'stall-body';
    started = Date.now();
    expect((await failure(publish(media, 300))).message).toMatch(/deadline/);
    expect(Date.now() - started).toBeLessThan(300 + 1500);
  });

  it('an already expired deadline sends nothing', async () => {
    const server = await fake(() => created());
    const media = backend({ whipUrl: `${server.origin}/whip` });
    const signal = AbortSignal.abort();
    await failure(media.publish({ room: 'r', name: 'n', peer: 'p', offer: OFFER, signal }));
    expect(server.requests).toHaveLength(0);
  });

  it('rejects a template with an unknown placeholder or a non-http URL at creation', () => {
    expect(() => createWhipBackend({ whipUrl: 'http://h/{room}/{stream}' })).toThrow(/unknown placeholder \{stream\}/);
    expect(() => createWhipBackend({ whipUrl: 'ftp://h/whip' })).toThrow(/only http/);
  });
});

describe('createWhipBackend: watch over WHEP', () => {
  it('POSTs to the WHEP template; 404 means nothing is live under that name', async () => {
    const server = await fake((request) => (request.url.startsWith('/whep/r%201/cam') ? { status: 404, body: 'no stream' } : created()));
    const media = backend({ whipUrl: `${server.origin}/whip/{name}`, whepUrl: `${server.origin}/whep/{room}/{name}` });
    expect((await failure(watch(media))).code).toBe('not-live');
    expect(server.requests[0]!.url).toBe('/whep/r%201/cam');
  });

  it('without a WHEP URL, watch fails media-unavailable without a request', async () => {
    const server = await fake(() => created());
    const media = backend({ whipUrl: `${server.origin}/whip` });
    expect((await failure(watch(media))).code).toBe('media-unavailable');
    expect(server.requests).toHaveLength(0);
  });
});

describe('createWhipBackend: stop', () => {
  it('a DELETE answered 404 or 410 means already gone; 500 or a hang rejects, the session is forgotten either way', async () => {
    let deleteAnswer: ReturnType<Script> = { status: 404 };
    const server = await fake((request) => (request.method === 'POST' ? created(`/res/${server.requests.length}`) : deleteAnswer));
    const media = backend({ whipUrl: `${server.origin}/whip` });
    await media.stop((await publish(media)).id, AbortSignal.timeout(2000));
    deleteAnswer = { status: 410 };
    await media.stop((await publish(media)).id, AbortSignal.timeout(2000));
    deleteAnswer = { status: 500 };
    const failing = (await publish(media)).id;
    expect((await failure(media.stop(failing, AbortSignal.timeout(2000)))).code).toBe('media-unavailable');
    deleteAnswer = 'hang';
    const hanging = (await publish(media)).id;
    const started = Date.now();
    expect((await failure(media.stop(hanging, AbortSignal.timeout(300)))).message).toMatch(/deadline/);
    expect(Date.now() - started).toBeLessThan(300 + 1500);
    const before = server.requests.length;
    await media.stop(failing, AbortSignal.timeout(2000));
    expect(server.requests).toHaveLength(before);
  });

  it('close() DELETEs the sessions still live', async () => {
    const server = await fake((request) => (request.method === 'POST' ? created(`/res/${server.requests.length}`) : { status: 200 }));
    const media = createWhipBackend({ whipUrl: `${server.origin}/whip`, probeIntervalMs: 0 });
    await publish(media);
    await publish(media, 2000, 'other');
    await media.close();
    expect(server.requests.filter((r) => r.method === 'DELETE').map((r) => r.url).sort()).toEqual(['/res/1', '/res/2']);
    expect((await failure(publish(media))).message).toMatch(/closed/);
  });
});

describe('createWhipBackend: close while a publish is out', () => {
  it('the publish fails media-unavailable and no session outlives the backend', async () => {
    const server = await fake(async (request) => {
      if (request.method !== 'POST') return { status: 200 };
      await new Promise((r) => setTimeout(r, 150));
      return created('/res/late') as { status: number };
    });
    const media = createWhipBackend({ whipUrl: `${server.origin}/whip`, probeIntervalMs: 50 });
    const pending = publish(media);
    await new Promise((r) => setTimeout(r, 50));
    await media.close();
    expect((await failure(pending)).code).toBe('media-unavailable');
    await new Promise((r) => setTimeout(r, 300));
    // Nothing probes a session of a closed backend.
    expect(server.requests.filter((r) => r.method === 'PATCH' || r.method === 'OPTIONS')).toHaveLength(0);
  });
});

describe('createWhipBackend: health and hang-up', () => {
  it('health asks OPTIONS on the origin by default, or the configured URL; 5xx and silence reject', async () => {
    const server = await fake((request) => ({ status: request.url === '/down' ? 503 : 204 }));
    const media = backend({ whipUrl: `${server.origin}/whip/{name}` });
    await media.health(AbortSignal.timeout(2000));
    expect(server.requests[0]).toMatchObject({ method: 'OPTIONS', url: '/' });
    const down = backend({ whipUrl: `${server.origin}/whip`, healthUrl: `${server.origin}/down` });
    expect((await failure(down.health(AbortSignal.timeout(2000)))).code).toBe('media-unavailable');
    expect(server.requests[1]).toMatchObject({ method: 'GET', url: '/down' });
    const silent = await startSilentServer();
    cleanups.push(() => silent.close());
    const frozen = backend({ whipUrl: `${silent.origin}/whip` });
    const started = Date.now();
    await failure(frozen.health(AbortSignal.timeout(300)));
    expect(Date.now() - started).toBeLessThan(300 + 1500);
  });

  it('a PATCH probe answered 404 reports the session as hung up; one answered 204 keeps it', async () => {
    let gone = false;
    const server = await fake((request) => {
      if (request.method === 'POST') return created(`/res/${request.body.length}`);
      if (request.method === 'PATCH') return { status: gone ? 404 : 204 };
      return { status: 204 };
    });
    const media = backend({ whipUrl: `${server.origin}/whip`, probeIntervalMs: 50 });
    const hangups: string[] = [];
    media.onHangup((id) => hangups.push(id));
    const session = await publish(media);
    await until(() => server.requests.some((r) => r.method === 'PATCH'));
    expect(hangups).toEqual([]);
    const patch = server.requests.find((r) => r.method === 'PATCH')!;
    expect(patch.headers['content-type']).toBe('application/trickle-ice-sdpfrag');
    expect(patch.headers['if-match']).toBe('"e1"');
    expect(patch.body).toBe('a=ice-ufrag:EsAw\r\na=ice-pwd:bP+XJMM09aR8AiX1jdukzR6Y\r\n');
    gone = true;
    await until(() => hangups.length > 0);
    expect(hangups).toEqual([session.id]);
    // Forgotten: stop sends nothing more.
    const count = server.requests.length;
    await media.stop(session.id, AbortSignal.timeout(1000));
    expect(server.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
    expect(server.requests.length).toBeGreaterThanOrEqual(count);
  });

  it('a server that stops answering health probes hangs up every session after probeFailures tries', async () => {
    let down = false;
    const server = await fake((request) => {
      if (request.method === 'POST') return created(`/res/${server.requests.length}`);
      if (down && request.method === 'OPTIONS') return { status: 503 };
      return { status: 405 };
    });
    const media = backend({ whipUrl: `${server.origin}/whip`, probeIntervalMs: 50, probeFailures: 2 });
    const hangups: string[] = [];
    media.onHangup((id) => hangups.push(id));
    const a = await publish(media);
    const b = await publish(media, 2000, 'b');
    // PATCH answered 405: the server has no trickle, only health probes are left.
    await until(() => server.requests.filter((r) => r.method === 'PATCH').length >= 2);
    await sleep(200);
    expect(server.requests.filter((r) => r.method === 'PATCH')).toHaveLength(2);
    expect(hangups).toEqual([]);
    down = true;
    await until(() => hangups.length === 2);
    expect(hangups.sort()).toEqual([a.id, b.id].sort());
  });

  it('an idle backend sends no probes', async () => {
    const server = await fake(() => ({ status: 204 }));
    backend({ whipUrl: `${server.origin}/whip`, probeIntervalMs: 20 });
    await sleep(200);
    expect(server.requests).toHaveLength(0);
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}
