import type { Peer } from '@mwse/client';
import type { ColumnItem, Tone } from '../ColumnItem.js';
import type { PairState } from '../state/PairBook.js';
import type { StudioContext } from '../StudioContext.js';
import { shortId } from '../ui/format.js';

/** How a pair state reads on screen. */
export const PAIR_LABELS: Record<PairState, { text: string; tone: Tone }> = {
  none: { text: 'not paired', tone: 'muted' },
  incoming: { text: 'asks to pair', tone: 'warn' },
  outgoing: { text: 'pair asked', tone: 'accent' },
  paired: { text: 'paired', tone: 'good' },
};

/** A list row for `peer`: its info name, avatar, short id and pair state. */
export function peerItem(ctx: StudioContext, peer: Peer, extra: Partial<ColumnItem> = {}): ColumnItem {
  const state = ctx.pairs.state(peer);
  const gone = ctx.peers.gone(peer);
  const item: ColumnItem = {
    id: `peer:${peer.socketId}`,
    label: ctx.peers.name(peer),
    detail: shortId(peer.socketId),
    avatar: peer.socketId,
    opens: true,
    keywords: peer.socketId,
    ...extra,
  };
  if (gone) return { ...item, badge: 'left', tone: 'muted' };
  if (state !== 'none' && item.badge === undefined) return { ...item, badge: PAIR_LABELS[state].text, tone: PAIR_LABELS[state].tone };
  return item;
}

/**
 * Keeps the peers of a changing list tracked by the directory (their info fetched and polled):
 * call it with the current list on every render; `release` forgets them all.
 */
export class TrackedPeers {
  readonly #ctx: StudioContext;
  #tracked = new Map<string, () => void>();

  constructor(ctx: StudioContext) {
    this.#ctx = ctx;
  }

  /** Tracks exactly `peers` from now on. */
  set(peers: Iterable<Peer>): void {
    const next = new Map<string, () => void>();
    for (const peer of peers) {
      next.set(peer.socketId, this.#tracked.get(peer.socketId) ?? this.#ctx.peers.track(peer));
    }
    for (const [id, untrack] of this.#tracked) if (!next.has(id)) untrack();
    this.#tracked = next;
  }

  /** Stops tracking every peer. */
  release(): void {
    this.set([]);
  }
}
