import { sharedAddresses } from '../cluster/SharedAddresses.js';
import type { Hub } from '../Hub.js';
import type { Service } from '../Service.js';
import { ServiceError } from '../ServiceError.js';

/**
 * Virtual addresses of peers (SPEC §4): claim, resolve, release; released on disconnect. In a
 * cluster they are unique across the nodes and resolved from any of them (`SharedAddresses`).
 */
export function createAddressService(hub: Hub): Service<'address/claim' | 'address/release' | 'address/resolve'> {
  if (hub.cluster) return clusterAddressService(hub);
  return {
    handlers: {
      'address/claim'(self) {
        const address = hub.addresses.claim(self);
        if (!address) throw new ServiceError('exhausted', 'no virtual address is free');
        return address;
      },

      'address/release'(self) {
        hub.addresses.release(self);
        return null;
      },

      'address/resolve'(_self, { address }) {
        const peer = hub.addresses.resolve(address);
        if (!peer) throw new ServiceError('not-found', `no peer holds ${address}`);
        return peer.id;
      },
    },

    disconnect(peer) {
      hub.addresses.release(peer);
    },
  };
}

function clusterAddressService(hub: Hub): Service<'address/claim' | 'address/release' | 'address/resolve'> {
  const shared = sharedAddresses(hub);
  return {
    handlers: {
      async 'address/claim'(self) {
        const address = await shared.claim(self);
        if (!address) throw new ServiceError('exhausted', 'no virtual address is free');
        return address;
      },

      async 'address/release'(self) {
        await shared.release(self);
        return null;
      },

      async 'address/resolve'(self, { address }) {
        const id = await shared.resolve(self, address);
        if (id === undefined) throw new ServiceError('not-found', `no peer holds ${address}`);
        return id;
      },
    },

    remote: {
      // An address in the /24 of a room homed here, asked by another node.
      'address/resolve': (_ghost, { address }: { address: string }) => hub.addresses.resolve(address)?.id ?? null,
    },

    disconnect(peer) {
      if (peer.remote === undefined) void shared.release(peer);
      // A session that moved to another node took its address along: only this book forgets it.
      else hub.addresses.release(peer);
    },
  };
}
