import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BinaryKind } from './BinaryKind.js';
import { encodeClientBinary } from './clientBinary.js';
import { readClientHeader } from './header.js';
import { decodeServerBinary, encodeServerBinary } from './serverBinary.js';
import { MAX_BINARY_ID, fitsBinaryId } from './headerFields.js';
import { overLimitRoomName, roomName } from '../test/roomNameArbitraries.js';

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
    const longTarget = new Uint8Array([BinaryKind.Pack, 65, ...new Uint8Array(65).fill(0x78), 0x31]);
    expect(readClientHeader(longTarget)).toMatchObject({ code: 'too-large' });
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

describe('binary room names agree with the schema, in bytes', () => {
  const payload = fc.oneof(fc.constant(''), fc.jsonValue().map((v) => JSON.stringify(v)), fc.string({ unit: 'binary' }));

  it('round-trips every valid name and payload: client encode, header read, server encode, decode', () => {
    fc.assert(
      fc.property(roomName, peerId, payload, (room, from, text) => {
        const sent = encodeClientBinary(BinaryKind.RoomPack, room, text);
        const header = readClientHeader(sent);
        expect(header).toMatchObject({ kind: BinaryKind.RoomPack, target: room });
        if (!('kind' in header)) return;
        const relayed = encodeServerBinary(BinaryKind.RoomPack, from, sent.subarray(header.payloadOffset), 0, 0, header.target);
        expect(decodeServerBinary(relayed)).toEqual({ kind: BinaryKind.RoomPack, room, from, id: 0, error: false, payload: text });
      }),
      { numRuns: 500 },
    );
  });

  it('refuses over-limit names on both sides with a RangeError instead of wrapping the length byte', () => {
    fc.assert(
      fc.property(overLimitRoomName, (room) => {
        expect(() => encodeClientBinary(BinaryKind.RoomPack, room, '1')).toThrow(RangeError);
        expect(() => encodeServerBinary(BinaryKind.RoomPack, 'peer', new Uint8Array(), 0, 0, room)).toThrow(RangeError);
      }),
    );
  });

  it('answers too-large for a header claiming more than 128 bytes of room name', () => {
    for (const length of [129, 200, 255]) {
      const frame = new Uint8Array([BinaryKind.RoomPack, length, ...new Uint8Array(length).fill(0x61), 0x31]);
      expect(readClientHeader(frame)).toMatchObject({ code: 'too-large' });
    }
    const bad = new Uint8Array([BinaryKind.RoomPack, 3, 0xed, 0xa0, 0x80, 0x31]); // an encoded surrogate
    expect(readClientHeader(bad)).toMatchObject({ code: 'bad-frame' });
  });

  it('refuses lone surrogates, which TextEncoder would turn into another name', () => {
    expect(() => encodeClientBinary(BinaryKind.RoomPack, 'oda\uD800', '1')).toThrow(RangeError);
    expect(() => encodeServerBinary(BinaryKind.RoomPack, 'p', new Uint8Array(), 0, 0, '\uDC00')).toThrow(RangeError);
  });
});

describe('binary peer ids, ids and flags never wrap', () => {
  it('refuses peer ids over 64 bytes, and empty ones', () => {
    for (const kind of [BinaryKind.Pack, BinaryKind.Request, BinaryKind.Response, BinaryKind.Signal]) {
      expect(() => encodeClientBinary(kind, 'x'.repeat(65), '1')).toThrow(RangeError);
      expect(() => encodeClientBinary(kind, 'é'.repeat(33), '1')).toThrow(RangeError);
      expect(() => encodeClientBinary(kind, '', '1')).toThrow(RangeError);
      expect(() => encodeServerBinary(kind, 'x'.repeat(65), new Uint8Array())).toThrow(RangeError);
      expect(() => encodeServerBinary(kind, new Uint8Array(65), new Uint8Array())).toThrow(RangeError);
    }
    expect(readClientHeader(encodeClientBinary(BinaryKind.Pack, 'x'.repeat(64), '1'))).toMatchObject({ target: 'x'.repeat(64) });
  });

  it('refuses ids outside u32 instead of cutting them to 32 bits', () => {
    for (const id of [MAX_BINARY_ID + 1, 2 ** 40 + 5, -1, 1.5, Number.NaN]) {
      expect(fitsBinaryId(id)).toBe(false);
      expect(() => encodeClientBinary(BinaryKind.Request, 'p', '1', id)).toThrow(RangeError);
      expect(() => encodeServerBinary(BinaryKind.Response, 'p', new Uint8Array(), id)).toThrow(RangeError);
    }
    expect(fitsBinaryId(MAX_BINARY_ID)).toBe(true);
    expect(decodeServerBinary(encodeServerBinary(BinaryKind.Request, 'p', new Uint8Array(), MAX_BINARY_ID))).toMatchObject({ id: MAX_BINARY_ID });
  });

  it('refuses flags outside a byte, and a room on frames that carry none', () => {
    expect(() => encodeServerBinary(BinaryKind.Response, 'p', new Uint8Array(), 1, 256)).toThrow(RangeError);
    expect(() => encodeServerBinary(BinaryKind.Pack, 'p', new Uint8Array(), 0, 0, 'room')).toThrow(RangeError);
    expect(() => encodeServerBinary(BinaryKind.RoomPack, 'p', new Uint8Array())).toThrow(RangeError);
  });

  it('decodes arbitrary server bytes into a frame within the limits or undefined, never a throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const frame = decodeServerBinary(bytes);
        if (!frame) return;
        expect(new TextEncoder().encode(frame.from).length).toBeLessThanOrEqual(64);
        if (frame.room !== undefined) expect(new TextEncoder().encode(frame.room).length).toBeLessThanOrEqual(128);
      }),
      { numRuns: 5000 },
    );
    for (const cut of [1, 2, 5, 6]) expect(decodeServerBinary(encodeServerBinary(BinaryKind.Response, 'abc', new Uint8Array(), 7).subarray(0, cut))).toBeUndefined();
  });
});
