import { describe, expect, it } from 'vitest';
import { BinaryKind, encodeServerBinary, readClientHeader } from '@mwse/protocol/binary';
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
