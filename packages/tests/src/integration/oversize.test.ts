import { describe, expect, it } from 'vitest';
import { SETUPS, TRANSPORTS, settle, useServer, withTimeout } from './harness.js';

/** A small limit, so the sizes around it stay cheap to send. */
const MAX = 1024;
/**
 * What uWS buffers before it drops a connection without a close frame (docs/limits.md): the
 * limit plus the larger of the limit and 64 KiB. ws refuses at any size, from the frame header.
 */
const UWS_BOUND = MAX + 64 * 1024;

describe.each(TRANSPORTS)('oversize frames over %s', (transport) => {
  const { raw, client } = useServer(transport, { maxMessageSize: MAX });

  it('closes with 1009 a frame many times maxMessageSize (regression: uWS cut anything past twice the limit with 1006)', async () => {
    const big = await raw();
    big.send('x'.repeat(32 * MAX));
    expect(await withTimeout(big.closed, 2000, 'close')).toBe(1009);
  });

  it('closes with 1009 a frame of exactly the size uWS still buffers', async () => {
    const big = await raw();
    big.send(Buffer.alloc(UWS_BOUND, 1));
    expect(await withTimeout(big.closed, 2000, 'close')).toBe(1009);
  });

  it('closes with 1009 a message over maxMessageSize sent as small fragments', async () => {
    const big = await raw();
    const piece = 'y'.repeat(MAX / 4);
    for (let i = 0; i < 7; i++) big.ws.send(piece, { fin: false });
    big.ws.send(piece, { fin: true });
    expect(await withTimeout(big.closed, 2000, 'close')).toBe(1009);
  });

  it('past the uWS bound: 1009 on ws, a dropped connection (1006) on uws, and the server unharmed', async () => {
    const big = await raw();
    const other = await client();
    big.send(Buffer.alloc(UWS_BOUND + 1, 2));
    expect(await withTimeout(big.closed, 2000, 'close')).toBe(transport === 'ws' ? 1009 : 1006);
    expect(await other.peer(other.me.socketId).isReachable()).toBe(true);
  });
});

describe.each(SETUPS)('the SDK and frames over maxMessageSize over %s with the %s codec', (transport, codec) => {
  const { client, unscoped, state } = useServer(transport, { maxMessageSize: MAX }, codec);

  it('refuses an oversize frame itself once the hello told it the limit, and stays connected', async () => {
    const sender = await client();
    expect(() => sender.peer(sender.me.socketId).send('z'.repeat(8 * MAX))).toThrow(expect.objectContaining({ code: 'too-large' }));
    expect(await sender.peer(sender.me.socketId).isReachable()).toBe(true);
    expect(state.engine.hub.peer(sender.me.socketId)).toBeDefined();
  });

  it('stops for good after the server closes it with 1009 (regression: an oversize frame looked like a network drop)', async () => {
    // Written before the hello, when the SDK does not know the limit yet: the server refuses it.
    const sender = unscoped({ reconnect: { initialDelay: 20, maxDelay: 20 } });
    const closed = new Promise<{ code: number; willReconnect: boolean }>((resolve) => sender.on('close', resolve));
    const reconnects: unknown[] = [];
    sender.on('scope', () => reconnects.push('scope'));
    sender.peer('0b8f6a52-3c1e-4d7a-9f00-000000000001').send('z'.repeat(8 * MAX));
    expect(await withTimeout(closed, 2000, 'close')).toMatchObject({ code: 1009, willReconnect: false });
    // Ten backoff periods: a reconnect would have opened a new peer by now.
    await settle(200);
    expect(sender.state).toBe('closed');
    expect(reconnects.length).toBeLessThanOrEqual(1); // the first scope, if its hello came first
    expect([...state.engine.hub.allPeers()]).toHaveLength(0);
  });
});
