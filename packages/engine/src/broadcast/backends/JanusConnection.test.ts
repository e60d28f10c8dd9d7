import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { JanusConnection } from './JanusConnection.js';

/**
 * A scripted Janus: it creates a session and answers keepalives after `keepaliveDelay` ms, or
 * never once `frozen` is set (a SIGSTOPped Janus keeps its socket open and answers nothing).
 */
async function fakeJanus(keepaliveDelay: number) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: () => 'janus-protocol' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const state = { frozen: false, keepalives: 0 };
  server.on('connection', (socket) => {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { janus: string; transaction: string };
      if (state.frozen) return;
      if (message.janus === 'create') {
        socket.send(JSON.stringify({ janus: 'success', transaction: message.transaction, data: { id: 7 } }));
      } else if (message.janus === 'keepalive') {
        state.keepalives += 1;
        setTimeout(() => {
          if (!state.frozen) socket.send(JSON.stringify({ janus: 'ack', transaction: message.transaction, session_id: 7 }));
        }, keepaliveDelay);
      }
    });
  });
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, state, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function open(janus: { url: string }, keepaliveMs: number) {
  const lost: Array<{ reason: string; at: number }> = [];
  const connection = await JanusConnection.open(janus.url, AbortSignal.timeout(2000), keepaliveMs, (reason) =>
    lost.push({ reason, at: Date.now() }),
  );
  cleanups.push(() => connection.close());
  return { connection, lost };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('JanusConnection keepalives', () => {
  it('rides out keepalives answered later than one interval (a Janus short of CPU)', async () => {
    // Each answer comes 300 ms after its keepalive, sent every 250 ms: later than the next one.
    const janus = await fakeJanus(300);
    cleanups.push(janus.close);
    const { connection, lost } = await open(janus, 250);
    await sleep(1600);
    expect(janus.state.keepalives).toBeGreaterThanOrEqual(4);
    expect(lost).toEqual([]);
    expect(connection.alive).toBe(true);
  });

  it('takes a Janus that answers nothing for lost within three intervals', async () => {
    const janus = await fakeJanus(0);
    cleanups.push(janus.close);
    const { connection, lost } = await open(janus, 200);
    await sleep(500);
    expect(lost).toEqual([]);
    janus.state.frozen = true;
    const frozenAt = Date.now();
    for (let i = 0; i < 40 && lost.length === 0; i += 1) await sleep(50);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.reason).toMatch(/keepalive/);
    // Lost once a keepalive has gone unanswered for two intervals: not before, and at most three
    // intervals after the freeze (plus timer slack on a busy machine).
    expect(lost[0]!.at - frozenAt).toBeGreaterThanOrEqual(350);
    expect(lost[0]!.at - frozenAt).toBeLessThan(1500);
    expect(connection.alive).toBe(false);
  });
});
