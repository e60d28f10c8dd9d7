import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '@mwse/engine';
import type { Notification } from '@mwse/client';
import { TRANSPORTS, eventually, httpOf, once, settle, useServer } from './harness.js';
import { delay, sendJson, useHttpStub, type StubRequest } from './httpStub.js';

const SECRET = 'bridge-secret-for-tests-0123456789';

/** What an app server does with a signed request from MWSE (docs/bridge.md). */
function verifySignature(secret: string, request: StubRequest): boolean {
  const timestamp = String(request.headers['x-mwse-timestamp'] ?? '');
  const signature = Buffer.from(String(request.headers['x-mwse-signature'] ?? ''));
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.${request.body}`).digest('hex')}`);
  return signature.length === expected.length && timingSafeEqual(signature, expected);
}

async function metric(base: string, line: RegExp): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const found = text.split('\n').find((l) => line.test(l));
  return found ? Number(found.split(' ').at(-1)) : 0;
}

describe.each(TRANSPORTS)('bridge approval over %s', (transport) => {
  /** The approver answers as the handshake's `mode` query asks. */
  const approver = useHttpStub(async (req, res) => {
    const mode = new URLSearchParams(req.json?.query as string).get('mode');
    switch (mode) {
      case 'allow':
        return sendJson(res, 200, { allow: true, identity: 'alice', info: { name: 'Alice' } });
      case 'deny':
        return sendJson(res, 200, { allow: false });
      case 'forbid':
        return sendJson(res, 403, { allow: true });
      case 'slow':
        await delay(1500);
        return sendJson(res, 200, { allow: true });
      case 'error':
        return sendJson(res, 500, { allow: true });
      case 'redirect':
        res.writeHead(302, { location: '/?mode=allow' });
        return void res.end();
      case 'junk':
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end('yes, let them in');
      case 'stringy':
        return sendJson(res, 200, { allow: 'true' });
      case 'array':
        return sendJson(res, 200, [{ allow: true }]);
      case 'bad-identity':
        return sendJson(res, 200, { allow: true, identity: 42 });
      case 'huge':
        return sendJson(res, 200, { allow: true, padding: 'x'.repeat(200 * 1024) });
      default:
        return sendJson(res, 200, { allow: true });
    }
  });
  const { state, handshake } = useServer(transport, () => ({
    approveUrl: `${approver.url}/approve`,
    approveTimeout: 300,
    maxPendingApprovals: 2,
    bridgeSecret: SECRET,
  }));

  it('admits on a 2xx {"allow": true}, with the identity and the initial info it gives', async () => {
    const result = await handshake({ path: '/?mode=allow' });
    if (!result.accepted) throw new Error(`refused with ${result.status}`);
    expect(result.hello.identity).toBe('alice');
    const peer = state.engine.hub.peer(result.hello.socketId as string)!;
    expect(peer.info.toObject()).toEqual({ name: 'Alice' });
  });

  it('POSTs origin, path, query, the chosen headers and the remote address, signed', async () => {
    await handshake({
      path: '/room/7?mode=allow&x=1',
      origin: 'https://app.example.com',
      headers: { cookie: 'sid=abc', authorization: 'Bearer t', 'x-private': 'not for the app server' },
    });
    const [request] = approver.to('/approve');
    expect(request!.method).toBe('POST');
    expect(request!.headers['content-type']).toMatch(/^application\/json/);
    expect(request!.json).toEqual({
      origin: 'https://app.example.com',
      path: '/room/7',
      query: 'mode=allow&x=1',
      headers: { cookie: 'sid=abc', authorization: 'Bearer t' },
      remoteAddress: '127.0.0.1',
    });
    expect(verifySignature(SECRET, request!)).toBe(true);
  });

  it.each([
    ['deny', 'a 200 {"allow": false}', 403],
    ['forbid', 'a 403', 403],
    ['slow', 'no answer within the timeout', 503],
    ['error', 'a 5xx, whatever its body says', 503],
    ['redirect', 'a 3xx (not followed)', 503],
    ['junk', 'a body that is not JSON', 503],
    ['stringy', '"allow": "true" (not the boolean)', 503],
    ['array', 'a JSON array', 503],
    ['bad-identity', 'an identity that is not a string', 503],
    ['huge', 'an oversize answer', 503],
  ])('refuses on %s (%s) with %i', async (mode, _what, status) => {
    const started = Date.now();
    const result = await handshake({ path: `/?mode=${mode}` });
    expect(result).toMatchObject({ accepted: false, status });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(approver.to('/approve').length).toBeGreaterThan(0);
  });

  it('bounds approvals in flight: a handshake past the bound is refused at once', async () => {
    const before = await metric(httpOf(state.engine), /^mwse_refused_connections_total\{reason="bridge-busy"\}/);
    const results = await Promise.all([1, 2, 3].map(() => handshake({ path: '/?mode=slow' })));
    expect(results.every((r) => !r.accepted)).toBe(true);
    expect(approver.to('/approve')).toHaveLength(2);
    expect(await metric(httpOf(state.engine), /^mwse_refused_connections_total\{reason="bridge-busy"\}/)).toBe(before + 1);
  });

  it('counts refusals by reason in /metrics', async () => {
    await handshake({ path: '/?mode=deny' });
    await handshake({ path: '/?mode=error' });
    const base = httpOf(state.engine);
    expect(await metric(base, /^mwse_refused_connections_total\{reason="denied"\}/)).toBeGreaterThan(0);
    expect(await metric(base, /^mwse_refused_connections_total\{reason="bridge-error"\}/)).toBeGreaterThan(0);
  });
});

describe.each(TRANSPORTS)('bridge approval with the app server down over %s', (transport) => {
  let deadUrl = '';
  beforeAll(async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address() as { port: number };
    deadUrl = `http://127.0.0.1:${address.port}/approve`;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { handshake } = useServer(transport, () => ({ approveUrl: deadUrl, approveTimeout: 300 }));

  it('refuses every connection (fail-closed)', async () => {
    expect(await handshake()).toMatchObject({ accepted: false, status: 503 });
  });
});

describe.each(TRANSPORTS)('bridge webhooks and inbox over %s', (transport) => {
  let hook: 'ok' | 'fail-once' | 'fail' = 'ok';
  let failed = 0;
  const receiver = useHttpStub((_req, res) => {
    if (hook === 'fail' || (hook === 'fail-once' && failed++ === 0)) return sendJson(res, 503, {});
    sendJson(res, 200, {});
  });
  const { state, client } = useServer(transport, () => ({
    triggerUrl: `${receiver.url}/hook`,
    bridgeSecret: SECRET,
    triggerMaxAttempts: 3,
    triggerRetryDelay: 20,
    triggerTimeout: 500,
    inbox: true,
    inboxSize: 3,
  }));

  /** One notification from a fresh sender to a fresh recipient, answered with `action`. */
  async function replied(action = 'yes', data: unknown = { n: 1 }) {
    const sender = await client();
    const recipient = await client();
    await recipient.disablePairAuth();
    const got = once<[Notification]>(recipient, 'notification');
    const { nid } = await sender.peer(recipient.me.socketId).notify({ title: 'ok?', actions: [{ id: action, title: action }] });
    const [notification] = await got;
    await notification.reply(action, data);
    return { nid, sender: sender.me.socketId, recipient: recipient.me.socketId };
  }

  async function drain(key: string) {
    const res = await fetch(`${httpOf(state.engine)}/api/bridge/inbox`, { method: 'POST', headers: { 'x-api-key': key } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { events: Record<string, unknown>[] }).events;
  }

  async function mintKey(): Promise<string> {
    const res = await fetch(`${httpOf(state.engine)}/api/auth/key`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ domain: 'app.example.com' }),
    });
    return ((await res.json()) as { key: string }).key;
  }

  it('POSTs the suit reply to the trigger URL, signed over timestamp and body', async () => {
    hook = 'ok';
    const sent = Date.now();
    const { nid, sender, recipient } = await replied('yes', { note: 'deal' });
    await eventually(() => receiver.to('/hook').length === 1, 2000, 'the webhook');
    const [request] = receiver.to('/hook');
    expect(request!.method).toBe('POST');
    expect(request!.headers['content-type']).toMatch(/^application\/json/);
    expect(verifySignature(SECRET, request!)).toBe(true);
    expect(verifySignature('another-secret-0123456789', request!)).toBe(false);
    const timestamp = Number(request!.headers['x-mwse-timestamp']);
    expect(timestamp).toBeGreaterThanOrEqual(sent - 10);
    expect(timestamp).toBeLessThanOrEqual(Date.now());
    expect(request!.json).toEqual({
      id: request!.headers['x-mwse-event-id'],
      event: 'notify/reply',
      at: expect.any(Number),
      nid,
      action: 'yes',
      data: { note: 'deal' },
      from: recipient,
      fromIdentity: null,
      to: sender,
      toIdentity: null,
    });
  });

  it('retries a failed webhook with backoff and counts it', async () => {
    hook = 'fail-once';
    failed = 0;
    const base = httpOf(state.engine);
    const retried = await metric(base, /^mwse_bridge_webhooks_total\{outcome="retried"\}/);
    await replied();
    await eventually(() => receiver.to('/hook').length === 2, 2000, 'the retry');
    const [first, second] = receiver.to('/hook');
    expect(second!.body).toBe(first!.body);
    // One event id on every try, in the body and the header, for the receiver to dedupe.
    expect(second!.headers['x-mwse-event-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(second!.headers['x-mwse-event-id']).toBe(first!.headers['x-mwse-event-id']);
    expect(first!.json.id).toBe(first!.headers['x-mwse-event-id']);
    expect(verifySignature(SECRET, second!)).toBe(true);
    expect(await metric(base, /^mwse_bridge_webhooks_total\{outcome="retried"\}/)).toBe(retried + 1);
    expect(await metric(base, /^mwse_bridge_webhooks_total\{outcome="delivered"\}/)).toBeGreaterThan(0);
  });

  it('gives up after the attempt bound and counts it', async () => {
    hook = 'fail';
    const base = httpOf(state.engine);
    const gaveUp = await metric(base, /^mwse_dropped_total\{reason="trigger-gave-up"\}/);
    await replied();
    await eventually(() => receiver.to('/hook').length === 3, 2000, 'three attempts');
    await settle(200); // 20 + 40 ms of backoff have passed twice over: no fourth attempt comes
    expect(receiver.to('/hook')).toHaveLength(3);
    expect(await metric(base, /^mwse_dropped_total\{reason="trigger-gave-up"\}/)).toBe(gaveUp + 1);
    hook = 'ok';
  });

  it('queues events in the inbox for the drain route, each drained once', async () => {
    hook = 'ok';
    const key = await mintKey();
    await drain(key);
    const { nid } = await replied('yes');
    const events = await drain(key);
    expect(events).toEqual([expect.objectContaining({ event: 'notify/reply', nid, action: 'yes' })]);
    expect(await drain(key)).toEqual([]);
  });

  async function read(key: string, body?: unknown) {
    const res = await fetch(`${httpOf(state.engine)}/api/bridge/inbox/read`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as { events: Record<string, unknown>[]; error?: { code: string; issues?: string[] } } };
  }

  it('reads the inbox at least once: a read whose answer is lost is made again, an ack removes', async () => {
    hook = 'ok';
    const key = await mintKey();
    await drain(key);
    const first = await replied('yes');
    const second = await replied('no');
    // No body, or one without ack: the oldest events, kept.
    const once = await read(key);
    expect(once.status).toBe(200);
    expect(once.body.events.map((e) => e.nid)).toEqual([first.nid, second.nid]);
    expect((await read(key, { limit: 1 })).body.events.map((e) => e.nid)).toEqual([first.nid]);
    // Acking the first by its event id: only the second is left, and a repeated ack is harmless.
    const ack = once.body.events[0]!.id;
    expect(typeof ack).toBe('string');
    expect((await read(key, { ack })).body.events.map((e) => e.nid)).toEqual([second.nid]);
    expect((await read(key, { ack })).body.events.map((e) => e.nid)).toEqual([second.nid]);
    expect((await read(key, { ack: once.body.events[1]!.id })).body.events).toEqual([]);
    expect(await drain(key)).toEqual([]);
  });

  it('refuses a bad read body with 400 and the field at fault, keeping the events', async () => {
    hook = 'ok';
    const key = await mintKey();
    await drain(key);
    const { nid } = await replied('yes');
    for (const body of [{ limit: 0 }, { limit: 1001 }, { limit: 1.5 }, { ack: 5 }, { ack: '' }, { extra: true }, [], 'x']) {
      const refused = await read(key, body);
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.error?.code).toBe('bad-request');
    }
    const broken = await fetch(`${httpOf(state.engine)}/api/bridge/inbox/read`, { method: 'POST', headers: { 'x-api-key': key }, body: '{"ack":' });
    expect(broken.status).toBe(400);
    expect((await read(key)).body.events.map((e) => e.nid)).toEqual([nid]);
  });

  it('keeps at most inboxSize events, dropping the oldest and counting them', async () => {
    hook = 'ok';
    const key = await mintKey();
    await drain(key);
    const base = httpOf(state.engine);
    const dropped = await metric(base, /^mwse_dropped_total\{reason="inbox-full"\}/);
    const nids: string[] = [];
    for (let i = 0; i < 4; i++) nids.push((await replied()).nid);
    const events = await drain(key);
    expect(events.map((e) => e.nid)).toEqual(nids.slice(1));
    expect(await metric(base, /^mwse_dropped_total\{reason="inbox-full"\}/)).toBe(dropped + 1);
  });
});

describe.each(TRANSPORTS)('bridge inbox route over %s', (transport) => {
  it('is reachable only with an API key (401 without, 403 with a wrong one)', async () => {
    const engine = await createEngine({ host: '127.0.0.1', port: 0, transport, inbox: true });
    try {
      const url = `${httpOf(engine)}/api/bridge/inbox`;
      expect((await fetch(url, { method: 'POST' })).status).toBe(401);
      expect((await fetch(url, { method: 'POST', headers: { 'x-api-key': 'mwse_wrong' } })).status).toBe(403);
      expect((await fetch(url)).status).toBe(405);
      expect((await fetch(`${url}/read`, { method: 'POST' })).status).toBe(401);
    } finally {
      await engine.close();
    }
  });

  it('answers 404 on both routes while the inbox is off', async () => {
    const engine = await createEngine({ host: '127.0.0.1', port: 0, transport });
    try {
      const minted = await fetch(`${httpOf(engine)}/api/auth/key`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ domain: 'app.example' }),
      });
      const { key } = (await minted.json()) as { key: string };
      for (const path of ['/api/bridge/inbox', '/api/bridge/inbox/read']) {
        const res = await fetch(`${httpOf(engine)}${path}`, { method: 'POST', headers: { 'x-api-key': key } });
        expect(res.status, path).toBe(404);
      }
    } finally {
      await engine.close();
    }
  });
});
