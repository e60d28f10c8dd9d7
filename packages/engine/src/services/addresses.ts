import type { Hub } from '../Hub.js';
import type { Service } from '../Service.js';
import { ServiceError } from '../ServiceError.js';

/** Virtual addresses of peers (SPEC §4): claim, resolve, release; released on disconnect. */
export function createAddressService(hub: Hub): Service<'address/claim' | 'address/release' | 'address/resolve'> {
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
