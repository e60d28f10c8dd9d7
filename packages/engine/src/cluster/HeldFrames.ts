import type { WireData } from '@mwse/protocol';
import type { Op } from './Bus.js';

/** What is held for one away session: frames to deliver, and ops for its node to run. */
type Held = { data: WireData; type: string } | { op: Op };

/** Held per session at most; past it, what comes is dropped (the session would overflow anyway). */
const MAX_HELD = 1024;

/**
 * Frames and ops for sessions of a node this node knows is dead, held until the session is
 * taken over (then they go to its new node, in order, before anything sent after the move) or
 * ends (docs/cluster.md, "Node death"). Frames published to the dead node before this node
 * knew are not here: they are in its bus log, which the taker reads (cluster/Takeover.ts).
 */
export class HeldFrames {
  private readonly held = new Map<string, Held[]>();
  /** Frames dropped because a session's share was full (a counter for the docs' figures). */
  dropped = 0;

  hold(id: string, item: Held): void {
    const list = this.held.get(id);
    if (!list) this.held.set(id, [item]);
    else if (list.length < MAX_HELD) list.push(item);
    else this.dropped += 1;
  }

  /** Everything held for `id`, oldest first; forgotten here. */
  take(id: string): Held[] | undefined {
    const list = this.held.get(id);
    this.held.delete(id);
    return list;
  }

  forget(id: string): void {
    this.held.delete(id);
  }

  get size(): number {
    return this.held.size;
  }
}
