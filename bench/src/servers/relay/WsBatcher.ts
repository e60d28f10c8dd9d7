import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { TurnBatcher, type TurnQueue } from './TurnBatcher.js';

/**
 * Per-target queues flushed once per loop turn, for `ws`: `ws` writes every frame with its own
 * `writev`, so each flush corks the TCP socket under the WebSocket (ws keeps it as `_socket`, not
 * public API) and the whole turn's frames leave in one write.
 */
export class WsBatcher extends TurnBatcher<WebSocket, string> {
  protected write(ws: WebSocket, items: string[]): void {
    const socket = (ws as unknown as { _socket?: Socket })._socket;
    socket?.cork();
    for (const data of items) ws.send(data);
    socket?.uncork();
  }
}

export type WsBatchQueue = TurnQueue<WebSocket, string>;
