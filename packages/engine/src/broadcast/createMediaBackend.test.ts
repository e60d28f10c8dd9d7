import { afterEach, describe, expect, it } from 'vitest';
import { createMediaBackend, mediaBackendNames } from './createMediaBackend.js';
import { startFakeServer, type FakeServer } from './backends/whipFakeServer.js';

const OFFER = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
const ANSWER = 'v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';

let fake: FakeServer | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe('createMediaBackend', () => {
  it('knows every backend MWSE_MEDIA names', () => {
    expect(mediaBackendNames().sort()).toEqual(['janus', 'srs', 'stub', 'whip']);
  });

  it('makes a WHIP backend from the server configuration shape ({ url, token })', async () => {
    fake = await startFakeServer((request) =>
      request.method === 'POST'
        ? { status: 201, headers: { 'content-type': 'application/sdp', location: '/resource/1' }, body: ANSWER }
        : { status: 200 },
    );
    const backend = createMediaBackend('whip', { url: `${fake.origin}/whip/{room}/{name}`, token: 'bearer-token-0123456789' });
    expect(backend.kind).toBe('whip');
    const signal = AbortSignal.timeout(5000);
    const session = await backend.publish({ room: 'stage', name: 'cam', peer: 'p1', offer: OFFER, signal });
    expect(session.answer).toBe(ANSWER);
    expect(fake.requests[0]).toMatchObject({ method: 'POST', url: '/whip/stage/cam', body: OFFER });
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer bearer-token-0123456789');
    await backend.stop(session.id, signal);
    expect(fake.requests.at(-1)).toMatchObject({ method: 'DELETE', url: '/resource/1' });
    await backend.close();
  });

  it('makes the SRS preset from its API base', async () => {
    fake = await startFakeServer(() => ({ status: 201, headers: { 'content-type': 'application/sdp', location: '/rtc/v1/whip/?app=live&stream=x' }, body: ANSWER }));
    const backend = createMediaBackend('srs', { url: fake.origin });
    expect(backend.kind).toBe('srs');
    await backend.publish({ room: 'stage', name: 'cam', peer: 'p1', offer: OFFER, signal: AbortSignal.timeout(5000) });
    expect(fake.requests[0]!.url).toMatch(/^\/rtc\/v1\/whip\/\?app=live&stream=[^&]+&token=/);
    await backend.close();
  });
});
