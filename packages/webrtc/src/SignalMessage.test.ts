import { describe, expect, it } from 'vitest';
import { parseSignal } from './SignalMessage.js';

describe('parseSignal', () => {
  const base = { rtc: 1, from: 'session-a' };

  it('accepts each kind of message', () => {
    for (const message of [
      { ...base, kind: 'hello', polite: true },
      { ...base, to: 'session-b', kind: 'description', description: { type: 'offer', sdp: 'v=0' }, streams: { id1: 'cam' } },
      { ...base, to: 'session-b', kind: 'candidate', candidate: { candidate: 'candidate:1', sdpMid: '0' } },
      { ...base, kind: 'bye' },
    ]) {
      expect(parseSignal(message)).toBe(message);
    }
  });

  it('returns undefined, never throws, for anything else', () => {
    const bad: unknown[] = [
      null,
      undefined,
      'offer',
      42,
      [],
      { kind: 'hello', polite: true, from: 'x' }, // no rtc marker: another library's signal
      { ...base, rtc: 2, kind: 'bye' },
      { ...base, from: '', kind: 'bye' },
      { ...base, from: 7, kind: 'bye' },
      { ...base, to: 5, kind: 'bye' },
      { ...base, kind: 'hello' },
      { ...base, kind: 'description', description: { type: 'rollback', sdp: '' }, streams: {} },
      { ...base, kind: 'description', description: { type: 'offer' }, streams: {} },
      { ...base, kind: 'description', description: { type: 'offer', sdp: 'v=0' }, streams: { a: 1 } },
      { ...base, kind: 'description', description: { type: 'offer', sdp: 'v=0' } },
      { ...base, kind: 'candidate', candidate: {} },
      { ...base, kind: 'candidate', candidate: null },
      { ...base, kind: 'unknown' },
    ];
    for (const value of bad) expect(parseSignal(value), JSON.stringify(value)).toBeUndefined();
  });
});
