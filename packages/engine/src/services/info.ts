import type { Hub } from '../Hub.js';
import type { Service } from '../Service.js';
import { ServiceError } from '../ServiceError.js';

/**
 * Peer info: a small key/value pool per peer, written only by its owner, readable by anyone while
 * the owner's `readable` flag is on, and pushed to the owner's pairs (active sync) when its
 * `pairinfo` flag is on.
 */
export function createInfoService(hub: Hub): Service<'info/set' | 'info/get'> {
  return {
    handlers: {
      'info/set'(self, { key, value }) {
        const changed = self.info.set(key, value);
        if (changed && self.flags.pairinfo) {
          const push = hub.encode({ type: 'peer/info', from: self.id, key, value: value ?? null });
          for (const pair of self.pairs()) hub.sendEncoded(pair, push, 'peer/info');
        }
        return null;
      },

      'info/get'(self, { peer: id, key }) {
        const peer = hub.peer(id);
        if (!peer) {
          const node = hub.cluster?.nodeOf(id);
          if (node) return hub.cluster!.call(node, 'info/get', self, { peer: id, key });
          throw new ServiceError('unreachable', `peer ${id} is not connected`);
        }
        if (peer !== self && !peer.flags.readable) {
          throw new ServiceError('forbidden', `peer ${id} does not share its info`);
        }
        return key === undefined ? peer.info.toObject() : peer.info.get(key);
      },
    },

    remote: {
      'info/get'(_ghost, { peer: id, key }: { peer: string; key?: string }) {
        const peer = hub.peer(id);
        if (!peer) throw new ServiceError('unreachable', `peer ${id} is not connected`);
        if (!peer.flags.readable) throw new ServiceError('forbidden', `peer ${id} does not share its info`);
        return key === undefined ? peer.info.toObject() : peer.info.get(key);
      },
    },
  };
}
