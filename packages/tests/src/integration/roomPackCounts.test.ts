import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Engine } from '@mwse/engine';
import { BinaryKind, decodeServerBinary, encodeClientBinary } from '@mwse/protocol/binary';
import { TRANSPORTS, endpointOf, eventually, useServer, withTimeout } from './harness.js';

/** A raw member of either codec that records every frame it is sent, and its size in bytes. */
async function member(url: string, binary: boolean) {
  const ws = new WebSocket(binary ? `${url}/?codec=binary` : url);
  const packs: string[] = [];
  let bytes = 0;
  let id = '';
  const results = new Map<number, () => void>();
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    bytes += data.length;
    if (isBinary) {
      const frame = decodeServerBinary(new Uint8Array(data));
      if (frame?.kind === BinaryKind.RoomPack) packs.push(frame.payload);
      return;
    }
    const frame = JSON.parse(data.toString()) as { type: string; id?: number; socketId?: string; pack?: unknown };
    if (frame.type === 'hello') id = frame.socketId!;
    else if (frame.type === 'room/pack') packs.push(JSON.stringify(frame.pack));
    else if (frame.type === 'result') results.get(frame.id!)?.();
  });
  await withTimeout(new Promise((resolve) => ws.once('message', resolve)), 2000, 'hello');
  let ids = 0;
  /** Send a frame with an id and wait for its result. */
  const call = (frame: object) => {
    const n = ++ids;
    ws.send(JSON.stringify({ ...frame, id: n }));
    return withTimeout(new Promise<void>((resolve) => results.set(n, resolve)), 2000, `result ${n}`);
  };
  return {
    ws,
    packs,
    call,
    get id() {
      return id;
    },
    get bytes() {
      return bytes;
    },
  };
}

/** What every node counted out: room packs, and bytes of all frames. */
function countedOut(engines: Engine[]) {
  let packs = 0;
  let bytes = 0;
  for (const engine of engines) {
    packs += engine.hub.metrics.get('mwse_messages_out_total', 'room/pack');
    bytes += Number(/^mwse_bytes_out_total (\d+)$/m.exec(engine.hub.metrics.render())![1]);
  }
  return { packs, bytes };
}

describe.each(TRANSPORTS.flatMap((t) => [[t, 'off'] as const, [t, 'kept'] as const]))(
  'a room fan-out over %s, sessions %s, is counted as it is queued',
  (transport, sessions) => {
    const { state } = useServer(transport, sessions === 'kept' ? { resumeGrace: 30_000 } : {});
    /** In the cluster fixture the members alternate between its nodes, so some are ghosts on each. */
    const url = (i: number) => endpointOf(state.engines[i % state.engines.length]!);

    it('counts each member of either codec once, with the bytes each was sent', async () => {
      const name = `counts-${transport}-${sessions}`;
      const members = await Promise.all([false, false, false, true, true, true, false].map((binary, i) => member(url(i), binary)));
      const [owner, ...others] = members;
      await owner!.call({ type: 'room/create', name, joinType: 'free' });
      for (const m of others) await m.call({ type: 'room/join', name });
      // Joins are told to the members; let them settle before counting.
      await eventually(() => members.every((m) => m.ws.bufferedAmount === 0), 2000, 'joins sent');
      await new Promise((r) => setTimeout(r, 200));
      const before = countedOut(state.engines);
      const received = members.reduce((sum, m) => sum + m.bytes, 0);

      // Senders of both codecs, each message to the six others.
      const messages = 40;
      for (let i = 0; i < messages; i++) {
        const sender = members[i % members.length]!;
        const payload = `{"n":${i},"text":"${'x'.repeat(i * 7)}"}`;
        if (i % 2 === 0) sender.ws.send(encodeClientBinary(BinaryKind.RoomPack, name, payload));
        else sender.ws.send(JSON.stringify({ type: 'pack/room', room: name, pack: JSON.parse(payload) }));
      }
      await eventually(() => members.every((m) => m.packs.length === messages - Math.ceil((messages - members.indexOf(m)) / members.length)), 5000, 'every pack delivered');
      // Session acks the server sends meanwhile are counted too, as the bytes they take.
      await new Promise((r) => setTimeout(r, 300));
      const after = countedOut(state.engines);
      expect(after.packs - before.packs).toBe(messages * (members.length - 1));
      expect(after.bytes - before.bytes).toBe(members.reduce((sum, m) => sum + m.bytes, 0) - received);
      for (const m of members) m.ws.close();
    });
  },
);
