import { describe, expect, it } from 'vitest';
import { BinaryKind, decodeServerBinary } from '@mwse/protocol/binary';
import { jsonCodec } from '@mwse/protocol';
import { encodeTunnel } from './tunnelEncoding.js';
import { ServiceError } from './ServiceError.js';

const from = 'fa9b039e-29bf-4861-8bee-54c2c64ded19';

describe('encodeTunnel', () => {
  it('sends a binary target an id past 32 bits as JSON instead of cutting it', () => {
    for (const id of [2 ** 32, 2 ** 40 + 5, Number.MAX_SAFE_INTEGER]) {
      const request = encodeTunnel({ type: 'request', id, from, body: 1 }, undefined, true, jsonCodec);
      expect(JSON.parse(request as string)).toEqual({ type: 'request', id, from, body: 1 });
      const raw = { bytes: new TextEncoder().encode('"ok"'), error: false };
      const response = encodeTunnel({ type: 'response', id, from, body: undefined }, raw, true, jsonCodec);
      expect(JSON.parse(response as string)).toEqual({ body: 'ok', type: 'response', id, from });
    }
    const small = encodeTunnel({ type: 'request', id: 2 ** 32 - 1, from, body: 1 }, undefined, true, jsonCodec);
    expect(decodeServerBinary(small as Uint8Array)).toMatchObject({ kind: BinaryKind.Request, id: 2 ** 32 - 1 });
  });

  it('refuses a room name the binary header cannot hold with too-large, never a wrapped length', () => {
    const frame = { type: 'room/pack', room: 'é'.repeat(65), from, pack: 1 } as const;
    expect(() => encodeTunnel(frame, undefined, true, jsonCodec)).toThrow(ServiceError);
    try {
      encodeTunnel(frame, undefined, true, jsonCodec);
    } catch (error) {
      expect(error).toMatchObject({ code: 'too-large' });
    }
  });
});
