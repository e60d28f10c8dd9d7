import type { ColumnItem } from '../ColumnItem.js';
import { shortId } from '../ui/format.js';
import { subscribe } from '../state/subscribe.js';
import { View } from '../View.js';
import { AddressView } from './AddressView.js';
import { InfoView } from './InfoView.js';
import { SessionView } from './SessionView.js';
import { ValueView } from './ValueView.js';

/** This connection: its id, info, virtual address and session flags. */
export class MeView extends View {
  readonly kind = 'me';

  title(): string {
    return this.ctx.peers.name(this.ctx.mwse.me);
  }

  items(): ColumnItem[] {
    const { mwse, me, peers } = this.ctx;
    const info = peers.info(mwse.me);
    const flags = me.flags;
    const items: ColumnItem[] = [
      { id: 'socket', group: 'Connection', label: 'Socket id', detail: shortId(mwse.me.socketId), icon: '·', opens: true, keywords: mwse.me.socketId },
    ];
    const identity = mwse.server?.identity;
    if (identity !== undefined) items.push({ id: 'identity', group: 'Connection', label: 'Identity', detail: identity, icon: '·' });
    items.push(
      { id: 'info', group: 'Browse', label: 'Info', icon: '{}', opens: true, badge: info ? String(Object.keys(info).length) : '…' },
      { id: 'address', group: 'Browse', label: 'Virtual address', icon: '@', opens: true, detail: me.address?.ip ?? 'not claimed', ...(me.address ? {} : { tone: 'muted' as const }) },
      {
        id: 'session',
        group: 'Browse',
        label: 'Session flags',
        icon: '⚑',
        opens: true,
        detail: flags ? Object.entries(flags).filter(([, on]) => !on).map(([name]) => `${name} off`).join(', ') || 'defaults' : '…',
      },
    );
    return items;
  }

  override open(item: ColumnItem): View | undefined {
    const { mwse } = this.ctx;
    switch (item.id) {
      case 'socket':
        return new ValueView(this.ctx, 'Socket id', () => mwse.me.socketId);
      case 'info':
        return new InfoView(this.ctx, mwse.me);
      case 'address':
        return new AddressView(this.ctx);
      case 'session':
        return new SessionView(this.ctx);
      default:
        return undefined;
    }
  }

  protected override start(): void {
    const { mwse, me, peers } = this.ctx;
    this.onDispose(peers.track(mwse.me));
    this.watch(peers.changed);
    this.watch(me.changed);
    this.onDispose(subscribe(mwse, 'scope', () => this.invalidate()));
    if (!me.flags) me.readFlags().catch(() => {});
  }
}
