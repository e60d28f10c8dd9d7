import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BinaryKind } from './BinaryKind.js';
import { encodeClientBinary } from './clientBinary.js';
import { readClientHeader } from './header.js';
import { decodeServerBinary, encodeServerBinary } from './serverBinary.js';

const peerId = fc.uuid();
const kind = fc.constantFrom(BinaryKind.Pack, BinaryKind.Request, BinaryKind.Response, BinaryKind.Signal);
const text = new TextDecoder();

describe('binary client frames', () => {
  it('round-trips the header and leaves the payload bytes as sent', () => {
    fc.assert(
      fc.property(kind, peerId, fc.jsonValue(), fc.nat({ max: 2 ** 32 - 1 }), fc.boolean(), (k, to, value, id, error) => {
        const payload = JSON.stringify(value);
        const bytes = encodeClientBinary(k, to, payload, id, error);
        const header = readClientHeader(bytes);
        expect(header).toMatchObject({ kind: k, target: to });
        if ('kind' in header) {
          if (k === BinaryKind.Request || k === BinaryKind.Response) expect(header.id).toBe(id);
          if (k === BinaryKind.Response) expect(header.flags & 1).toBe(error ? 1 : 0);
          expect(text.decode(bytes.subarray(header.payloadOffset))).toBe(payload);
        }
      }),
    );
  });

  it('carries UTF-8 room names', () => {
    const bytes = encodeClientBinary(BinaryKind.RoomPack, 'oda-ğüşİ', '{"a":1}');
    expect(readClientHeader(bytes)).toMatchObject({ kind: BinaryKind.RoomPack, target: 'oda-ğüşİ' });
  });

  it('never throws on arbitrary bytes: a header or a typed error', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const result = readClientHeader(bytes);
        if ('code' in result) expect(['bad-frame', 'unknown-type', 'too-large']).toContain(result.code);
        else expect(result.payloadOffset).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses truncated frames and over-long targets', () => {
    const full = encodeClientBinary(BinaryKind.Request, 'abc', '1', 7);
    for (let cut = 1; cut < 9; cut++) expect(readClientHeader(full.subarray(0, cut))).toHaveProperty('code');
    expect(readClientHeader(encodeClientBinary(BinaryKind.Pack, 'x'.repeat(65), '1'))).toMatchObject({ code: 'too-large' });
    expect(readClientHeader(new Uint8Array([0x7b]))).toMatchObject({ code: 'unknown-type' });
  });
});

describe('binary server frames', () => {
  it('round-trips every kind', () => {
    fc.assert(
      fc.property(kind, peerId, fc.jsonValue(), fc.nat({ max: 2 ** 32 - 1 }), fc.boolean(), (k, from, value, id, error) => {
        const payload = JSON.stringify(value);
        const bytes = encodeServerBinary(k, from, new TextEncoder().encode(payload), id, error ? 1 : 0);
        const frame = decodeServerBinary(bytes)!;
        expect(frame).toMatchObject({ kind: k, from, payload });
        if (k === BinaryKind.Request || k === BinaryKind.Response) expect(frame.id).toBe(id);
        if (k === BinaryKind.Response) expect(frame.error).toBe(error);
      }),
    );
  });

  it('carries the room of a room pack', () => {
    const bytes = encodeServerBinary(BinaryKind.RoomPack, 'peer', new TextEncoder().encode('"hi"'), 0, 0, 'genel');
    expect(decodeServerBinary(bytes)).toMatchObject({ kind: BinaryKind.RoomPack, room: 'genel', from: 'peer', payload: '"hi"' });
  });
});
