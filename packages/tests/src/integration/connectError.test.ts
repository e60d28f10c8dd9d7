import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import MWSE, { type ConnectFailure, type MWSEOptions } from '@mwse/client';
import { createEngine, type Engine, type EngineOptions } from '@mwse/engine';
import { freePort } from '@mwse/testkit/net';
import { TRANSPORTS, recordingLogger, settle, withTimeout } from './harness.js';

/** A `ws` WebSocket that sends `origin` in its handshake, as a page on that origin would. */
function fromOrigin(origin: string): MWSEOptions['WebSocket'] {
  return class extends WebSocket {
    constructor(url: string) {
      super(url, { origin });
    }
  } as unknown as MWSEOptions['WebSocket'];
}

/**
 * A TCP relay to the engine that holds back the last two bytes of the first request until
 * `release()`: the handshake is then in flight on a connection the server already has when its
 * shutdown starts (new connections are refused at the TCP level by then, in-flight ones answered).
 */
async function holdingRelay(target: number) {
  let release!: () => void;
  let holding!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const held = new Promise<void>((r) => (holding = r));
  const sockets: Socket[] = [];
  const server: Server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    sockets.push(client, upstream);
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
    let head = Buffer.alloc(0);
    const collect = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      if (!head.includes('\r\n\r\n')) return;
      client.off('data', collect);
      upstream.write(head.subarray(0, -2));
      holding();
      void released.then(() => {
        upstream.write(head.subarray(-2));
        client.pipe(upstream);
        upstream.pipe(client);
      });
    };
    client.on('data', collect);
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    held,
    release,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

const fast = { initialDelay: 20, maxDelay: 20 };

describe.each(TRANSPORTS)('connection failures reach the SDK and the server log over %s', (transport) => {
  const engines: Engine[] = [];
  const clients: MWSE[] = [];
  const cleanups: Array<() => void> = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const f of cleanups.splice(0)) f();
    await Promise.all(engines.splice(0).map((e) => e.close()));
  });

  async function engine(options: EngineOptions = {}) {
    const log = recordingLogger();
    const started = await createEngine({ host: '127.0.0.1', port: 0, transport, logger: log.logger, ...options });
    engines.push(started);
    return { engine: started, lines: log.lines };
  }

  /** A client that records its `connect/error` events and a call queued before any hello. */
  function client(endpoint: string, options: MWSEOptions = {}) {
    const mwse = new MWSE({ endpoint, reconnect: fast, ...options });
    clients.push(mwse);
    const failures: ConnectFailure[] = [];
    const closed = new Promise((resolve) => mwse.on('close', resolve));
    mwse.on('connect/error', (failure) => failures.push(failure));
    // The default requestTimeout is 30 s: settling within 5 s proves the failure settled it.
    const call = withTimeout(mwse.listRooms().then(() => 'resolved', (e: unknown) => e), 5_000, 'the queued call to settle');
    const scope = withTimeout(mwse.scope().then(() => 'resolved', (e: unknown) => e), 5_000, 'scope() to settle');
    return { mwse, failures, closed, call, scope };
  }

  it('403 origin: connect/error with the status, waiting calls refused, no retry, and the refusal logged (regression: all silent)', async () => {
    const { engine: server, lines } = await engine({ allowedOrigins: ['https://app.example'] });
    const { mwse, failures, closed, call, scope } = client(`ws://127.0.0.1:${server.port}`, {
      WebSocket: fromOrigin('https://evil.example'),
    });
    await withTimeout(closed, 5_000, 'the client to give up');
    expect(await call).toMatchObject({ name: 'MWSEError', code: 'refused' });
    expect(await scope).toMatchObject({ code: 'refused' });
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ reason: 'refused', status: 403, attempt: 1, willReconnect: false });
    expect(mwse.state).toBe('closed');
    await settle(100);
    const refusals = lines.filter((l) => l.message === 'refused a handshake (403)');
    expect(refusals).toEqual([
      { level: 'warn', message: 'refused a handshake (403)', fields: { reason: 'origin', status: 403, address: '127.0.0.1', origin: 'https://evil.example' } },
    ]);
  });

  it('429 connection cap: connect/error with the status, retried with backoff until maxAttempts, logged', async () => {
    const { engine: server, lines } = await engine({ maxConnectionsPerAddress: 1 });
    const endpoint = `ws://127.0.0.1:${server.port}`;
    const first = new MWSE({ endpoint, reconnect: false });
    clients.push(first);
    await first.scope();
    const { failures, closed, call } = client(endpoint, { reconnect: { ...fast, maxAttempts: 1 } });
    await withTimeout(closed, 5_000, 'the client to give up');
    expect(await call).toMatchObject({ code: 'refused' });
    expect(failures.map((f) => [f.reason, f.status, f.attempt, f.willReconnect])).toEqual([
      ['refused', 429, 1, true],
      ['refused', 429, 2, false],
    ]);
    expect(lines.filter((l) => l.fields.reason === 'connection-cap')).toHaveLength(2);
    expect(lines.find((l) => l.fields.reason === 'connection-cap')).toMatchObject({
      level: 'warn',
      fields: { status: 429, address: '127.0.0.1' },
    });
  });

  it('503 shutting down: connect/error with the status, waiting calls refused, logged at info', async () => {
    const { engine: server, lines } = await engine({ shutdownTimeout: 1000 });
    const relay = await holdingRelay(server.port);
    cleanups.push(relay.close);
    const { failures, call } = client(`ws://127.0.0.1:${relay.port}`, { reconnect: false });
    await withTimeout(relay.held, 5_000, 'the handshake to reach the relay');
    await settle(50);
    const closing = server.close();
    relay.release();
    expect(await call).toMatchObject({ code: 'refused' });
    await closing;
    expect(failures[0]).toMatchObject({ reason: 'refused', status: 503, willReconnect: false });
    expect(lines).toContainEqual({
      level: 'info',
      message: 'refused a handshake (503)',
      fields: { reason: 'shutting-down', status: 503, address: '127.0.0.1' },
    });
  });

  it('503 bridge unavailable: connect/error with the status, retried, logged', async () => {
    const { engine: server, lines } = await engine({ approveUrl: `http://127.0.0.1:${await freePort()}/approve` });
    const { failures, call } = client(`ws://127.0.0.1:${server.port}`);
    expect(await call).toMatchObject({ code: 'refused' });
    expect(failures[0]).toMatchObject({ reason: 'refused', status: 503, willReconnect: true });
    expect(lines.find((l) => l.fields.reason === 'bridge-error')).toMatchObject({
      level: 'warn',
      fields: { status: 503, address: '127.0.0.1' },
    });
  });

  it('an unreachable port: connect/error without a status, waiting calls unreachable, retries until maxAttempts', async () => {
    const port = await freePort();
    const { failures, closed, call, scope } = client(`ws://127.0.0.1:${port}`, { reconnect: { ...fast, maxAttempts: 2 } });
    expect(await call).toMatchObject({ name: 'MWSEError', code: 'unreachable' });
    expect(await scope).toMatchObject({ code: 'unreachable' });
    await withTimeout(closed, 5_000, 'the client to give up');
    expect(failures.map((f) => [f.reason, f.status, f.attempt, f.willReconnect])).toEqual([
      ['unreachable', undefined, 1, true],
      ['unreachable', undefined, 2, true],
      ['unreachable', undefined, 3, false],
    ]);
    expect(failures[0]!.message).toContain(`cannot connect to ws://127.0.0.1:${port}/: no answer (connect ECONNREFUSED`);
  });
});
