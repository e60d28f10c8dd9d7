import { TurnBatcher, type TurnQueue } from './TurnBatcher.js';

/** The part of a uWebSockets.js socket the batcher needs. */
export interface CorkableSocket {
  cork(fn: () => void): unknown;
  send(data: string | Uint8Array, isBinary?: boolean): number;
}

/** Per-target queues flushed once per loop turn, each target's frames inside one `cork`. */
export class UwsBatcher extends TurnBatcher<CorkableSocket, string | Uint8Array> {
  protected write(socket: CorkableSocket, items: (string | Uint8Array)[]): void {
    socket.cork(() => {
      for (const data of items) socket.send(data, false);
    });
  }
}

export type BatchQueue = TurnQueue<CorkableSocket, string | Uint8Array>;
