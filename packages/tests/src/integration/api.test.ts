import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createEngine } from '@mwse/engine';
import { CLUSTER, TRANSPORTS, httpOf, once, settle, useServer } from './harness.js';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
const BODY_LIMIT = 1024;

describe.each(TRANSPORTS)('HTTP control plane over %s', (transport) => {
  // trustProxy lets a test speak from a non-loopback address through x-forwarded-for.
  const { state, client } = useServer(transport, {
    trustProxy: 1,
    adminToken: ADMIN_TOKEN,
    apiBodyLimit: BODY_LIMIT,
  });
  const FAR_AWAY = { 'x-forwarded-for': '203.0.113.9' };

  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] = 'application/json';
    }
    const res = await fetch(`${httpOf(state.engine)}${path}`, init);
    const text = await res.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json };
  }

  async function mintKey(): Promise<string> {
    const res = await call('POST', '/api/auth/key', { domain: 'app.example.com' });
    expect(res.status).toBe(201);
    return res.json.key as string;
  }

  /** Every refusal has the same JSON shape. */
  function expectError(res: Awaited<ReturnType<typeof call>>, status: number, code: string) {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.json).toMatchObject({ error: { code, message: expect.any(String) } });
  }

  describe('POST /api/auth/key', () => {
    it('mints a key from loopback', async () => {
      const res = await call('POST', '/api/auth/key', { domain: 'app.example.com' });
      expect(res.status).toBe(201);
      expect(res.json).toEqual({ key: expect.stringMatching(/^mwse_[A-Za-z0-9_-]{32}$/), domain: 'app.example.com' });
      expect(await mintKey()).not.toBe(res.json.key);
    });

    it('refuses a non-loopback address without the admin token (401)', async () => {
      expectError(await call('POST', '/api/auth/key', { domain: 'x.example' }, FAR_AWAY), 401, 'unauthorized');
    });

    it('refuses a non-loopback address with a wrong token (403)', async () => {
      const headers = { ...FAR_AWAY, authorization: 'Bearer not-the-admin-token-000' };
      expectError(await call('POST', '/api/auth/key', { domain: 'x.example' }, headers), 403, 'forbidden');
    });

    it('mints from a non-loopback address with the admin token', async () => {
      const headers = { ...FAR_AWAY, authorization: `Bearer ${ADMIN_TOKEN}` };
      const res = await call('POST', '/api/auth/key', { domain: 'x.example' }, headers);
      expect(res.status).toBe(201);
      expect(res.json.key).toMatch(/^mwse_/);
    });

    it('refuses a wrong admin token even from loopback', async () => {
      const res = await call('POST', '/api/auth/key', { domain: 'x.example' }, { authorization: 'Bearer wrong-token-0000000000' });
      expectError(res, 403, 'forbidden');
    });

    it('answers 400 with the validation issues for a wrong body', async () => {
      const missing = await call('POST', '/api/auth/key', {});
      expectError(missing, 400, 'bad-request');
      expect(missing.json.error.issues.join()).toMatch(/domain/);
      expectError(await call('POST', '/api/auth/key', { domain: 'a.example', admin: true }), 400, 'bad-request');
      expectError(await call('POST', '/api/auth/key', '{"domain":'), 400, 'bad-request');
    });

    it('answers 413 for a body over the limit', async () => {
      const res = await call('POST', '/api/auth/key', { domain: 'x'.repeat(BODY_LIMIT * 2) });
      expectError(res, 413, 'too-large');
    });

    it('answers 405 with allow for another method', async () => {
      const res = await call('GET', '/api/auth/key');
      expectError(res, 405, 'method-not-allowed');
      expect(res.headers.get('allow')).toBe('POST');
    });
  });

  describe('GET /api/rooms', () => {
    it('lists public rooms with member counts, not private ones', async () => {
      const a = await client();
      const b = await client();
      await a.room({ name: `lobby-${transport}`, description: 'say hi' }).createRoom();
      await b.room({ name: `lobby-${transport}` }).join();
      await b.room({ name: `hidden-${transport}`, visibility: 'private' }).createRoom();
      const res = await call('GET', '/api/rooms');
      expect(res.status).toBe(200);
      expect(res.json.rooms).toContainEqual({ name: `lobby-${transport}`, joinType: 'free', members: 2, description: 'say hi' });
      expect(res.json.rooms.map((r: { name: string }) => r.name)).not.toContain(`hidden-${transport}`);
    });

    it('answers 405 for DELETE', async () => {
      expectError(await call('DELETE', '/api/rooms'), 405, 'method-not-allowed');
    });
  });

  describe('POST /api/client/:id/send', () => {
    it("delivers pack as a message from mwse.peer('server')", async () => {
      const key = await mintKey();
      const a = await client();
      const got = once<[unknown, unknown]>(a, 'message');
      const fromServer = once<[unknown]>(a.peer('server'), 'message');
      const res = await call('POST', `/api/client/${a.me.socketId}/send`, { pack: { text: 'from the app server' } }, { 'x-api-key': key });
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ delivered: true });
      const [pack, peer] = await got;
      expect(pack).toEqual({ text: 'from the app server' });
      expect(peer).toBe(a.peer('server'));
      expect(await fromServer).toEqual([{ text: 'from the app server' }]);
      // A second connection (on the cluster fixture: on the other node) is reached the same way.
      const b = await client();
      const toB = once<[unknown]>(b.peer('server'), 'message');
      const second = await call('POST', `/api/client/${b.me.socketId}/send`, { pack: 2 }, { 'x-api-key': key });
      expect(second.json).toEqual({ delivered: true });
      expect(await toB).toEqual([2]);
    });

    it('needs a key (401), a valid one (403), and a connected peer (404)', async () => {
      const a = await client();
      const path = `/api/client/${a.me.socketId}/send`;
      expectError(await call('POST', path, { pack: 1 }), 401, 'unauthorized');
      expectError(await call('POST', path, { pack: 1 }, { 'x-api-key': 'mwse_not-a-key' }), 403, 'forbidden');
      const key = await mintKey();
      const gone = '00000000-0000-4000-8000-000000000000';
      expectError(await call('POST', `/api/client/${gone}/send`, { pack: 1 }, { 'x-api-key': key }), 404, 'not-found');
    });

    it('answers 400 for a missing pack, and 413 over the body limit', async () => {
      const key = await mintKey();
      const a = await client();
      const path = `/api/client/${a.me.socketId}/send`;
      const missing = await call('POST', path, {}, { 'x-api-key': key });
      expectError(missing, 400, 'bad-request');
      expect(missing.json.error.issues.join()).toMatch(/pack/);
      expectError(await call('POST', path, { pack: 'y'.repeat(BODY_LIMIT * 4) }, { 'x-api-key': key }), 413, 'too-large');
    });

    it('answers 400, not 500, for a malformed percent-encoding in the id (regression)', async () => {
      const key = await mintKey();
      expectError(await call('POST', '/api/client/%E0%A4%A/send', { pack: 1 }, { 'x-api-key': key }), 400, 'bad-request');
    });
  });

  describe('POST /api/bridge/inbox', () => {
    it('needs a key, and answers 404 while the inbox is off', async () => {
      expectError(await call('POST', '/api/bridge/inbox'), 401, 'unauthorized');
      expectError(await call('POST', '/api/bridge/inbox', undefined, { 'x-api-key': await mintKey() }), 404, 'not-found');
    });
  });

  describe('operations routes', () => {
    it('answers /healthz and /readyz', async () => {
      const health = await call('GET', '/healthz');
      expect(health.status).toBe(200);
      expect(health.json).toEqual(CLUSTER ? { status: 'ok', node: 'node-a', mode: 'cluster' } : { status: 'ok', mode: 'single' });
      const ready = await call('GET', '/readyz');
      expect(ready.status).toBe(200);
      expect(ready.json).toEqual({ ready: true });
    });

    it('exposes the Prometheus metrics the issue lists', async () => {
      const a = await client();
      const b = await client();
      await b.disablePairAuth();
      b.peer(a.me.socketId).on('request', (req) => req.response('pong'));
      await a.peer(b.me.socketId).request('ping');
      await a.room({ name: `metrics-${transport}` }).createRoom();
      const res = await call('GET', '/metrics');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = res.text;
      expect(text).toMatch(/^mwse_connections [1-9]\d*$/m);
      expect(text).toMatch(/^mwse_rooms [1-9]\d*$/m);
      expect(text).toMatch(/^mwse_messages_in_total\{type="request\/to"\} [1-9]/m);
      expect(text).toMatch(/^mwse_messages_out_total\{type="hello"\} [1-9]/m);
      expect(text).toMatch(/^mwse_bytes_in_total [1-9]/m);
      expect(text).toMatch(/^mwse_bytes_out_total [1-9]/m);
      expect(text).toMatch(/^# TYPE mwse_dropped_total counter$/m);
      expect(text).toMatch(/^# TYPE mwse_refused_connections_total counter$/m);
      expect(text).toMatch(/^mwse_outbound_queue_high_water [1-9]/m);
      expect(text).toMatch(/^mwse_request_duration_seconds_bucket\{le="\+Inf"\} [1-9]/m);
      expect(text).toMatch(/^mwse_request_duration_seconds_count [1-9]/m);
    });

    it('exposes the process metrics Node dashboards expect, next to its own', async () => {
      const text = (await call('GET', '/metrics')).text;
      expect(text).toMatch(/^process_cpu_seconds_total \d/m);
      expect(text).toMatch(/^process_resident_memory_bytes [1-9]/m);
      expect(text).toMatch(/^nodejs_heap_size_used_bytes [1-9]/m);
      expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
      expect(text).toMatch(/^# TYPE nodejs_gc_duration_seconds histogram$/m);
      expect(text).toMatch(/^mwse_connections \d+$/m);
    });

    it('answers 404 in JSON for an unknown /api route, and 405 for a wrong method', async () => {
      expectError(await call('GET', '/api/nothing-here'), 404, 'not-found');
      expectError(await call('POST', '/healthz'), 405, 'method-not-allowed');
    });
  });
});

describe.each(TRANSPORTS)('key minting behind a local reverse proxy over %s', (transport) => {
  const { state } = useServer(transport, {});

  it('treats a loopback request with forwarding headers as remote (regression: a same-host proxy made everyone local)', async () => {
    const mint = (headers: Record<string, string>) =>
      fetch(`${httpOf(state.engine)}/api/auth/key`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ domain: 'app.example.com' }),
      });
    expect((await mint({ 'x-forwarded-for': '203.0.113.9' })).status).toBe(401);
    expect((await mint({ forwarded: 'for=203.0.113.9' })).status).toBe(401);
    expect((await mint({})).status).toBe(201);
  });
});

describe.each(TRANSPORTS)('readiness during shutdown over %s', (transport) => {
  it('answers /readyz 503 to a request that arrives while the engine closes', async () => {
    const engine = await createEngine({ host: '127.0.0.1', port: 0, transport, shutdownTimeout: 1000 });
    // Open the connection and send half a request first: a new connection is refused once
    // shutdown starts, but one mid-request is answered.
    const socket = connect(engine.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    await settle(50);
    const closing = engine.close();
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.write('Connection: close\r\n\r\n');
    await Promise.race([once(socket, 'end', 2000), once(socket, 'close', 2000)]).catch(() => undefined);
    socket.destroy();
    await closing;
    expect(answer).toMatch(/^HTTP\/1\.1 503/);
    expect(answer).toContain('"ready":false');
  });
});
