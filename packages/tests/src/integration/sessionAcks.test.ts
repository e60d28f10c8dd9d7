import { describe, expect, it } from 'vitest';
import { TRANSPORTS, eventually, settle, useServer, type RawClient } from './harness.js';

/** The SDK's `ACK_EVERY` (packages/client/src/ResumableSession.ts). */
const ACK_EVERY = 256;

describe.each(TRANSPORTS)('session acks over %s', (transport) => {
  const { state, raw, client } = useServer(transport, { resumeGrace: 120_000 });

  /** A raw session that got `n` counted frames from the server, and what the server keeps of it. */
  async function withFrames(n: number) {
    const socket = await raw();
    for (let i = 0; i < n; i++) state.engine.sendFromServer(socket.socketId, i);
    for (let i = 0; i < n; i++) await socket.next('pack');
    const session = state.engine.hub.peer(socket.socketId)!.session!;
    expect(session.kept).toBe(n);
    expect(session.sent).toBe(n);
    return { socket, session };
  }

  /** What `text` did: the error it was answered with (none: undefined), after the server read it. */
  async function outcome(socket: RawClient, text: string) {
    socket.send(text);
    // An ack is not answered: a later request shows the server read everything before it.
    socket.send({ type: 'pair/list', id: 1 });
    const result = await socket.next('result').catch(() => undefined);
    const error = socket.frames.findIndex((f) => f.type === 'error');
    return error >= 0 ? socket.frames.splice(error, 1)[0] : result ? undefined : 'no answer';
  }

  /** What the session keeps after acks up to `acked`: every later counted frame (answers too). */
  const expectAcked = (session: { acked: number; kept: number; sent: number }, acked: number) => {
    expect(session.acked).toBe(acked);
    expect(session.kept).toBe(session.sent - acked);
  };

  it('the SDK spelling of an ack frees what it covers, up to the count and no further', async () => {
    const { socket, session } = await withFrames(10);
    expect(await outcome(socket, '{"type":"session/ack","seq":4}')).toBeUndefined();
    expectAcked(session, 4);
    expect(await outcome(socket, '{"type":"session/ack","seq":10}')).toBeUndefined();
    expectAcked(session, 10);
    // The answers to the probes were counted and kept too (11 and 12).
    expect(session.sent).toBe(12);
    expect(await outcome(socket, '{"type":"session/ack","seq":12}')).toBeUndefined();
    expectAcked(session, 12);
  });

  it('another spelling of a valid ack is still applied (through the decoder)', async () => {
    const { socket, session } = await withFrames(10);
    expect(await outcome(socket, '{"seq":3,"type":"session/ack"}')).toBeUndefined();
    expectAcked(session, 3);
    expect(await outcome(socket, '{"type":"session/ack","seq":5e0}')).toBeUndefined();
    expectAcked(session, 5);
    expect(await outcome(socket, '{"type": "session/ack", "seq": 8}')).toBeUndefined();
    expectAcked(session, 8);
  });

  it('an ack past what was sent, or behind what was acked, changes nothing and is not an error', async () => {
    const { socket, session } = await withFrames(10);
    expect(await outcome(socket, '{"type":"session/ack","seq":100}')).toBeUndefined();
    expect(await outcome(socket, `{"type":"session/ack","seq":${Number.MAX_SAFE_INTEGER}}`)).toBeUndefined();
    expectAcked(session, 0);
    expect(await outcome(socket, '{"type":"session/ack","seq":6}')).toBeUndefined();
    expect(await outcome(socket, '{"type":"session/ack","seq":2}')).toBeUndefined();
    expectAcked(session, 6);
  });

  it('a malformed ack is refused with bad-frame as the schema refuses it, and the session goes on', async () => {
    const { socket, session } = await withFrames(10);
    const malformed = [
      '{"type":"session/ack","seq":9007199254740992}', // past 2^53 - 1
      `{"type":"session/ack","seq":${'9'.repeat(400)}}`,
      '{"type":"session/ack","seq":-1}',
      '{"type":"session/ack","seq":1.5}',
      '{"type":"session/ack","seq":"5"}',
      '{"type":"session/ack","seq":null}',
      '{"type":"session/ack","seq":05}',
      '{"type":"session/ack","seq":5,"more":1}',
      '{"type":"session/ack"}',
      '{"type":"session/ack","seq":5',
    ];
    for (const text of malformed) {
      const error = await outcome(socket, text);
      expect(error, text).toMatchObject({ type: 'error', code: expect.stringMatching(/^(bad-frame|bad-json)$/) });
    }
    expectAcked(session, 0);
    expect(state.engine.hub.peer(socket.socketId)?.closed).toBe(false);
    expect(await outcome(socket, '{"type":"session/ack","seq":10}')).toBeUndefined();
    expectAcked(session, 10);
  });

  it(`an SDK client under dense traffic acks every ${ACK_EVERY} frames, and the server keeps no more`, async () => {
    const mwse = await client({ codec: 'json' });
    const peer = state.engine.hub.peer(mwse.me.socketId)!;
    let got = 0;
    mwse.on('message', () => (got += 1));
    const total = ACK_EVERY * 3 + 10;
    for (let i = 0; i < total; i++) state.engine.sendFromServer(peer.id, i);
    await eventually(() => got === total, 5000, 'all delivered');
    await eventually(() => peer.session!.acked >= ACK_EVERY * 3, 2000, 'three acks');
    expect(peer.session!.kept).toBeLessThanOrEqual(total - ACK_EVERY * 3);
    // The rest is acked by the timer, a little later.
    await eventually(() => peer.session!.kept === 0, 2000, 'the last ack');
    await settle(50);
    expect(peer.session!.acked).toBe(total);
  });
  it('a direct message to a JSON client is kept as UTF-8 bytes and still goes out as a text frame, replayed alike', async () => {
    const [from, to] = [await raw(), await raw()];
    to.send({ type: 'session/set', id: 1, flags: { pairauth: false } });
    await to.next('result');
    const kinds: boolean[] = [];
    to.ws.on('message', (_data, isBinary) => kinds.push(isBinary));
    const packs = [{ n: 1 }, { text: 'héllo ✓ 🎉' }, { n: 3 }];
    for (const pack of packs) from.send({ type: 'pack/to', to: to.socketId, pack });
    for (const pack of packs) expect(await to.next('pack')).toEqual({ type: 'pack', from: from.socketId, pack });
    expect(kinds).toEqual([false, false, false]);
    // Kept until acked, as bytes in the session's ring; what a resume replays is the same text.
    const session = state.engine.hub.peer(to.socketId)!.session!;
    const missed = session.missed(session.sent - 3)!;
    expect(missed.every((frame) => frame instanceof Uint8Array)).toBe(true);
    expect(missed.map((frame) => JSON.parse(Buffer.from(frame as Uint8Array).toString('utf8')) as unknown)).toEqual(
      packs.map((pack) => ({ pack, type: 'pack', from: from.socketId })),
    );
  });
});
