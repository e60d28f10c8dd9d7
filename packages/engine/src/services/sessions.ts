import type { Hub } from '../Hub.js';
import type { Peer } from '../Peer.js';
import type { Service } from '../Service.js';
import { ServiceError } from '../ServiceError.js';

/**
 * Session control frames that reached the ordinary decoder: written another way than the SDK
 * writes them (the hub routes `{"type":"session/…` before counting). They are not counted in
 * the session's sequence either, so the count the hub took for them is given back.
 */
export function createSessionService(hub: Hub): Service<'session/ack' | 'session/end' | 'session/resume'> {
  const uncount = (peer: Peer) => {
    if (peer.session) peer.session.applied -= 1;
  };
  return {
    handlers: {
      'session/ack'(peer, { seq }) {
        uncount(peer);
        peer.session?.ack(seq);
      },
      'session/end'(peer) {
        uncount(peer);
        if (peer.session) hub.sessions.end(peer, 'ended');
      },
      'session/resume'(peer) {
        uncount(peer);
        throw new ServiceError('bad-frame', 'session/resume is only read as the first frame of a socket opened with ?resume=1');
      },
    },
  };
}
