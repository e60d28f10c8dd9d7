import { describe, expect, it } from 'vitest';
import { MWSEError } from './MWSEError.js';
import { ids } from './test/fakeServer.js';
import { startClient } from './test/startClient.js';

/** A client whose server announced `maxMessageSize` bytes in its hello. */
function clientWithLimit(maxMessageSize: number) {
  const client = startClient({ scoped: false, codec: 'json' });
  client.server.socket.hello(ids.me, 1, {
    limits: { maxMessageSize, outboundBuffer: 1024, pingInterval: 10_000, maxInfoKeys: 64, maxInfoBytes: 65_536 },
  });
  return client;
}

describe('frames over the server maxMessageSize', () => {
  it('are refused before they are written: a send throws too-large, a call rejects with it', async () => {
    const { mwse, socket } = clientWithLimit(200);
    const before = socket().sent.length;
    const peer = mwse.peer(ids.alice);
    expect(() => peer.send('x'.repeat(300))).toThrow(expect.objectContaining({ code: 'too-large' }));
    await expect(peer.request('y'.repeat(300))).rejects.toBeInstanceOf(MWSEError);
    await expect(peer.request('y'.repeat(300))).rejects.toMatchObject({ code: 'too-large', message: expect.stringMatching(/at most 200/) });
    expect(socket().sent.length).toBe(before);
  });

  it('counts bytes, not characters, and lets frames at the limit through', () => {
    const { mwse, socket } = clientWithLimit(200);
    const peer = mwse.peer(ids.alice);
    // 60 euro signs: 60 characters, 180 bytes of pack, over 200 with the frame around it
    expect(() => peer.send('€'.repeat(60))).toThrow(expect.objectContaining({ code: 'too-large' }));
    peer.send('a'.repeat(100));
    expect(socket().last('pack/to').pack).toBe('a'.repeat(100));
  });
});
