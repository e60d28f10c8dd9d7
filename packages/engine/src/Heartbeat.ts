import { CloseCode } from '@mwse/protocol';
import type { Hub } from './Hub.js';

/**
 * Pings every peer each interval and closes those silent for two intervals (no frame, no pong)
 * with 4000: their TCP connection may be dead without a FIN, and only traffic can tell.
 */
export class Heartbeat {
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly hub: Hub,
    private readonly interval: number,
  ) {
    this.timer = setInterval(() => this.tick(), interval);
    this.timer.unref();
  }

  private tick(): void {
    const deadline = Date.now() - 2 * this.interval;
    for (const peer of this.hub.allPeers()) {
      // Away sessions have no socket to ping; their grace window bounds them.
      if (!peer.socketOpen) continue;
      // A live but unresponsive client gets the documented close code; a dead connection never
      // completes the close handshake, and the hub drops its socket after a grace period. A
      // resumable session outlives it and waits for its client to come back.
      if (peer.lastSeen < deadline) this.hub.drop(peer, CloseCode.HeartbeatTimeout, 'heartbeat timeout');
      else {
        peer.socket.ping();
        // An idle session lets go of the ring its frames were written into (`Session.rest`).
        peer.session?.rest();
      }
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
