import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ClientFrame } from './ClientFrame.js';
import { decodeClientFrame } from './jsonCodec.js';
import { RoomName } from './primitives.js';
import { peerIdError, roomNameError } from './nameErrors.js';
import { utf8Length } from './utf8Length.js';
import { overLimitRoomName, roomName } from './test/roomNameArbitraries.js';

const encoder = new TextEncoder();
const peer = 'fa9b039e-29bf-4861-8bee-54c2c64ded19';

/** One frame of every client type that names a room, with the name at `name`. */
const roomFrames: Record<string, (name: string) => Record<string, unknown>> = {
  'pack/room': (name) => ({ type: 'pack/room', room: name, pack: 1 }),
  'room/create': (name) => ({ type: 'room/create', id: 1, name }),
  'room/join': (name) => ({ type: 'room/join', id: 1, name }),
  'room/leave': (name) => ({ type: 'room/leave', id: 1, name }),
  'room/peers': (name) => ({ type: 'room/peers', id: 1, name }),
  'room/invite': (name) => ({ type: 'room/invite', id: 1, name, peer }),
  'room/eject': (name) => ({ type: 'room/eject', id: 1, name, peer }),
  'room/lock': (name) => ({ type: 'room/lock', id: 1, name }),
  'room/unlock': (name) => ({ type: 'room/unlock', id: 1, name }),
  'room/subnet': (name) => ({ type: 'room/subnet', id: 1, name }),
  'room/info/set': (name) => ({ type: 'room/info/set', id: 1, name, key: 'k', value: 1 }),
  'room/info/get': (name) => ({ type: 'room/info/get', id: 1, name }),
  'broadcast/ice': (room) => ({ type: 'broadcast/ice', id: 1, room }),
  'broadcast/publish': (room) => ({ type: 'broadcast/publish', id: 1, room, name: 'cam', offer: 'v=0' }),
  'broadcast/watch': (room) => ({ type: 'broadcast/watch', id: 1, room, name: 'cam', offer: 'v=0' }),
  'broadcast/list': (room) => ({ type: 'broadcast/list', id: 1, room }),
  'broadcast/grant': (room) => ({ type: 'broadcast/grant', id: 1, room, peer, allow: true }),
};

describe('utf8Length', () => {
  it('counts what TextEncoder writes for well-formed strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        expect(utf8Length(text)).toBe(encoder.encode(text).length);
      }),
    );
  });

  it('is -1 exactly when a string holds a lone surrogate', () => {
    const unit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 50 }), (text) => {
        // With the u flag a surrogate pair is one code point, so \p{Cs} matches only lone ones.
        const lone = /\p{Cs}/u.test(text);
        expect(utf8Length(text) === -1).toBe(lone);
        if (!lone) expect(utf8Length(text)).toBe(encoder.encode(text).length);
      }),
      { numRuns: 2000 },
    );
    expect(utf8Length('a\uD800')).toBe(-1);
    expect(utf8Length('\uDC00a')).toBe(-1);
    expect(utf8Length('😀', 0, 1)).toBe(-1);
  });
});

describe('room names are counted in UTF-8 bytes', () => {
  it('the schema and roomNameError accept every name of 1 to 128 bytes', () => {
    fc.assert(
      fc.property(roomName, (name) => {
        expect(encoder.encode(name).length).toBeLessThanOrEqual(128);
        expect(roomNameError(name)).toBeUndefined();
        expect(RoomName.safeParse(name).success).toBe(true);
      }),
    );
  });

  it('the schema refuses every over-limit name with its byte count, in every frame that names a room', () => {
    fc.assert(
      fc.property(overLimitRoomName, fc.constantFrom(...Object.keys(roomFrames)), (name, type) => {
        expect(roomNameError(name)).toMatchObject({ code: 'too-large' });
        const result = decodeClientFrame(JSON.stringify(roomFrames[type]!(name)));
        expect(result).toMatchObject({ ok: false, error: { code: 'bad-frame' } });
        if (!result.ok) expect(result.error.issues?.join('\n')).toMatch(/room name is \d+ UTF-8 bytes; at most 128 are allowed/);
      }),
    );
  });

  it('refuses the 117-character, 261-byte name that wrapped the length byte to 5', () => {
    // 'lobby', then a length byte ('$' = 36) and a forged sender id, then filler to 261 bytes.
    const name = 'lobby' + '$' + peer + '"' + '€'.repeat(72) + 'ab';
    expect(name.length).toBeLessThanOrEqual(128);
    expect(encoder.encode(name).length).toBe(261);
    expect(decodeClientFrame(JSON.stringify(roomFrames['room/create']!(name)))).toMatchObject({ ok: false, error: { code: 'bad-frame' } });
  });

  it('refuses empty names and lone surrogates, which have no UTF-8 form', () => {
    expect(roomNameError('')).toMatchObject({ code: 'bad-frame' });
    expect(roomNameError('oda\uD800')).toMatchObject({ code: 'bad-frame', message: expect.stringMatching(/surrogate/) });
    expect(decodeClientFrame(JSON.stringify(roomFrames['pack/room']!('oda\uDFFF'))).ok).toBe(false);
  });

  it('covers every client frame that names a room', () => {
    const naming = ClientFrame.options
      .filter((o) => Object.values(o.shape as Record<string, unknown>).includes(RoomName))
      .map((o) => o.shape.type.value);
    expect(naming.sort()).toEqual(Object.keys(roomFrames).sort());
  });
});

describe('peer ids are counted in UTF-8 bytes', () => {
  it('accepts 1 to 64 bytes and refuses more', () => {
    expect(peerIdError(peer)).toBeUndefined();
    expect(peerIdError('x'.repeat(64))).toBeUndefined();
    expect(peerIdError('é'.repeat(33))).toMatchObject({ code: 'too-large' });
    expect(peerIdError('')).toMatchObject({ code: 'bad-frame' });
    expect(decodeClientFrame(JSON.stringify({ type: 'pack/to', to: 'é'.repeat(33), pack: 1 })).ok).toBe(false);
  });
});
