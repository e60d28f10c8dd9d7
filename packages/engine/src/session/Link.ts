import type { Admitted } from '../admission/Admission.js';
import type { Peer } from '../Peer.js';
import type { TransportSocket } from '../transports/Transport.js';

/** How long a socket the server closes may take to finish the close handshake. */
export const CLOSE_GRACE = 2000;

/**
 * One WebSocket as the engine holds it: what the transport hands back on every event. It points
 * at the session (`Peer`) it carries now, which may change: a session outlives its socket, and a
 * resumed session moves to a new one. A socket opened to resume has no peer until its first frame
 * says which session it takes over; a socket whose session moved on points at none, and whatever
 * it still sends is ignored.
 */
export class Link {
  peer: Peer | undefined;
  /** The transport has not reported this socket closed. */
  open = true;
  /** Closes a socket that was opened to resume but never said which session. */
  deadline: NodeJS.Timeout | undefined;

  constructor(
    readonly socket: TransportSocket,
    readonly admitted: Admitted,
  ) {}

  /**
   * Close with a close frame; a socket still open `CLOSE_GRACE` ms later is dropped (a dead or
   * paused peer never completes the handshake).
   */
  close(code: number, reason: string): void {
    if (!this.open) return;
    this.socket.close(code, reason);
    setTimeout(() => {
      if (this.open) this.socket.terminate();
    }, CLOSE_GRACE).unref();
  }
}
