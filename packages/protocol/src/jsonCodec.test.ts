import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeClientFrame, decodeServerFrame, jsonCodec } from './jsonCodec.js';
import { CLIENT_FRAME_TYPES } from './ClientFrame.js';
import { MAX_JSON_DEPTH } from './jsonDepth.js';

const peer = 'fa9b039e-29bf-4861-8bee-54c2c64ded19';

const validFrames: Record<string, unknown>[] = [
  { type: 'pack/to', to: peer, pack: { text: 'hi' } },
  { type: 'pack/room', room: 'genel', pack: [1, 2, 3] },
  { type: 'request/to', id: 1, to: peer, body: { a: 1 } },
  { type: 'response/to', id: 1, to: peer, body: 6 },
  { type: 'response/to', id: 2, to: peer, error: { code: 'no-handler', message: 'none' } },
  { type: 'request/cancel', id: 3, to: peer },
  { type: 'pair/request', id: 4, to: peer },
  { type: 'session/set', id: 5, flags: { pairauth: false } },
  { type: 'info/set', id: 6, key: 'name', value: 'John' },
  { type: 'info/get', id: 7, peer },
  { type: 'room/create', id: 8, name: 'genel', joinType: 'free', ifexistsJoin: true },
  { type: 'room/join', id: 9, name: 'genel', password: 'x' },
  { type: 'room/eject', id: 10, name: 'genel', peer },
  { type: 'room/create', id: 11, name: 'live', mode: 'broadcast', publish: 'owner' },
  { type: 'broadcast/publish', id: 12, room: 'live', name: 'main', offer: 'v=0\r\n' },
  { type: 'broadcast/watch', id: 13, room: 'live', name: 'main', offer: 'v=0\r\n' },
  { type: 'broadcast/stop', id: 14, session: 's1' },
  { type: 'broadcast/ice', id: 15, room: 'live' },
];

function expectTypedOutcome(result: ReturnType<typeof decodeClientFrame>) {
  if (result.ok) {
    expect(CLIENT_FRAME_TYPES).toContain(result.frame.type);
  } else {
    expect(['bad-frame', 'unknown-type', 'too-large']).toContain(result.error.code);
    expect(typeof result.error.message).toBe('string');
  }
}

describe('decodeClientFrame', () => {
  it('accepts every valid frame, from text and from bytes', () => {
    for (const frame of validFrames) {
      const text = JSON.stringify(frame);
      const fromText = decodeClientFrame(text);
      const fromBytes = decodeClientFrame(new TextEncoder().encode(text));
      expect(fromText.ok, text).toBe(true);
      expect(fromBytes).toEqual(fromText);
    }
  });

  it('applies defaults', () => {
    const r = decodeClientFrame('{"type":"room/create","id":1,"name":"a"}');
    expect(r).toMatchObject({
      ok: true,
      frame: { joinType: 'free', ifexistsJoin: false, visibility: 'public' },
    });
  });

  it('tells bad JSON, unknown types and wrong shapes apart, keeping the id', () => {
    expect(decodeClientFrame('{nope')).toMatchObject({ ok: false, error: { code: 'bad-frame' } });
    expect(decodeClientFrame('[]')).toMatchObject({ ok: false, error: { code: 'bad-frame' } });
    expect(decodeClientFrame('{"type":"nope","id":4}')).toMatchObject({
      ok: false,
      error: { code: 'unknown-type', id: 4 },
    });
    const wrong = decodeClientFrame('{"type":"request/to","id":7,"to":42}');
    expect(wrong).toMatchObject({ ok: false, error: { code: 'bad-frame', id: 7 } });
    if (!wrong.ok) expect(wrong.error.issues?.[0]).toMatch(/^to:/);
    expect(decodeClientFrame(new Uint8Array([0xff, 0xfe, 0x00]))).toMatchObject({
      ok: false,
      error: { code: 'bad-frame', message: 'frame is not valid UTF-8' },
    });
  });

  it('refuses unknown fields and oversize names', () => {
    expect(decodeClientFrame(JSON.stringify({ ...validFrames[0], extra: 1 })).ok).toBe(false);
    const longRoom = { type: 'room/join', id: 1, name: 'x'.repeat(129) };
    expect(decodeClientFrame(JSON.stringify(longRoom)).ok).toBe(false);
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => expectTypedOutcome(decodeClientFrame(s))),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (b) =>
        expectTypedOutcome(decodeClientFrame(b)),
      ),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => expectTypedOutcome(decodeClientFrame(JSON.stringify(v)))),
      { numRuns: 2000 },
    );
  });

  it('never throws on mutated valid frames', () => {
    const mutated = fc
      .tuple(
        fc.constantFrom(...validFrames),
        fc.string({ maxLength: 12 }),
        fc.oneof(fc.jsonValue(), fc.constant(undefined)),
      )
      .map(([frame, key, value]) => {
        const keys = Object.keys(frame);
        const target = key.length % 2 === 0 && keys.length ? keys[key.length % keys.length]! : key;
        return { ...frame, [target]: value };
      });
    fc.assert(
      fc.property(mutated, (frame) => expectTypedOutcome(decodeClientFrame(JSON.stringify(frame)))),
      { numRuns: 3000 },
    );
  });

  it('never throws on truncated or byte-flipped valid frames', () => {
    const damaged = fc
      .tuple(fc.constantFrom(...validFrames), fc.nat(), fc.integer({ min: 0, max: 255 }))
      .map(([frame, at, byte]) => {
        const bytes = new TextEncoder().encode(JSON.stringify(frame));
        const i = at % bytes.length;
        const copy = bytes.slice(0, at % 3 === 0 ? i : bytes.length);
        if (i < copy.length) copy[i] = byte;
        return copy;
      });
    fc.assert(
      fc.property(damaged, (bytes) => expectTypedOutcome(decodeClientFrame(bytes))),
      { numRuns: 3000 },
    );
  });
});

describe('decodeClientFrame on deep payloads', () => {
  // Built as text: JSON.stringify itself overflows the stack on such values.
  const deep = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

  it('refuses a frame nested 5,000 levels with too-large, keeping its id wherever it stands', () => {
    const frames: [string, number][] = [
      [`{"type":"request/to","to":"${peer}","body":${deep(5000)},"id":41}`, 41],
      [`{"id":42,"type":"info/set","key":"k","value":${deep(5000)}}`, 42],
      [`{"type":"notify/send","to":{"identity":"u"},"title":"t","data":{"a":${deep(5000)}},"id" : 43}`, 43],
    ];
    for (const [text, id] of frames) {
      expect(decodeClientFrame(text)).toEqual({ ok: false, error: expect.objectContaining({ code: 'too-large', id }) });
    }
  });

  it('keeps frames at the limit and ignores an id nested below the top level', () => {
    expect(decodeClientFrame(`{"type":"pack/to","to":"${peer}","pack":${deep(MAX_JSON_DEPTH - 1)}}`).ok).toBe(true);
    const nestedId = `{"type":"pack/to","to":"${peer}","pack":[{"id":7},${deep(MAX_JSON_DEPTH)}]}`;
    expect(decodeClientFrame(nestedId)).toEqual({ ok: false, error: expect.not.objectContaining({ id: 7 }) });
  });
});

describe('jsonCodec', () => {
  it('round-trips server frames', () => {
    const frame = { type: 'pack', from: peer, pack: { text: 'hi' } } as const;
    expect(decodeServerFrame(jsonCodec.encode(frame))).toEqual({ ok: true, frame });
  });
});
