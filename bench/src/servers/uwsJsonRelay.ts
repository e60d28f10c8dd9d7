import { BareRelay, type BarePeer } from './relay/BareRelay.js';
import { UwsBatcher, type BatchQueue } from './relay/UwsBatcher.js';
import { listenUws } from './relay/listenUws.js';
import { serve } from './serve.js';

/**
 * Bare uWebSockets.js JSON relay, batched: parse each frame, route it, stringify the outbound
 * frame, queue it per target, flush each target once per loop turn inside cork. The same work
 * MWSE does minus validation and services: the baseline for the "≥ 0.8×" target.
 */
interface Peer extends BarePeer {
  queue: BatchQueue;
}

const batcher = new UwsBatcher();
/** The fastest way to a string found here (as the engine's uWS transport does). */
const utf8 = new TextDecoder();
const relay = new BareRelay<Peer>((to, data) => batcher.push(to.queue, data));

const port = await listenUws<{ peer?: Peer }>({
  open(ws) {
    const peer: Peer = { id: BareRelay.newId(), closed: false, queue: batcher.queue(ws) };
    ws.getUserData().peer = peer;
    relay.open(peer);
  },
  message(ws, message) {
    const peer = ws.getUserData().peer;
    if (peer) relay.json(peer, utf8.decode(message));
  },
  close(ws) {
    const peer = ws.getUserData().peer;
    if (!peer) return;
    peer.queue.closed = true;
    relay.close(peer);
  },
});
serve(port);
