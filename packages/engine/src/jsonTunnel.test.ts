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
    });
    const room = readJsonTunnel(JSON.stringify({ type: 'pack/room', room: 'genel', pack: 'merhaba' }));
    expect(room).toMatchObject({ header: { kind: BinaryKind.RoomPack, target: 'genel' }, packText: '"merhaba"' });
  });

  it.each([
    ['an extra key after the pack', `{"type":"pack/to","to":"${id}","pack":1,"admin":true}`],
    ['invalid JSON', `{"type":"pack/to","to":"${id}","pack":{broken}`],
    ['trailing text', `{"type":"pack/to","to":"${id}","pack":1}x`],
    ['an escaped target', '{"type":"pack/to","to":"a\\"b","pack":1}'],
    ['an empty target', '{"type":"pack/to","to":"","pack":1}'],
    ['an over-long target', `{"type":"pack/to","to":"${'x'.repeat(65)}","pack":1}`],
    ['another key order', `{"to":"${id}","type":"pack/to","pack":1}`],
    ['a missing pack', `{"type":"pack/to","to":"${id}"}`],
    ['another frame type', `{"type":"request/to","to":"${id}","pack":1}`],
  ])('leaves %s to the full decoder', (_, text) => {
    expect(readJsonTunnel(text)).toBeUndefined();
  });
});
