import { describe, expect, it } from 'vitest';
import { TRANSPORTS, httpOf, useServer, type Handshake } from './harness.js';

/** The address the engine admitted a handshake's peer from. */
function addressOf(state: ReturnType<typeof useServer>['state'], result: Handshake): string | undefined {
  if (!result.accepted) return undefined;
  return state.engine.hub.peer(result.hello.socketId as string)?.address;
}

const via = (xff: string) => ({ headers: { 'x-forwarded-for': xff } });

describe.each(TRANSPORTS)('x-forwarded-for behind one proxy over %s', (transport) => {
  const { state, handshake } = useServer(transport, { trustProxy: 1, maxConnectionsPerAddress: 2 });

  it('takes the entry the proxy appended, not one the client wrote (regression: a forged first entry bypassed the per-address cap)', async () => {
    const first = await handshake(via('6.6.6.1, 203.0.113.9'));
    expect(addressOf(state, first)).toBe('203.0.113.9');
    expect(await handshake(via('6.6.6.2, 203.0.113.9'))).toMatchObject({ accepted: true });
    expect(await handshake(via('6.6.6.3,203.0.113.9'))).toMatchObject({ accepted: false, status: 429 });
    // Another client behind the same proxy has its own count.
    expect(addressOf(state, await handshake(via('198.51.100.4')))).toBe('198.51.100.4');
  });

  it('refuses to mint a key for a forged loopback address (regression: x-forwarded-for 127.0.0.1 passed the loopback check)', async () => {
    const mint = (headers: Record<string, string>) =>
      fetch(`${httpOf(state.engine)}/api/auth/key`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ domain: 'app.example.com' }),
      });
    expect((await mint({ 'x-forwarded-for': '127.0.0.1' })).status).toBe(401);
    expect((await mint({ 'x-forwarded-for': '203.0.113.9, 127.0.0.1' })).status).toBe(401);
    expect((await mint({ 'x-real-ip': '127.0.0.1' })).status).toBe(401);
    // Straight from this host, no proxy in between: still local.
    expect((await mint({})).status).toBe(201);
  });
});

describe.each(TRANSPORTS)('x-forwarded-for behind two proxies over %s', (transport) => {
  const { state, handshake } = useServer(transport, { trustProxy: 2 });

  it('takes the second entry from the right, and the leftmost when a client reached the inner proxy directly', async () => {
    expect(addressOf(state, await handshake(via('6.6.6.6, 203.0.113.9, 10.1.0.2')))).toBe('203.0.113.9');
    expect(addressOf(state, await handshake(via('203.0.113.10')))).toBe('203.0.113.10');
  });
});

describe.each(TRANSPORTS)('x-forwarded-for without trustProxy over %s', (transport) => {
  const { state, handshake } = useServer(transport, {});

  it('ignores the header and uses the socket address', async () => {
    expect(addressOf(state, await handshake(via('203.0.113.9')))).toBe('127.0.0.1');
  });
});

describe.each(TRANSPORTS)('trustProxy: true over %s', (transport) => {
  const { state, handshake } = useServer(transport, { trustProxy: true });

  it('means one proxy, as before it was a hop count', async () => {
    expect(addressOf(state, await handshake(via('6.6.6.6, 203.0.113.9')))).toBe('203.0.113.9');
  });
});
