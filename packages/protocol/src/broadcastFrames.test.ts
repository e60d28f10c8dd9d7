import { describe, expect, it } from 'vitest';
import { decodeClientFrame, decodeServerFrame } from './jsonCodec.js';
import { MAX_SDP_LENGTH } from './broadcastFrames.js';

const peer = '3f1c2a4e-9b7d-4c1e-8f2a-1d3e5b7c9a0f';
const ok = (frame: object) => decodeClientFrame(JSON.stringify(frame)).ok;

describe('broadcast frames', () => {
  it('takes every client frame in its documented shape', () => {
    expect(ok({ type: 'broadcast/ice', id: 1, room: 'live' })).toBe(true);
    expect(ok({ type: 'broadcast/publish', id: 1, room: 'live', name: 'cam-1.hd_2', offer: 'v=0' })).toBe(true);
    expect(ok({ type: 'broadcast/watch', id: 1, room: 'live', name: 'cam', offer: 'v=0' })).toBe(true);
    expect(ok({ type: 'broadcast/stop', id: 1, session: 'x' })).toBe(true);
    expect(ok({ type: 'broadcast/list', id: 1, room: 'live' })).toBe(true);
    expect(ok({ type: 'broadcast/grant', id: 1, room: 'live', peer, allow: false })).toBe(true);
  });

  it('refuses bad names, empty or oversize offers, unknown policies and missing ids', () => {
    const publish = { type: 'broadcast/publish', id: 1, room: 'live', name: 'cam', offer: 'v=0' };
    expect(ok({ ...publish, name: 'a b' })).toBe(false);
    expect(ok({ ...publish, name: '' })).toBe(false);
    expect(ok({ ...publish, name: 'x'.repeat(65) })).toBe(false);
    expect(ok({ ...publish, offer: '' })).toBe(false);
    expect(ok({ ...publish, offer: 'x'.repeat(MAX_SDP_LENGTH + 1) })).toBe(false);
    expect(ok({ ...publish, id: undefined })).toBe(false);
    expect(ok({ ...publish, extra: 1 })).toBe(false);
    expect(ok({ type: 'room/create', id: 1, name: 'live', mode: 'broadcast', publish: 'anyone' })).toBe(false);
    expect(ok({ type: 'broadcast/stop', id: 1, session: 'x'.repeat(65) })).toBe(false);
  });

  it('reads the server frames, and refuses an unknown end reason', () => {
    const read = (frame: object) => decodeServerFrame(JSON.stringify(frame)).ok;
    expect(read({ type: 'broadcast/started', room: 'live', name: 'cam', publisher: peer })).toBe(true);
    for (const reason of ['stopped', 'publisher-gone', 'media-lost', 'room-closed', 'revoked']) {
      expect(read({ type: 'broadcast/ended', room: 'live', name: 'cam', reason })).toBe(true);
    }
    expect(read({ type: 'broadcast/ended', room: 'live', name: 'cam', reason: 'media-lost', session: 's' })).toBe(true);
    expect(read({ type: 'broadcast/ended', room: 'live', name: 'cam', reason: 'bored' })).toBe(false);
    expect(read({ type: 'broadcast/viewers', room: 'live', name: 'cam', count: 3 })).toBe(true);
  });
});
