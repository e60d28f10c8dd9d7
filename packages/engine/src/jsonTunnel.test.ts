import { describe, expect, it } from 'vitest';
import { BinaryKind } from '@mwse/protocol/binary';
import { readJsonTunnel } from './jsonTunnel.js';

const id = 'fa9b039e-29bf-4861-8bee-54c2c64ded19';

describe('readJsonTunnel', () => {
  it('reads the SDK shape of pack/to and pack/room, keeping the pack text', () => {
    const frame = JSON.stringify({ type: 'pack/to', to: id, pack: { text: 'hi', n: [1, 2] } });
    expect(readJsonTunnel(frame)).toEqual({
      header: { kind: BinaryKind.Pack, target: id, id: 0, flags: 0, payloadOffset: 0 },
      packText: '{"text":"hi","n":[1,2]}',
      packAt: 24 + id.length + 9,
    });
    const room = readJsonTunnel(JSON.stringify({ type: 'pack/room', room: 'genel', pack: 'merhaba' }));
    expect(room).toMatchObject({ header: { kind: BinaryKind.RoomPack, target: 'genel' }, packText: '"merhaba"' });
    const longest = '😀'.repeat(32); // 128 bytes, 64 UTF-16 units
    const emoji = readJsonTunnel(JSON.stringify({ type: 'pack/room', room: longest, pack: 1 }));
    expect(emoji).toMatchObject({ header: { kind: BinaryKind.RoomPack, target: longest } });
  });

  it.each([
    ['an extra key after the pack', `{"type":"pack/to","to":"${id}","pack":1,"admin":true}`],
    ['invalid JSON', `{"type":"pack/to","to":"${id}","pack":{broken}`],
    ['trailing text', `{"type":"pack/to","to":"${id}","pack":1}x`],
    ['an escaped target', '{"type":"pack/to","to":"a\\"b","pack":1}'],
    ['a control character in the target', '{"type":"pack/to","to":"a\tb","pack":1}'],
    ['a second value after the pack', `{"type":"pack/to","to":"${id}","pack":{"a":1},"b":{}}`],
    ['an empty pack', `{"type":"pack/to","to":"${id}","pack":}`],
    ['an empty target', '{"type":"pack/to","to":"","pack":1}'],
    ['an over-long target', `{"type":"pack/to","to":"${'x'.repeat(65)}","pack":1}`],
    ['a peer target over 64 UTF-8 bytes', `{"type":"pack/to","to":"${'é'.repeat(33)}","pack":1}`],
    ['a room name over 128 UTF-8 bytes in 128 characters', `{"type":"pack/room","room":"${'ğ'.repeat(65)}","pack":1}`],
    ['another key order', `{"to":"${id}","type":"pack/to","pack":1}`],
    ['a missing pack', `{"type":"pack/to","to":"${id}"}`],
    ['another frame type', `{"type":"request/to","to":"${id}","pack":1}`],
  ])('leaves %s to the full decoder', (_, text) => {
    expect(readJsonTunnel(text)).toBeUndefined();
  });

  // Parsing only the pack must accept exactly the frames a full parse accepts.
  it('takes a frame exactly when the whole frame is valid JSON (mutated frames)', () => {
    const base = `{"type":"pack/to","to":"${id}","pack":{"t":"x y","n":[1,2.5e3,null,true],"o":{}}}`;
    const alphabet = ['{', '}', '[', ']', '"', ',', ':', '\\', ' ', 'a', '1', '\u0001', 'e', '-', '.'];
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let round = 0; round < 5000; round++) {
      const chars = [...base];
      for (let k = 1 + random(2); k > 0; k--) {
        const at = 40 + random(chars.length - 40); // keep the prefix: other shapes are not taken anyway
        const choice = random(3);
        if (choice === 0) chars.splice(at, 1);
        else if (choice === 1) chars.splice(at, 0, alphabet[random(alphabet.length)]!);
        else chars[at] = alphabet[random(alphabet.length)]!;
      }
      const text = chars.join('');
      let valid = true;
      try {
        JSON.parse(text);
      } catch {
        valid = false;
      }
      if (!valid) expect(readJsonTunnel(text), text).toBeUndefined();
      else if (readJsonTunnel(text)) expect(Object.keys(JSON.parse(text)), text).toEqual(['type', 'to', 'pack']);
    }
  });

  it("finds where the pack's bytes start in the frame's UTF-8, whatever the target and the pack hold", () => {
    const frames = [
      JSON.stringify({ type: 'pack/to', to: id, pack: { text: 'hi' } }),
      JSON.stringify({ type: 'pack/to', to: 'hedef-ğ😀', pack: 'dünya 😀 \u2028' }),
      JSON.stringify({ type: 'pack/room', room: '😀 oda', pack: { 'ключ': ['значение', 1.5e300, null] } }),
    ];
    for (const text of frames) {
      const utf8 = new TextEncoder().encode(text);
      const tunnel = readJsonTunnel(text)!;
      expect(new TextDecoder().decode(utf8.subarray(tunnel.packAt, utf8.length - 1)), text).toBe(tunnel.packText);
    }
  });
});
