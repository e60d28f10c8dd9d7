import type { Peer } from '@mwse/client';
import type { ColumnItem } from '../ColumnItem.js';
import type { StudioContext } from '../StudioContext.js';
import { button, field, formRow, panel, section } from '../ui/controls.js';
import { parseInput } from '../ui/format.js';
import { View } from '../View.js';
import { infoItems, keyOf } from './infoItems.js';
import { ValueView } from './ValueView.js';

/**
 * A peer's info, key by key, live. Your own is editable: set a key (the value is JSON when it
 * parses, else text), or remove one from its value column.
 */
export class InfoView extends View {
  readonly kind = 'info';
  readonly #peer: Peer;
  readonly #key = field('Key');
  readonly #value = field('Value', 'Value (JSON or text)');

  constructor(ctx: StudioContext, peer: Peer) {
    super(ctx);
    this.#peer = peer;
  }

  title(): string {
    return this.#peer.isMe ? 'My info' : `Info of ${this.ctx.peers.name(this.#peer)}`;
  }

  override emptyText(): string {
    const card = this.ctx.peers.card(this.#peer);
    if (card?.hidden) return 'This peer keeps its info private (readable is off)';
    return card?.info ? 'No info set' : 'Loading…';
  }

  items(): ColumnItem[] {
    return infoItems(this.ctx.peers.info(this.#peer) ?? {});
  }

  override open(item: ColumnItem): View | undefined {
    const key = keyOf(item);
    const { peers, mwse } = this.ctx;
    const actions = this.#peer.isMe
      ? [{ label: `Remove “${key}”`, variant: 'danger' as const, run: async () => (await mwse.me.info.remove(key), `Removed ${key}`) }]
      : [];
    return new ValueView(this.ctx, key, () => peers.info(this.#peer)?.[key], [peers.changed], actions);
  }

  protected override start(): void {
    this.onDispose(this.ctx.peers.track(this.#peer));
    this.watch(this.ctx.peers.changed);
  }

  protected override panel(): HTMLElement | undefined {
    if (!this.#peer.isMe) return undefined;
    const set = () => {
      const key = this.#key.value.trim();
      if (!key) return this.report('Give the key a name', 'bad');
      const value = parseInput(this.#value.value);
      void this.run(`Setting ${key}`, () => this.ctx.mwse.me.info.set(key, value), () => {
        this.#value.value = '';
        return `Set ${key}`;
      });
    };
    return panel(section('Set a key', formRow(set, this.#key, this.#value, button('Set', set, 'primary'))));
  }
}
