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

  it("writes a direct pack for a JSON peer from its sender's bytes, the same text byte for byte", () => {
    const encode = (text: string) => new TextEncoder().encode(text);
    const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    const pack = '{"t":"merhaba ğ😀","n":[1,null]}';
    const frame = { type: 'pack', from, pack: undefined } as const;
    const text = encodeTunnel(frame, { text: pack, error: false }, false, jsonCodec);
    expect(text).toBe(`{"pack":${pack},"type":"pack","from":"${from}"}`);
    // The sender's frame, as the uWS transport hands it over, and where the pack starts in it.
    const sent = encode(`{"type":"pack/to","to":"x","pack":${pack}}`);
    const raw = { text: pack, frame: sent.buffer as ArrayBuffer, textAt: sent.length - 1 - encode(pack).length, error: false };
    // Written into what the allocator gives (a session's ring).
    const given: Uint8Array[] = [];
    const into = { allocate: (size: number) => (given.push(new Uint8Array(size)), given.at(-1)) };
    const kept = encodeTunnel(frame, raw, false, jsonCodec, encode(from), into);
    expect(kept).toBe(given[0]);
    expect(decode(kept as Uint8Array)).toBe(text);
    // A frame the ring does not take, or no ring: the text is sent, as before.
    expect(encodeTunnel(frame, raw, false, jsonCodec, encode(from), { allocate: () => undefined })).toBe(text);
    expect(encodeTunnel(frame, raw, false, jsonCodec, encode(from))).toBe(text);
    // A binary target takes the text's bytes as its payload.
    const binary = encodeTunnel(frame, raw, true, jsonCodec, encode(from));
    expect(decodeServerBinary(binary as Uint8Array)).toMatchObject({ kind: BinaryKind.Pack, from, payload: pack });
    // A binary frame's payload was never checked as UTF-8: a JSON peer gets it decoded, as text.
    const unchecked = encodeTunnel(frame, { bytes: new Uint8Array([0x22, 0xff, 0x22]), error: false }, false, jsonCodec, encode(from), into);
    expect(unchecked).toBe(`{"pack":"\uFFFD","type":"pack","from":"${from}"}`);
    // A frame whose bytes are gone (uWS detaches them once the handler returns): the text.
    structuredClone(sent.buffer, { transfer: [sent.buffer] });
    expect(sent.buffer.byteLength).toBe(0);
    expect(encodeTunnel(frame, raw, false, jsonCodec, encode(from), into)).toBe(text);
    expect(decodeServerBinary(encodeTunnel(frame, raw, true, jsonCodec, encode(from)) as Uint8Array)).toMatchObject({ payload: pack });
  });
});
