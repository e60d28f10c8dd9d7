import type { ColumnItem } from '../ColumnItem.js';
import { clock } from '../ui/format.js';
import { View } from '../View.js';
import { NotificationView } from './NotificationView.js';
import { TrackedPeers } from './peerItem.js';

/** Notifications and room invitations this connection received, newest first. */
export class NotificationsView extends View {
  readonly kind = 'notifications';
  readonly #tracked = new TrackedPeers(this.ctx);

  title(): string {
    return 'Notifications';
  }

  override emptyText(): string {
    return 'No notifications or invitations yet';
  }

  items(): ColumnItem[] {
    const { inbox, peers } = this.ctx;
    const entries = [...inbox.entries].reverse();
    this.#tracked.set(new Set(entries.map((entry) => entry.from)));
    return entries.map((entry) => {
      const title = entry.kind === 'invite' ? `Invitation to ${entry.room.name}` : entry.notification.title;
      const answer = entry.state.answer;
      return {
        id: entry.id,
        label: title,
        detail: `${peers.name(entry.from)} · ${clock(entry.at)}`,
        icon: entry.kind === 'invite' ? '#' : '✉',
        opens: true,
        ...(answer ? { badge: answer, tone: 'muted' as const } : entry.state.read ? {} : { badge: 'new', tone: 'accent' as const }),
        keywords: entry.kind === 'notification' ? (entry.notification.body ?? '') : '',
      };
    });
  }

  override open(item: ColumnItem): View | undefined {
    const entry = this.ctx.inbox.find(item.id);
    if (!entry) return undefined;
    this.ctx.inbox.markRead(entry);
    return new NotificationView(this.ctx, entry);
  }

  protected override start(): void {
    this.watch(this.ctx.inbox.changed);
    this.watch(this.ctx.peers.changed);
    this.onDispose(() => this.#tracked.release());
  }
}
