import type { WireData } from '@mwse/protocol';
import type { TransportSocket } from '../transports/Transport.js';

/**
 * A transport socket for unit tests: it records what it is sent, and holds every byte in its
 * buffer (as a reader that does not read) unless `drains`.
 */
export class FakeSocket implements TransportSocket {
  readonly remoteAddress = '127.0.0.1';
  sent: WireData[] = [];
  /** For each of `sent`: it was to go as a text frame (strings, and bytes sent as text). */
  asText: boolean[] = [];
  corks = 0;
  buffered = 0;
  /** A reader that keeps up: the kernel takes every byte at once. */
  drains = false;
  send(data: WireData, text = false) {
    this.sent.push(data);
    this.asText.push(typeof data === 'string' || text);
    if (!this.drains) this.buffered += data.length;
    return false;
  }
  cork(fn: () => void) {
    this.corks++;
    fn();
  }
  bufferedAmount() {
    return this.buffered;
  }
  ping() {}
  close() {}
  terminate() {}
}
