/**
 * The SRS preset end to end through MWSE's HTTP route: a scripted SRS (SRS itself cannot run
 * here) that, like SRS 6, calls its `http_hooks` on every WHIP/WHEP POST and answers 201 only when
 * the hook allows, else closes the connection. The hook body's shape follows SRS's
 * srs_app_http_hooks.cpp (see packages/engine/src/broadcast/backends/srsRecorded.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '@mwse/client';
import { httpOf, useServer } from '../integration/harness.js';

const OFFER = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
const ANSWER = 'v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';

/** What SRS posts to its hook for a WHIP/WHEP session with this query. */
function hookBody(action: string, query: URLSearchParams) {
  return {
    server_id: 'vid-werty',
    service_id: 'k2j1h0g9',
    action,
    client_id: '9308h583',
    ip: '127.0.0.1',
    vhost: '__defaultVhost__',
    app: query.get('app'),
    tcUrl: '',
    stream: query.get('stream'),
    param: query.toString(),
    stream_url: `/${query.get('app')}/${query.get('stream')}`,
    stream_id: 'vid-124q9y3',
  };
}

let hookBase = '';
const hookAnswers: { action: string; status: number; body: unknown }[] = [];
const srs = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', async () => {
    const url = new URL(req.url ?? '/', 'http://srs');
    if (req.method === 'DELETE') return void res.writeHead(200).end();
    const action = url.pathname.startsWith('/rtc/v1/whep/') ? 'on_play' : 'on_publish';
    const hook = await fetch(`${hookBase}/api/media/hooks/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(hookBody(action, url.searchParams)),
    });
    const body: unknown = await hook.json();
    hookAnswers.push({ action, status: hook.status, body });
    const allowed = hook.status === 200 && (body as { code?: number }).code === 0;
    // SRS answers a refused hook by closing the connection without a response.
    if (!allowed) return void req.socket.destroy();
    res
      .writeHead(201, { 'content-type': 'application/sdp', location: `/rtc/v1/whip/?action=delete&app=${url.searchParams.get('app')}&stream=${url.searchParams.get('stream')}&session=s1` })
      .end(ANSWER);
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => srs.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  srs.closeAllConnections();
  await new Promise<void>((resolve) => srs.close(() => resolve()));
});

const publish = (room: Room, name: string) => room.broadcastCall<{ session: string; answer: string }>({ type: 'broadcast/publish', room: room.name, name, offer: OFFER });
const watch = (room: Room, name: string) => room.broadcastCall<{ session: string; answer: string }>({ type: 'broadcast/watch', room: room.name, name, offer: OFFER });

describe('the SRS preset through MWSE_MEDIA=srs and POST /api/media/hooks/:event', () => {
  const { client, state } = useServer('ws', () => ({
    media: { backend: 'srs', options: { url: `http://127.0.0.1:${(srs.address() as AddressInfo).port}` }, timeout: 3000 },
  }));

  it('lets SRS admit the publish and the watch MWSE allowed, and nothing else', async () => {
    hookBase = httpOf(state.engine);
    const host = await client();
    const room = host.room({ name: 'srs-stage', mode: 'broadcast' });
    await room.createRoom();
    const published = await publish(room, 'cam');
    expect(published.answer).toBe(ANSWER);
    const viewer = await client();
    await viewer.room('srs-stage').join();
    expect((await watch(viewer.room('srs-stage'), 'cam')).answer).toBe(ANSWER);
    expect(hookAnswers.map((a) => [a.action, a.status, (a.body as { code: number }).code])).toEqual([
      ['on_publish', 200, 0],
      ['on_play', 200, 0],
    ]);

    // A publisher that did not go through MWSE: a token MWSE never minted, and none at all.
    for (const param of ['app=live&stream=srs-stage.cam&token=forged', 'app=live&stream=srs-stage.cam']) {
      const forged = await fetch(`${hookBase}/api/media/hooks/on_publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...hookBody('on_publish', new URLSearchParams(param)), param }),
      });
      expect(forged.status).toBe(403);
      expect((await forged.json()) as { code: number }).not.toMatchObject({ code: 0 });
    }
  });
});
