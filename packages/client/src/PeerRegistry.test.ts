import { describe, expect, it, vi } from 'vitest';
import type { Peer } from './Peer.js';
import { PeerRegistry } from './PeerRegistry.js';
import { ids, settle } from './test/fakeServer.js';
import { startClient } from './test/startClient.js';

const gc = (globalThis as { gc?: () => void }).gc;

/** Collects garbage; WeakRefs only clear after the job that last touched them ends. */
async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await settle();
    gc?.();
  }
}

function fakePeer(socketId: string): Peer {
  return { socketId } as Peer;
}

describe('PeerRegistry', () => {
  it('finds what it holds, and pins/unpins only the object given', () => {
    const registry = new PeerRegistry();
    const a = fakePeer(ids.alice);
    registry.add(a);
    expect(registry.get(ids.alice)).toBe(a);
    registry.pin(a, true);
    expect(registry.pinnedCount).toBe(1);
    registry.pin(fakePeer(ids.alice), false); // another object with the same id
    expect(registry.pinnedCount).toBe(1);
    registry.pin(a, false);
    expect(registry.pinnedCount).toBe(0);
  });

  describe.skipIf(!gc)('with garbage collection', () => {
    it('lets an unpinned peer nobody holds be collected', async () => {
      const registry = new PeerRegistry();
      registry.add(fakePeer(ids.alice));
      await collect();
      expect(registry.get(ids.alice)).toBeUndefined();
    });

    it('keeps a pinned peer nobody else holds', async () => {
      const registry = new PeerRegistry();
      (() => {
        const peer = fakePeer(ids.bob);
        registry.add(peer);
        registry.pin(peer, true);
      })();
      await collect();
      expect(registry.get(ids.bob)?.socketId).toBe(ids.bob);
    });

    it('a peer with a listener keeps receiving after a collection (regression guard for weak caching)', async () => {
      const { mwse, socket } = startClient();
      const onMessage = vi.fn();
      mwse.peer(ids.alice).on('message', onMessage); // no reference kept
      await collect();
      socket().push({ type: 'pack', from: ids.alice, pack: 'still here' });
      expect(onMessage).toHaveBeenCalledWith('still here');
    });

    it('releases a peer with listeners once the server said it disconnected', async () => {
      const { mwse, socket } = startClient();
      // A counter, not vi.fn(): a mock would keep the peers it was called with alive.
      let created = 0;
      mwse.on('peer', () => created++);
      mwse.peer(ids.alice).on('disconnect', () => {}); // no reference kept
      await collect();
      mwse.peer(ids.alice);
      expect(created).toBe(1); // still pinned: the same object came back
      socket().push({ type: 'peer/disconnect', peer: ids.alice });
      await collect();
      mwse.peer(ids.alice);
      expect(created).toBe(2); // released and collected: a fresh object
    });
  });
});
