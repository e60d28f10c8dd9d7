import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TRANSPORTS, endpointOf, httpOf, once, settle, useServer, withTimeout, type Handshake } from './harness.js';
import { delay, sendJson, useHttpStub } from './httpStub.js';

const openSockets = (results: Handshake[]) => results.filter((r) => r.accepted);

describe.each(TRANSPORTS)('Origin allow-list over %s', (transport) => {
  const { handshake } = useServer(transport, { allowedOrigins: ['https://app.example.com'] });

  it('refuses another Origin with 403 and admits the listed one and clients without Origin', async () => {
    expect(await handshake({ origin: 'https://evil.example.com' })).toMatchObject({ accepted: false, status: 403 });
    expect(await handshake({ origin: 'https://app.example.com.evil.example' })).toMatchObject({ accepted: false, status: 403 });
    expect(await handshake({ origin: 'https://app.example.com' })).toMatchObject({ accepted: true });
    // Non-browser clients send no Origin; the allow-list is about pages.
    expect(await handshake()).toMatchObject({ accepted: true });
  });
});

describe.each(TRANSPORTS)('connections per address over %s', (transport) => {
  const { state, handshake } = useServer(transport, { maxConnectionsPerAddress: 3 });

  it('refuses a connection over the cap with 429, and admits again once one closes', async () => {
    const admitted = openSockets(await Promise.all([1, 2, 3].map(() => handshake())));
    expect(admitted).toHaveLength(3);
    expect(await handshake()).toMatchObject({ accepted: false, status: 429 });
    const first = admitted[0]!;
    if (!first.accepted) throw new Error('unreachable');
    const closed = once(first.ws, 'close');
    first.ws.close();
    await closed;
    await settle(50);
    expect(await handshake()).toMatchObject({ accepted: true });
    const text = await (await fetch(`${httpOf(state.engine)}/metrics`)).text();
    expect(text).toMatch(/^mwse_refused_connections_total\{reason="connection-cap"\} [1-9]/m);
  });
});

describe.each(TRANSPORTS)('connections per address with a bridge approver over %s', (transport) => {
  const approver = useHttpStub(async (_req, res) => {
    await delay(100);
    sendJson(res, 200, { allow: true });
  });
  const { handshake } = useServer(transport, () => ({ approveUrl: approver.url, maxConnectionsPerAddress: 2 }));

  it('counts handshakes awaiting approval against the cap (regression: a burst passed the cap while approvals were pending)', async () => {
    const results = await Promise.all([1, 2, 3, 4].map(() => handshake()));
    expect(openSockets(results)).toHaveLength(2);
    expect(results.filter((r) => !r.accepted)).toMatchObject([{ status: 429 }, { status: 429 }]);
    expect(approver.requests).toHaveLength(2);
  });
});

describe.each(TRANSPORTS)('rate limit over %s', (transport) => {
  // 20 frames a second, bursts of 5: a tight loop trips it at once.
  const { state, client, raw } = useServer(transport, { rateLimit: 20, rateBurst: 5 });

  it('answers frames over the rate with rate-limited (with their id), then closes an abusive sender with 1008', async () => {
    const c = await raw();
    for (let id = 1; id <= 5; id++) c.send({ type: 'peer/reachable', id, peer: c.socketId });
    for (let id = 1; id <= 5; id++) expect(await c.next('result')).toMatchObject({ id, data: true });
    c.send({ type: 'peer/reachable', id: 6, peer: c.socketId });
    expect(await c.next('error')).toMatchObject({ id: 6, code: 'rate-limited' });
    // Keep going past `burst` refusals in a row: the server closes the connection.
    const closed = new Promise<[number, string]>((resolve) =>
      c.ws.on('close', (code, reason) => resolve([code, reason.toString()])),
    );
    for (let id = 7; id <= 20; id++) c.send({ type: 'peer/reachable', id, peer: c.socketId });
    expect(await withTimeout(closed, 2000, 'the close')).toEqual([1008, 'rate limit']);
  });

  it('lets a client that slows down go on', async () => {
    const c = await raw();
    for (let id = 1; id <= 6; id++) c.send({ type: 'peer/reachable', id, peer: c.socketId });
    expect(await c.next('error')).toMatchObject({ id: 6, code: 'rate-limited' });
    for (let id = 1; id <= 5; id++) expect(await c.next('result')).toMatchObject({ id });
    await settle(120); // two tokens back at 20/s
    c.send({ type: 'peer/reachable', id: 7, peer: c.socketId });
    expect(await c.next('result')).toMatchObject({ id: 7 });
  });

  it('rejects an SDK call over the rate with rate-limited instead of leaving it to time out', async () => {
    const mwse = await client({ requestTimeout: 5000 });
    const calls = Array.from({ length: 7 }, () => mwse.me.isReachable().then(() => 'ok', (e: { code: string }) => e.code));
    const outcomes = await withTimeout(Promise.all(calls), 2000, 'every call to settle');
    expect(outcomes.filter((o) => o === 'ok').length).toBeGreaterThanOrEqual(5);
    expect(outcomes).toContain('rate-limited');
  });

  it('counts rate-limited frames in /metrics', async () => {
    const c = await raw();
    for (let id = 1; id <= 7; id++) c.send({ type: 'peer/reachable', id, peer: c.socketId });
    await c.next('error');
    const text = await (await fetch(`${httpOf(state.engine)}/metrics`)).text();
    expect(text).toMatch(/^mwse_dropped_total\{reason="rate-limited"\} [1-9]/m);
  });
});

describe.each(TRANSPORTS)('heartbeat over %s', (transport) => {
  // Sessions off: this checks the disconnect itself (with sessions the session goes away and
  // waits instead: resume.test.ts).
  const { state } = useServer(transport, { pingInterval: 100, resumeGrace: 0 });

  it('closes a connection silent for two ping intervals with 4000 (regression: it was cut without the documented code)', async () => {
    const ws = new WebSocket(endpointOf(state.engine), { autoPong: false } as WebSocket.ClientOptions);
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    expect(await withTimeout(closed, 2000, 'the close')).toBe(4000);
    expect(state.engine.hub.size).toBe(0);
  });
});
