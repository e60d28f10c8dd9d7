import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** An open WebSocket over a raw TCP socket, and the bytes that followed the handshake response. */
export interface RawWebSocket {
  socket: Socket;
  head: Buffer;
}

export interface OpenOptions {
  timeoutMs?: number;
  /**
   * Loopback source address (127.0.0.2, …) and port: many sources lift the limit of ~28k
   * connections from one address to one port (see connectionLimits.ts).
   */
  localAddress?: string;
  localPort?: number;
}

/**
 * Connect to 127.0.0.1:`port` and do the client side of the WebSocket handshake by hand.
 * The generator then writes pre-built frames straight to the socket: no client library sits
 * between the benchmark and the wire, so the generator's cost per message stays tiny.
 */
export function openWebSocket(
  port: number,
  path: string,
  { timeoutMs = 5000, localAddress, localPort }: OpenOptions = {},
): Promise<RawWebSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, noDelay: true, localAddress, localPort });
    const timer = setTimeout(() => fail(new Error(`handshake with port ${port} timed out`)), timeoutMs);
    let received = Buffer.alloc(0);
    function fail(error: Error) {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    }
    socket.once('error', fail);
    socket.once('connect', () => {
      const key = randomBytes(16).toString('base64');
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      socket.off('error', fail);
      clearTimeout(timer);
      const status = received.subarray(0, received.indexOf('\r\n')).toString('latin1');
      if (!/^HTTP\/1\.1 101/.test(status)) return fail(new Error(`handshake refused: ${status}`));
      resolve({ socket, head: received.subarray(end + 4) });
    };
    socket.on('data', onData);
  });
}
