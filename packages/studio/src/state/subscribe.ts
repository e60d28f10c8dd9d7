import type { MWSE, MWSEEvents, Peer, PeerEvents, Room, RoomEvents } from '@mwse/client';

// One overload per SDK emitter: TypeScript types a listener's arguments from an overload's event
// map, where a generic "events of this emitter" type would leave them `any`.

/** Adds `listener` to `emitter`'s `event`; returns the function that removes it. */
export function subscribe<K extends keyof MWSEEvents>(emitter: MWSE, event: K, listener: MWSEEvents[K]): () => void;
export function subscribe<K extends keyof PeerEvents>(emitter: Peer, event: K, listener: PeerEvents[K]): () => void;
export function subscribe<K extends keyof RoomEvents>(emitter: Room, event: K, listener: RoomEvents[K]): () => void;
export function subscribe(emitter: MWSE | Peer | Room, event: string, listener: (...args: never[]) => void): () => void {
  const target = emitter as unknown as { on(event: string, listener: unknown): void; off(event: string, listener: unknown): void };
  target.on(event, listener);
  return () => target.off(event, listener);
}
