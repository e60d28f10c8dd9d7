import type { Peer } from '@mwse/client';
import type { ColumnItem } from '../ColumnItem.js';
import type { StudioContext } from '../StudioContext.js';
import { preview, shortId } from '../ui/format.js';
import { View } from '../View.js';
import { PAIR_LABELS } from './peerItem.js';
import { PeerActions } from './PeerActions.js';
import { TrafficView } from './TrafficView.js';
import { ValueView } from './ValueView.js';

/** Another peer: its info (live), where pairing with it stands, its traffic, and what to do with it. */
export class PeerView extends View {
  readonly kind = 'peer';
  readonly #peer: Peer;
  readonly #actions: PeerActions;

  constructor(ctx: StudioContext, peer: Peer) {
    super(ctx);
    this.#peer = peer;
    this.#actions = new PeerActions(ctx, peer, {
      run: (doing, task, done) => this.run(doing, task, done),
      report: (text, tone) => this.report(text, tone),
    });
  }

  title(): string {
    return this.ctx.peers.name(this.#peer);
  }

  items(): ColumnItem[] {
    const { ctx } = this;
    const peer = this.#peer;
    const card = ctx.peers.card(peer);
    const pair = PAIR_LABELS[ctx.pairs.state(peer)];
    const traffic = ctx.traffic.entries.filter((entry) => entry.peer === peer && entry.room === undefined).length;
    const items: ColumnItem[] = [
      { id: 'socket', group: 'Peer', label: 'Socket id', detail: shortId(peer.socketId), icon: '·', opens: true, aside: true, keywords: peer.socketId },
      { id: 'pair', group: 'Peer', label: 'Pairing', icon: '⇄', aside: true, badge: card?.gone ? 'left' : pair.text, tone: card?.gone ? 'muted' : pair.tone },
      { id: 'traffic', group: 'Peer', label: 'Traffic', icon: '⇅', opens: true, aside: true, badge: String(traffic) },
    ];
    if (card?.hidden) items.push({ id: 'hidden', group: 'Info', label: 'Info is private', detail: 'readable is off', icon: '·', tone: 'muted', aside: true });
    for (const [key, value] of Object.entries(card?.info ?? {})) {
      items.push({ id: `key:${key}`, group: 'Info', label: key, detail: preview(value, 40), icon: '·', opens: true, keywords: preview(value, 400) });
    }
    return items;
  }

  override open(item: ColumnItem): View | undefined {
    const { ctx } = this;
    const peer = this.#peer;
    if (item.id === 'socket') return new ValueView(ctx, 'Socket id', () => peer.socketId);
    if (item.id === 'traffic') {
      return new TrafficView(ctx, `Traffic with ${ctx.peers.name(peer)}`, (entry) => entry.peer === peer && entry.room === undefined);
    }
    if (!item.id.startsWith('key:')) return undefined;
    const key = item.id.slice('key:'.length);
    return new ValueView(ctx, key, () => ctx.peers.info(peer)?.[key], [ctx.peers.changed]);
  }

  protected override start(): void {
    const { ctx } = this;
    this.onDispose(ctx.peers.track(this.#peer));
    for (const store of [ctx.peers, ctx.pairs, ctx.traffic]) this.watch(store.changed);
  }

  protected override panel(): HTMLElement {
    return this.#actions.element;
  }

  protected override update(): void {
    this.#actions.update();
  }
}
