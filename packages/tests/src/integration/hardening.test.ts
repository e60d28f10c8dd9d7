import { describe, expect, it } from 'vitest';
import { TRANSPORTS, eventually, floodPausedReader, recordingLogger, useServer, withTimeout } from './harness.js';

/** JSON nested `levels` deep, as text: JSON.stringify itself fails on such values. */
const deep = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

/** Value of an unlabelled-or-labelled sample in the Prometheus text. */
function metric(text: string, line: string): number {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? 0 : Number(found.slice(line.length + 1));
}

describe.each(TRANSPORTS)('room fan-out and mass disconnects over %s', (transport) => {
  // A tiny queue: with the old per-turn count, the room/left fan-out of a mass disconnect
  // overflowed members' queues, and the overflow's disconnect re-entered leave().
  // Sessions off: the point is 300 leaves at once (with sessions, cut sockets would wait to resume).
  const { raw, state } = useServer(transport, { outboundBuffer: 4, maxConnectionsPerAddress: 1000, rateLimit: 0, resumeGrace: 0 });

  it('survives 300 members of one room disconnecting at once (leave() re-entered from its own fan-out)', async () => {
    const members = [];
    for (let i = 0; i < 300; i++) members.push(await raw());
    members[0]!.send({ type: 'room/create', id: 1, name: 'crowd', joinType: 'free' });
    await members[0]!.next('result');
    await Promise.all(
      members.slice(1).map(async (m, i) => {
        m.send({ type: 'room/join', id: 2 + i, name: 'crowd' });
        await m.next('result', 10_000);
      }),
    );
    expect(state.engine.hub.rooms.get('crowd')?.members.size).toBe(300);
    for (const m of members) m.ws.terminate();
    await eventually(() => state.engine.hub.size === 0, 10_000, 'every member to be forgotten');
    expect(state.engine.hub.rooms.has('crowd')).toBe(false);
    const after = await raw();
    after.send({ type: 'peer/reachable', id: 1, peer: after.socketId });
    expect(await after.next('result')).toMatchObject({ data: true });
  });
});

describe.each(TRANSPORTS)('outbound queues over %s', (transport) => {
  const outboundBufferBytes = 2 * 1024 * 1024;
  const { raw, client, state } = useServer(transport, { outboundBufferBytes, rateLimit: 0 });

  it('does not cut a fast reader that pipelines 3,000 calls in one turn (slow consumer counted per turn)', async () => {
    const a = await client();
    const b = await client();
    const target = a.peer(b.me.socketId);
    const answers = await withTimeout(
      Promise.all(Array.from({ length: 3000 }, () => target.isReachable())),
      20_000,
      '3,000 answers',
    );
    expect(answers.every((x) => x === true)).toBe(true);
    expect(state.engine.hub.peer(a.me.socketId)).toBeDefined();
  });

  it('cuts a paused reader by bytes, not only by count (256 KB messages)', async () => {
    const sender = await raw();
    const slow = await raw();
    // 200 messages of 256 KB: far under the count limit (1,024), far over the byte limit.
    const slowPeer = await floodPausedReader(state.engine, sender, slow, 256 * 1024, 200);
    await eventually(() => state.engine.hub.peer(slow.socketId) === undefined, 10_000, 'the paused reader to be cut');
    expect(slowPeer.queue.highWaterBytes).toBeLessThanOrEqual(outboundBufferBytes);
    const text = await (await fetch(`http://127.0.0.1:${state.engine.port}/metrics`)).text();
    expect(metric(text, 'mwse_outbound_queue_high_water_bytes')).toBeLessThanOrEqual(outboundBufferBytes);
    expect(metric(text, 'mwse_dropped_total{reason="slow-consumer"}')).toBeGreaterThanOrEqual(1);
  });
});

describe.each(TRANSPORTS)('deep payloads over %s', (transport) => {
  const { logger, lines } = recordingLogger();
  const { raw, client } = useServer(transport, { logger });

  const frames = (to: string): [string, string][] => [
    ['a pack (the JSON fast path)', `{"type":"pack/to","to":"${to}","pack":${deep(5000)}}`],
    ['a room pack', `{"type":"pack/room","room":"r","pack":${deep(5000)}}`],
    ['a request body', `{"type":"request/to","to":"${to}","body":${deep(5000)},"id":7}`],
    ['an info value', `{"type":"info/set","key":"k","value":${deep(5000)},"id":7}`],
    ['notification data', `{"type":"notify/send","to":{"identity":"someone"},"title":"t","data":${deep(5000)},"id":7}`],
    ['room info', `{"type":"room/info/set","name":"r","key":"k","value":${deep(5000)},"id":7}`],
  ];

  it('refuses every frame nested 5,000 levels with too-large, cheaply and without logging', async () => {
    const attacker = await raw();
    const friend = await client();
    for (const [what, text] of frames(friend.me.socketId)) {
      attacker.send(text);
      const error = await attacker.next('error');
      expect(error, what).toMatchObject({ code: 'too-large' });
      if (text.includes('"id":7')) expect(error.id, what).toBe(7);
      attacker.send(Buffer.from(text)); // the same JSON in a binary message
      expect(await attacker.next('error'), what).toMatchObject({ code: 'too-large' });
    }
    // binary tunnel frames: [kind][len][target] payload; a request carries its id
    const target = Buffer.from(friend.me.socketId);
    const pack = Buffer.concat([Buffer.from([1, target.length]), target, Buffer.from(deep(5000))]);
    attacker.send(pack);
    expect(await attacker.next('error')).toMatchObject({ code: 'too-large' });
    const request = Buffer.concat([Buffer.from([3, 9, 0, 0, 0, target.length]), target, Buffer.from(deep(5000))]);
    attacker.send(request);
    expect(await attacker.next('error')).toMatchObject({ code: 'too-large', id: 9 });
    // nothing reached the friend, the attacker still works, and refusals are debug lines only
    attacker.send({ type: 'peer/reachable', id: 99, peer: friend.me.socketId });
    expect(await attacker.next('result')).toMatchObject({ id: 99, data: true });
    expect(lines.filter((l) => l.level !== 'debug')).toEqual([]);
    expect(lines.filter((l) => l.message === 'refused a frame').length).toBe(14);
  });

  it('keeps payloads nested up to the limit', async () => {
    const a = await client();
    const b = await client();
    await b.disablePairAuth();
    const got = new Promise((resolve) => b.on('message', (pack) => resolve(pack)));
    const value = JSON.parse(deep(120)) as unknown;
    a.peer(b.me.socketId).send(value);
    expect(await withTimeout(got, 2000, 'the pack')).toEqual(value);
  });
});

describe.each(TRANSPORTS)('contained failures over %s', (transport) => {
  const { logger, lines } = recordingLogger();
  const { raw, client, state } = useServer(transport, { logger });

  it('closes only the connection whose frame hit a bug, with 1011, and logs it rate-limited', async () => {
    const hub = state.engine.hub as unknown as { rawTunnelHandlers: Record<number, () => void> };
    const original = hub.rawTunnelHandlers[1]!;
    hub.rawTunnelHandlers[1] = () => {
      throw new TypeError('a bug');
    };
    try {
      const bystander = await client();
      const victims = await Promise.all(Array.from({ length: 30 }, () => raw()));
      for (const v of victims) v.send(`{"type":"pack/to","to":"${bystander.me.socketId}","pack":1}`);
      const codes = await Promise.all(victims.map((v) => withTimeout(v.closed, 3000, 'close')));
      expect(new Set(codes)).toEqual(new Set([1011]));
      expect(await bystander.peer(bystander.me.socketId).isReachable()).toBe(true);
      const logged = lines.filter((l) => l.level === 'error');
      expect(logged.length).toBeGreaterThan(0);
      expect(logged.length).toBeLessThanOrEqual(10);
      expect(logged[0]!.fields.err).toBeInstanceOf(TypeError);
    } finally {
      hub.rawTunnelHandlers[1] = original;
    }
  });
});
