import { existsSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { TransportHandlers } from './Transport.js';
import { createWsTransport } from './wsTransport.js';

const handlers: TransportHandlers<void> = {
  upgrade: () => ({ accept: false, status: 403, message: 'no' }),
  open: () => {},
  message: () => {},
  drain: () => {},
  pong: () => {},
  close: () => {},
  http: () => ({ status: 404 }),
};

/** Client sockets to `port` still waiting for the server's SYN-ACK (state SYN_SENT in /proc/net/tcp). */
function waitingForSynAck(port: number): number {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return readFileSync('/proc/net/tcp', 'latin1')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[2]?.endsWith(hexPort) && fields[3] === '02').length;
}

/** Blocks this thread (and so the server's event loop) for `ms`. */
const blockFor = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

describe('the ws transport', () => {
  it.skipIf(!existsSync('/proc/net/tcp'))('lets the kernel hold a storm of 1,500 connections while the event loop is busy', async () => {
    const transport = createWsTransport({ maxMessageSize: 1024, highWaterMark: 1024 });
    const port = await transport.listen('127.0.0.1', 0, handlers);
    const sockets: Socket[] = [];
    try {
      for (let i = 0; i < 1_500; i++) sockets.push(connect({ host: '127.0.0.1', port }).on('error', () => {}));
      // Node connects to an IP address on the next tick; the server's loop gets no turn before the read below.
      await new Promise((resolve) => process.nextTick(resolve));
      blockFor(300);
      // Past a full backlog (Node's default is 511) the kernel drops SYNs, and those clients would retry a second later.
      expect(waitingForSynAck(port)).toBe(0);
    } finally {
      for (const socket of sockets) socket.destroy();
      transport.stopListening();
    }
  });
});
