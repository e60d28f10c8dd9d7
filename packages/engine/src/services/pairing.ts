import type { PairList } from '@mwse/protocol';
import type { Hub } from '../Hub.js';
import type { Peer } from '../Peer.js';
import type { Service } from '../Service.js';
import { ServiceError } from '../ServiceError.js';

type PairingFrames =
  | 'pair/request'
  | 'pair/accept'
  | 'pair/reject'
  | 'pair/end'
  | 'pair/list'
  | 'peer/reachable'
  | 'session/set';

/**
 * Pair-auth, session flags and the watch relation (SPEC §4). `trusted` holds whom a peer accepts
 * direct traffic from; asking to pair counts as consent, so accepting a request trusts both ways.
 */
export function createPairingService(hub: Hub): Service<PairingFrames> {
  function other(self: Peer, id: string): Peer {
    const peer = hub.peer(id);
    if (!peer) throw new ServiceError('unreachable', `peer ${id} is not connected`);
    if (peer === self) throw new ServiceError('forbidden', 'a peer cannot pair with itself');
    return peer;
  }

  function trust(peer: Peer, other: Peer): void {
    peer.relate('trusted', other);
    other.relate('trustedBy', peer);
  }

  function untrust(peer: Peer, other: Peer): void {
    peer.unrelate('trusted', other);
    other.unrelate('trustedBy', peer);
  }

  function dropRequest(from: Peer, to: Peer): void {
    to.unrelate('pairRequestsFrom', from);
    from.unrelate('pairRequestsTo', to);
  }

  return {
    handlers: {
      'pair/request'(self, { to }) {
        const peer = other(self, to);
        self.watch(peer);
        peer.relate('pairRequestsFrom', self);
        self.relate('pairRequestsTo', peer);
        hub.send(peer, { type: 'pair/request', from: self.id });
        return null;
      },

      'pair/accept'(self, { to }) {
        const peer = other(self, to);
        self.watch(peer);
        trust(self, peer);
        if (self.pairRequestsFrom.has(peer)) {
          dropRequest(peer, self);
          trust(peer, self);
        }
        hub.send(peer, { type: 'pair/accepted', from: self.id });
        return null;
      },

      'pair/reject'(self, { to }) {
        const peer = hub.peer(to);
        if (peer && self.pairRequestsFrom.has(peer)) {
          dropRequest(peer, self);
          hub.send(peer, { type: 'pair/ended', from: self.id });
        }
        return null;
      },

      'pair/end'(self, { to }) {
        const peer = hub.peer(to);
        if (!peer || peer === self) return null;
        untrust(self, peer);
        untrust(peer, self);
        dropRequest(self, peer);
        dropRequest(peer, self);
        hub.send(peer, { type: 'pair/ended', from: self.id });
        return null;
      },

      'pair/list'(self): PairList {
        const ids = (peers: ReadonlySet<Peer>) => Array.from(peers, (peer) => peer.id);
        return {
          accepted: ids(self.trusted),
          acceptedBy: ids(self.trustedBy),
          incoming: ids(self.pairRequestsFrom),
          outgoing: ids(self.pairRequestsTo),
        };
      },

      'peer/reachable'(_self, { peer }) {
        return hub.peer(peer) !== undefined;
      },

      'session/set'(self, { flags }) {
        Object.assign(self.flags, flags);
        return { ...self.flags };
      },
    },

    disconnect(peer) {
      for (const p of peer.trusted) p.unrelate('trustedBy', peer);
      for (const p of peer.trustedBy) p.unrelate('trusted', peer);
      for (const p of peer.pairRequestsFrom) p.unrelate('pairRequestsTo', peer);
      for (const p of peer.pairRequestsTo) p.unrelate('pairRequestsFrom', peer);
      const notice = hub.encode({ type: 'peer/disconnect', peer: peer.id });
      for (const watcher of peer.watchers) {
        watcher.unrelate('watchers', peer);
        hub.sendEncoded(watcher, notice, 'peer/disconnect');
      }
    },
  };
}
