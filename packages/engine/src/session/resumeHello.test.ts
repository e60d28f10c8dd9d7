import { describe, expect, it } from 'vitest';
import { jsonCodec } from '@mwse/protocol';
import { ENGINE_DEFAULTS, type ResolvedEngineOptions } from '../EngineOptions.js';
import { Hub } from '../Hub.js';
import type { Logger } from '../log/Logger.js';
import { FakeSocket } from '../testing/FakeSocket.js';
import { Link } from './Link.js';

const silent: Logger = { error() {}, warn() {}, info() {}, debug() {} };
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const admitted = (resume: boolean) => ({ address: '127.0.0.1', binary: false, resume });

describe('a resume', () => {
  it('writes the resumed hello and the replay in the callback that read the resume frame, not a turn later', async () => {
    const hub = new Hub({ ...ENGINE_DEFAULTS, resumeGrace: 60_000, logger: silent } as unknown as ResolvedEngineOptions, jsonCodec);
    const first = new FakeSocket();
    const peer = hub.open(new Link(first, admitted(false)));
    await nextTurn();
    const hello = JSON.parse(String(first.sent[0])) as { socketId: string; resume: { token: string } };
    // Two frames for the client while it is away: both are replayed after the resumed hello.
    hub.send(peer, { type: 'pack', from: 'server', pack: 1 });
    await nextTurn();
    hub.socketClosed(peer, 1006);
    hub.send(peer, { type: 'pack', from: 'server', pack: 2 });

    const second = new FakeSocket();
    const resumeFrame = JSON.stringify({ type: 'session/resume', socketId: hello.socketId, token: hello.resume.token, seq: 0, from: 0 });
    expect(hub.resumeLink(new Link(second, admitted(true)), resumeFrame)).toBe(peer);
    // Nothing has had a turn of the event loop since the frame was read.
    const frames = second.sent.map((text) => JSON.parse(String(text)) as { type: string; resumed?: boolean; pack?: number });
    expect(frames.map((f) => f.type)).toEqual(['hello', 'pack', 'pack']);
    expect(frames[0]!.resumed).toBe(true);
    expect(frames.slice(1).map((f) => f.pack)).toEqual([1, 2]);
    await nextTurn();
    expect(second.sent).toHaveLength(3);
  });
});
