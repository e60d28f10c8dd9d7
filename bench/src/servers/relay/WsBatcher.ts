import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

interface Queue {
  ws: WebSocket;
  items: string[];
  closed: boolean;
}

/**
 * Per-target queues flushed once per event-loop turn, like `UwsBatcher`, for `ws`: `ws` writes
 * every frame with its own `writev`, so each flush corks the TCP socket under the WebSocket
 * (ws keeps it as `_socket`, not public API) and the whole turn's frames leave in one write.
 */
export class WsBatcher {
  private pending: Queue[] = [];
  private scheduled = false;

  queue(ws: WebSocket): Queue {
    return { ws, items: [], closed: false };
  }

  push(q: Queue, data: string): void {
    if (q.closed) return;
    if (q.items.length === 0) {
      this.pending.push(q);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    }
    q.items.push(data);
  }

  private flush = (): void => {
    this.scheduled = false;
    const pending = this.pending;
    this.pending = [];
    for (const q of pending) {
      const { items, ws } = q;
      q.items = [];
      if (q.closed) continue;
      const socket = (ws as unknown as { _socket?: Socket })._socket;
      socket?.cork();
      for (const data of items) ws.send(data);
      socket?.uncork();
    }
  };
}

export type WsBatchQueue = ReturnType<WsBatcher['queue']>;
