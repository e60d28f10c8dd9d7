import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BinaryKind, encodeServerBinary, readClientHeader, type ClientHeader } from '@mwse/protocol/binary';
import { decodeBinaryFrame, encodeBinaryFrame as encodeFrame } from './binaryFrames.js';

const bytes = (text: string) => new TextEncoder().encode(text);
/** Any frame's fields: the encoder takes frames of every type and picks the tunnel ones. */
const encodeBinaryFrame = (frame: { type: string; [field: string]: unknown }) => encodeFrame(frame);

describe('encodeBinaryFrame', () => {
  it('encodes tunnel frames with their target, id and JSON payload', () => {
    const frame = encodeBinaryFrame({ type: 'request/to', to: 'peer-b', id: 12, body: { n: 1 } })!;
    const header = readClientHeader(frame);
    expect(header).toMatchObject({ kind: BinaryKind.Request, target: 'peer-b', id: 12 });
    if ('payloadOffset' in header) expect(new TextDecoder().decode(frame.subarray(header.payloadOffset))).toBe('{"n":1}');
    const error = encodeBinaryFrame({ type: 'response/to', to: 'a', id: 3, error: { code: 'no-handler', message: 'x' } })!;
    expect(readClientHeader(error)).toMatchObject({ kind: BinaryKind.Response, flags: 1, id: 3 });
  });

  it('leaves every other frame to JSON', () => {
    expect(encodeBinaryFrame({ type: 'room/join', name: 'x' })).toBeUndefined();
    expect(encodeBinaryFrame({ type: 'notify/ack' })).toBeUndefined();
  });
});

describe('decodeBinaryFrame', () => {
  it('reads packs, room packs, requests and responses', () => {
    expect(decodeBinaryFrame(encodeServerBinary(BinaryKind.Pack, 'a', bytes('{"x":1}')))).toEqual({ type: 'pack', from: 'a', pack: { x: 1 } });
    expect(decodeBinaryFrame(encodeServerBinary(BinaryKind.RoomPack, 'a', bytes('2'), 0, 0, 'r'))).toEqual({ type: 'room/pack', room: 'r', from: 'a', pack: 2 });
    expect(decodeBinaryFrame(encodeServerBinary(BinaryKind.Request, 'a', bytes('"q"'), 7))).toEqual({ type: 'request', id: 7, from: 'a', body: 'q' });
    expect(decodeBinaryFrame(encodeServerBinary(BinaryKind.Response, 'a', bytes(''), 8))).toEqual({ type: 'response', id: 8, from: 'a', body: undefined });
  });

  it('drops a payload that is not JSON (the server never looked at it)', () => {
    expect(decodeBinaryFrame(encodeServerBinary(BinaryKind.Pack, 'a', bytes('{broken')))).toBeUndefined();
  });

  it('turns an error answer with an unknown code into remote-error', () => {
    const frame = decodeBinaryFrame(encodeServerBinary(BinaryKind.Response, 'a', bytes('{"code":"admin","message":7}'), 9, 1));
    expect(frame).toMatchObject({ type: 'response', id: 9, error: { code: 'remote-error', message: 'the peer answered with an error' } });
    const known = decodeBinaryFrame(encodeServerBinary(BinaryKind.Response, 'a', bytes('{"code":"no-handler","message":"none"}'), 9, 1));
    expect(known).toMatchObject({ error: { code: 'no-handler', message: 'none' } });
  });
});

const encoder = new TextEncoder();
const byteLength = (text: string) => encoder.encode(text).length;

/** Code points of every UTF-8 width (1 to 4 bytes). */
const codePoint = fc
  .oneof(
    fc.integer({ min: 0, max: 0x7f }),
    fc.integer({ min: 0x80, max: 0x7ff }),
    fc.integer({ min: 0x800, max: 0xffff }).filter((c) => c < 0xd800 || c > 0xdfff),
    fc.integer({ min: 0x10000, max: 0x10ffff }),
  )
  .map((c) => String.fromCodePoint(c));

/** Code points taken while they fit in `max` bytes; `pad` fills the rest with ASCII, to the limit exactly. */
function fit(points: string[], max: number, pad: boolean): string {
  let name = '';
  for (const p of points) {
    if (byteLength(name + p) > max) break;
    name += p;
  }
  return pad ? name + 'a'.repeat(max - byteLength(name)) : name || 'a';
}

/** Valid room names: 1 to 128 UTF-8 bytes, many right at the limit. */
const roomName = fc
  .tuple(fc.array(codePoint, { minLength: 1, maxLength: 140 }), fc.boolean())
  .map(([points, pad]) => fit(points, 128, pad));
const peerId = fc.uuid();
const pack = fc.jsonValue();
/** What the SDK should hand the application: the value after a JSON round trip (-0 becomes 0). */
const delivered = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

/** The server's half of the relay: read the header, wrap the untouched payload for the target. */
function relay(bytes: Uint8Array, from: string): Uint8Array {
  const header = readClientHeader(bytes) as ClientHeader;
  expect(header).toHaveProperty('kind');
  const payload = bytes.subarray(header.payloadOffset);
  const room = header.kind === BinaryKind.RoomPack ? header.target : undefined;
  return encodeServerBinary(header.kind, from, payload, header.id, header.flags & 1, room);
}

describe('SDK encode, server header read, server encode, SDK decode', () => {
  it('delivers every valid room name and pack exactly', () => {
    fc.assert(
      fc.property(roomName, peerId, pack, (room, from, value) => {
        const sent = encodeBinaryFrame({ type: 'pack/room', room, pack: value });
        expect(sent).toBeInstanceOf(Uint8Array);
        expect(decodeBinaryFrame(relay(sent!, from))).toEqual({ type: 'room/pack', room, from, pack: delivered(value) });
      }),
      { numRuns: 500 },
    );
  });

  it('delivers every direct frame with its sender, id and payload', () => {
    fc.assert(
      fc.property(peerId, peerId, pack, fc.nat({ max: 2 ** 32 - 1 }), (to, from, value, id) => {
        const body = delivered(value);
        const out = (frame: { type: string; [k: string]: unknown }) => decodeBinaryFrame(relay(encodeBinaryFrame(frame)!, from));
        expect(out({ type: 'pack/to', to, pack: value })).toEqual({ type: 'pack', from, pack: body });
        expect(out({ type: 'signal/to', to, data: value })).toEqual({ type: 'signal', from, data: body });
        expect(out({ type: 'request/to', to, id, body: value })).toEqual({ type: 'request', id, from, body });
        expect(out({ type: 'response/to', to, id, body: value })).toEqual({ type: 'response', id, from, body });
        expect(out({ type: 'response/to', to, id, error: { code: 'no-handler', message: 'none' } })).toEqual({
          type: 'response',
          id,
          from,
          body: undefined,
          error: { code: 'no-handler', message: 'none' },
        });
      }),
      { numRuns: 300 },
    );
  });

  it('sends as JSON what a binary header cannot carry: names over the limit, ids past 32 bits', () => {
    const overLimit = fc
      .tuple(roomName, fc.array(codePoint, { minLength: 1, maxLength: 40 }))
      .map(([name, extra]) => name + 'a'.repeat(128 - byteLength(name)) + extra.join(''));
    fc.assert(
      fc.property(overLimit, (room) => {
        expect(byteLength(room)).toBeGreaterThan(128);
        expect(encodeBinaryFrame({ type: 'pack/room', room, pack: 1 })).toBeUndefined();
      }),
    );
    expect(encodeBinaryFrame({ type: 'pack/room', room: 'oda\uD800', pack: 1 })).toBeUndefined();
    expect(encodeBinaryFrame({ type: 'pack/to', to: 'x'.repeat(65), pack: 1 })).toBeUndefined();
    for (const id of [2 ** 32, 2 ** 40 + 5, Number.MAX_SAFE_INTEGER]) {
      expect(encodeBinaryFrame({ type: 'response/to', to: 'p', id, body: 1 })).toBeUndefined();
      expect(encodeBinaryFrame({ type: 'request/to', to: 'p', id, body: 1 })).toBeUndefined();
    }
  });

  it('never throws on arbitrary server bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.integer({ min: 1, max: 5 }), (bytes, kind) => {
        bytes[0] = kind;
        const frame = decodeBinaryFrame(bytes);
        if (frame && 'room' in frame) expect(byteLength(frame.room)).toBeLessThanOrEqual(128);
      }),
      { numRuns: 3000 },
    );
  });
});
