import { describe, expect, it } from 'vitest';
import { SETUPS, once, useServer } from './harness.js';

describe.each(SETUPS)('room names over %s with %s clients', (transport, codec) => {
  const { client, raw } = useServer(transport, {}, codec);

  // A lone surrogate has no UTF-8 form: the binary framing carries it as U+FFFD, so binary
  // members saw messages of another room name and could never address the room themselves.
  it('refuses a room name with a lone surrogate, which binary members could never address', async () => {
    const a = await client();
    // The SDK refuses it before sending (mwse.room() throws); the server refuses it too.
    expect(() => a.room({ name: 'lone \ud800 surrogate' })).toThrow(expect.objectContaining({ code: 'bad-frame' }));
    const r = await raw();
    r.send({ type: 'room/join', id: 1, name: 'x\udfff' });
    expect(await r.next('error')).toMatchObject({ id: 1, code: 'bad-frame' });
    r.send({ type: 'pack/room', room: '\ud83d', pack: 1 });
    expect(await r.next('error')).toMatchObject({ code: 'bad-frame' });
  });

  it('keeps room names of any well-formed text, 4-byte characters and RTL included', async () => {
    const name = '😀 שלום \u202e 𝕏';
    const a = await client();
    const b = await client();
    await a.room({ name }).createRoom();
    const room = b.room({ name });
    await room.join();
    const got = once(room, 'message');
    a.room({ name }).send({ hi: 1 });
    const [pack, peer] = (await got) as [unknown, { socketId: string }];
    expect(pack).toEqual({ hi: 1 });
    expect(peer.socketId).toBe(a.me.socketId);
  });
});
