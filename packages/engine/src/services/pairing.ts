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
  const { cluster } = hub;

  function other(self: Peer, id: string): Peer {
    const peer = hub.peer(id) ?? cluster?.ghostFor(id);
    if (!peer) throw new ServiceError('unreachable', `peer ${id} is not connected`);
    if (peer === self) throw new ServiceError('forbidden', 'a peer cannot pair with itself');
    return peer;
  }

  /** The local peer `id`, for the remote half of an operation; `unreachable` when not here. */
  function here(id: string): Peer {
    const peer = hub.peer(id);
    if (!peer) throw new ServiceError('unreachable', `peer ${id} is not connected`);
    return peer;
  }

  /*
   * Each operation below is a change to the relations of two peers, written once and run on
   * both peers' nodes in cluster mode (each node with its own objects: a peer here, a ghost for
   * one elsewhere), so both hold the edges that touch their peers. The decisions that read one
   * side's state are taken on that side and passed along.
   */
  function requested(self: Peer, peer: Peer): void {
    self.watch(peer);
    peer.relate('pairRequestsFrom', self);
    self.relate('pairRequestsTo', peer);
  }

  function accepted(self: Peer, peer: Peer, hadRequest: boolean): void {
    self.watch(peer);
    trust(self, peer);
    if (hadRequest) {
      dropRequest(peer, self);
      trust(peer, self);
    }
  }

  function ended(self: Peer, peer: Peer): void {
    untrust(self, peer);
    untrust(peer, self);
    dropRequest(self, peer);
    dropRequest(peer, self);
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
        if (peer.remote !== undefined) {
          return cluster!.call(peer.remote, 'pair/request', self, { to }, () => requested(self, peer)).then(
            () => null,
            (error: unknown) => {
              cluster!.forgetIfIdle(peer);
              throw error;
            },
          );
        }
        requested(self, peer);
        hub.send(peer, { type: 'pair/request', from: self.id });
        return null;
      },

      'pair/accept'(self, { to }) {
        const peer = other(self, to);
        const hadRequest = self.pairRequestsFrom.has(peer);
        if (peer.remote !== undefined) {
          return cluster!.call(peer.remote, 'pair/accept', self, { to, hadRequest }, () => accepted(self, peer, hadRequest)).then(
            () => null,
            (error: unknown) => {
              cluster!.forgetIfIdle(peer);
              throw error;
            },
          );
        }
        accepted(self, peer, hadRequest);
        hub.send(peer, { type: 'pair/accepted', from: self.id });
        return null;
      },

      'pair/reject'(self, { to }) {
        const peer = hub.peer(to) ?? cluster?.ghost(to);
        if (peer && self.pairRequestsFrom.has(peer)) {
          dropRequest(peer, self);
          if (peer.remote !== undefined) cluster!.send(peer.remote, 'pair/reject', self, { to });
          else hub.send(peer, { type: 'pair/ended', from: self.id });
        }
        return null;
      },

      'pair/end'(self, { to }) {
        const peer = hub.peer(to) ?? cluster?.ghostFor(to);
        if (!peer || peer === self) return null;
        ended(self, peer);
        if (peer.remote !== undefined) {
          cluster!.send(peer.remote, 'pair/end', self, { to });
          cluster!.forgetIfIdle(peer);
        } else hub.send(peer, { type: 'pair/ended', from: self.id });
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

      'peer/reachable'(self, { peer }) {
        if (hub.peer(peer)) return true;
        const node = cluster?.nodeOf(peer);
        return node === undefined ? false : cluster!.call(node, 'peer/reachable', self, { peer });
      },

      'session/set'(self, { flags }) {
        Object.assign(self.flags, flags);
        return { ...self.flags };
      },
    },

    remote: {
      'pair/request'(ghost, { to }: { to: string }) {
        const peer = here(to);
        requested(ghost, peer);
        hub.send(peer, { type: 'pair/request', from: ghost.id });
        return null;
      },
      'pair/accept'(ghost, { to, hadRequest }: { to: string; hadRequest: boolean }) {
        const peer = here(to);
        accepted(ghost, peer, hadRequest);
        hub.send(peer, { type: 'pair/accepted', from: ghost.id });
        return null;
      },
      'pair/reject'(ghost, { to }: { to: string }) {
        const peer = hub.peer(to);
        if (!peer) return;
        dropRequest(peer, ghost);
        hub.send(peer, { type: 'pair/ended', from: ghost.id });
      },
      'pair/end'(ghost, { to }: { to: string }) {
        const peer = hub.peer(to);
        if (!peer) return;
        ended(ghost, peer);
        hub.send(peer, { type: 'pair/ended', from: ghost.id });
      },
      'peer/reachable': (_ghost, { peer }: { peer: string }) => hub.peer(peer) !== undefined,
    },

    disconnect(peer) {
      for (const p of peer.trusted) p.unrelate('trustedBy', peer);
      for (const p of peer.trustedBy) p.unrelate('trusted', peer);
      for (const p of peer.pairRequestsFrom) p.unrelate('pairRequestsTo', peer);
      for (const p of peer.pairRequestsTo) p.unrelate('pairRequestsFrom', peer);
      const notice = hub.encode({ type: 'peer/disconnect', peer: peer.id });
      for (const watcher of peer.watchers) {
        watcher.unrelate('watchers', peer);
        // A watcher on another node is told by its own node, which forgets its ghost of `peer`.
        if (watcher.remote === undefined) hub.sendEncoded(watcher, notice, 'peer/disconnect');
      }
    },
  };
}
