import type { ColumnItem } from '../ColumnItem.js';
import type { PairEntry } from '../state/PairBook.js';
import { View } from '../View.js';
import { peerItem, TrackedPeers } from './peerItem.js';
import { PeerView } from './PeerView.js';

const GROUPS: Record<PairEntry['state'], string> = {
  incoming: 'Asking you',
  outgoing: 'You asked',
  paired: 'Paired',
};
const ORDER: Array<PairEntry['state']> = ['incoming', 'paired', 'outgoing'];

/** My pairs and pending pair requests, both ways, live. */
export class PairsView extends View {
  readonly kind = 'pairs';
  readonly #tracked = new TrackedPeers(this.ctx);

  title(): string {
    return 'Pairs';
  }

  override emptyText(): string {
    return 'No pairs or pair requests';
  }

  items(): ColumnItem[] {
    const entries = [...this.ctx.pairs.entries].sort((a, b) => ORDER.indexOf(a.state) - ORDER.indexOf(b.state));
    this.#tracked.set(entries.map((entry) => entry.peer));
    return entries.map((entry) => peerItem(this.ctx, entry.peer, { group: GROUPS[entry.state] }));
  }

  override open(item: ColumnItem): View | undefined {
    const entry = this.ctx.pairs.entries.find((candidate) => `peer:${candidate.peer.socketId}` === item.id);
    return entry && new PeerView(this.ctx, entry.peer);
  }

  protected override start(): void {
    this.watch(this.ctx.pairs.changed);
    this.watch(this.ctx.peers.changed);
    this.onDispose(() => this.#tracked.release());
  }
}
