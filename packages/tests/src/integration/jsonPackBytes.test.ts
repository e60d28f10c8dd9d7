import { describe, expect, it } from 'vitest';
import { TRANSPORTS, once, useServer } from './harness.js';

/**
 * A direct JSON pack is relayed to a JSON peer as a copy of the bytes its sender's text frame
 * carried, not re-encoded from a string (tunnelEncoding.ts, `jsonPack`): the frame a peer gets
 * must still be the exact text the string path wrote, for every character a pack may hold, with
 * sessions kept (the frame then goes into the session's ring) or not.
 */
const PACKS: unknown[] = [
  { text: 'hi' },
  'merhaba dünya, ğüşiöç İ',
  '😀 and a lone-looking \u2028 separator',
  { ключ: ['значение', 1.5e300, -0.25, null, true], 空: {} },
  { escapes: '"\\/\b\f\n\r\t\u0001' },
  'y'.repeat(70_000),
];

describe.each(TRANSPORTS)('JSON packs relayed as their bytes over %s', (transport) => {
  describe.each([0, 120_000])('resumeGrace %d', (resumeGrace) => {
    const { raw, client } = useServer(transport, { resumeGrace });

    it('a JSON peer gets each pack as the exact text frame the string path writes', async () => {
      const sender = await raw();
      const target = await raw();
      target.send({ type: 'session/set', id: 1, flags: { pairauth: false } });
      await target.next('result');
      const texts: { text: string; binary: boolean }[] = [];
      target.ws.on('message', (data, binary) => texts.push({ text: String(data), binary }));
      for (const pack of PACKS) {
        const json = JSON.stringify(pack);
        sender.send(`{"type":"pack/to","to":"${target.socketId}","pack":${json}}`);
        expect(await target.next('pack')).toEqual({ type: 'pack', from: sender.socketId, pack });
        const last = texts.filter((t) => !t.text.includes('"session/ack"')).at(-1)!;
        expect(last).toEqual({ text: `{"pack":${json},"type":"pack","from":"${sender.socketId}"}`, binary: false });
      }
    });

    it('SDK peers of either codec get a JSON sender’s packs intact', async () => {
      const sender = await raw();
      for (const codec of ['json', 'binary'] as const) {
        const target = await client({ codec });
        await target.disablePairAuth();
        for (const pack of PACKS) {
          const got = once(target.peer(sender.socketId), 'message');
          sender.send(`{"type":"pack/to","to":"${target.me.socketId}","pack":${JSON.stringify(pack)}}`);
          expect(await got, codec).toEqual([pack]);
        }
      }
    });

    it('a frame that starts with a byte-order mark is refused, on either transport', async () => {
      const sender = await raw();
      const target = await raw();
      target.send({ type: 'session/set', id: 1, flags: { pairauth: false } });
      await target.next('result');
      const pack = { text: 'ğ😀' };
      sender.ws.send(`\uFEFF{"type":"pack/to","to":"${target.socketId}","pack":${JSON.stringify(pack)}}`);
      // Both transports keep the mark in the text (RFC 8259 forbids sending one), so the text
      // and the bytes a pack is copied from line up, and the decoder refuses the frame.
      expect(await sender.next('error')).toMatchObject({ code: 'bad-frame' });
      expect(target.frames.filter((f) => f.type === 'pack')).toEqual([]);
    });
  });
});
