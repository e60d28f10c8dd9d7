import type { IncomingRequest } from '@mwse/client';
import { describe, expect, it } from 'vitest';
import { MWSEError } from '@mwse/client';
import { SETUPS, once, settle, useServer } from './harness.js';

// Room names are limited in UTF-8 bytes (128) on every path: the schema, the binary header, the SDK.
const utf8 = (text: string) => new TextEncoder().encode(text).length;

describe.each(SETUPS)('room names in bytes over %s with %s frames', (transport, codec) => {
  const { client, raw } = useServer(transport, {}, codec);
  const other = codec === 'binary' ? 'json' : 'binary';

  it.each([
    ['4-byte code points', `${'😀'.repeat(31)}${codec.slice(0, 2)}ğ`],
    ['3-byte letters', `${'€'.repeat(42)}${codec.slice(0, 2)}`],
  ])('sends and receives in a room whose name is 128 bytes of %s', async (_, name) => {
    expect(utf8(name)).toBe(128);
    const a = await client();
    const b = await client();
    const c = await client({ codec: other });
    const ra = a.room({ name, ifexistsJoin: true });
    await ra.createRoom();
    await b.room(name).join();
    await c.room(name).join();
    const atB = once<[unknown, { socketId: string }]>(b.room(name), 'message');
    const atC = once<[unknown, { socketId: string }]>(c.room(name), 'message');
    ra.send({ text: 'merhaba', name });
    expect(await atB).toEqual([{ text: 'merhaba', name }, b.peer(a.me.socketId)]);
    expect(await atC).toEqual([{ text: 'merhaba', name }, c.peer(a.me.socketId)]);
    const atA = once<[unknown, { socketId: string }]>(ra, 'message');
    c.room(name).send('back');
    expect(await atA).toEqual(['back', a.peer(c.me.socketId)]);
  });

  it('refuses an over-limit name in mwse.room() with too-large, and the server refuses it too', async () => {
    const a = await client();
    const errors: unknown[] = [];
    a.on('error', (e: unknown) => errors.push(e));
    for (const name of ['é'.repeat(65), `lobby$${a.me.socketId}"${'€'.repeat(72)}ab`]) {
      expect(utf8(name)).toBeGreaterThan(128);
      expect(name.length).toBeLessThanOrEqual(128);
      let thrown: unknown;
      try {
        a.room({ name, ifexistsJoin: true });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(MWSEError);
      expect(thrown).toMatchObject({ code: 'too-large', message: expect.stringMatching(/UTF-8 bytes; at most 128/) });
    }
    // What an SDK cannot send, a hand-written frame cannot either.
    const sock = await raw();
    sock.send({ type: 'room/create', id: 1, name: 'é'.repeat(65) });
    expect(await sock.next('error')).toMatchObject({ id: 1, code: 'bad-frame' });
    await settle(50);
    expect(errors).toEqual([]);
  });

  it('answers the right request when a JSON requester uses ids past 32 bits', async () => {
    const answerer = await client();
    await answerer.setSession({ pairauth: false });
    answerer.on('request', (req: IncomingRequest<string>) => req.response(`for ${req.body}`));
    const asker = await raw();
    const big = 2 ** 32 + 5;
    asker.send({ type: 'request/to', id: big, to: answerer.me.socketId, body: 'big' });
    asker.send({ type: 'request/to', id: 5, to: answerer.me.socketId, body: 'small' });
    const answers = [await asker.next('response'), await asker.next('response')];
    expect(answers).toContainEqual(expect.objectContaining({ id: big, body: 'for big' }));
    expect(answers).toContainEqual(expect.objectContaining({ id: 5, body: 'for small' }));
  });
});
