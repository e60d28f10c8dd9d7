import type { ColumnItem } from '../ColumnItem.js';
import { shortId } from '../ui/format.js';
import { subscribe } from '../state/subscribe.js';
import { View } from '../View.js';
import { MeView } from './MeView.js';
import { NotificationsView } from './NotificationsView.js';
import { PairsView } from './PairsView.js';
import { RoomsView } from './RoomsView.js';
import { ServerView } from './ServerView.js';
import { TrafficView } from './TrafficView.js';

/** The first column: me, what there is to browse, and the server. */
export class RootView extends View {
  readonly kind = 'root';

  title(): string {
    return 'MWSE';
  }

  items(): ColumnItem[] {
    const { mwse, rooms, pairs, inbox, traffic } = this.ctx;
    const paired = pairs.count('paired');
    const pending = pairs.count('incoming') + pairs.count('outgoing');
    const server = mwse.server;
    return [
      { id: 'me', group: 'This peer', label: 'Me', detail: this.#whoAmI(), icon: '◉', opens: true },
      { id: 'rooms', group: 'Browse', label: 'Rooms', icon: '#', opens: true, ...(rooms.loaded ? { badge: String(rooms.list.length) } : {}) },
      { id: 'pairs', group: 'Browse', label: 'Pairs', icon: '⇄', opens: true, badge: pending ? `${paired} · ${pending} pending` : String(paired), ...(pairs.count('incoming') ? { tone: 'warn' as const } : {}) },
      { id: 'notifications', group: 'Browse', label: 'Notifications', icon: '✉', opens: true, badge: String(inbox.entries.length), ...(inbox.unread ? { tone: 'accent' as const, badge: `${inbox.unread} new` } : {}) },
      { id: 'traffic', group: 'Browse', label: 'Traffic', icon: '⇅', opens: true, badge: String(traffic.entries.length) },
      { id: 'server', group: 'Server', label: server ? `${server.server} ${server.version}` : 'Server', detail: hostOf(mwse.endpoint), icon: '▣', opens: true },
    ];
  }

  override open(item: ColumnItem): View | undefined {
    switch (item.id) {
      case 'me':
        return new MeView(this.ctx);
      case 'rooms':
        return new RoomsView(this.ctx);
      case 'pairs':
        return new PairsView(this.ctx);
      case 'notifications':
        return new NotificationsView(this.ctx);
      case 'traffic':
        return new TrafficView(this.ctx, 'Traffic', () => true);
      case 'server':
        return new ServerView(this.ctx);
      default:
        return undefined;
    }
  }

  #whoAmI(): string {
    const { mwse, peers } = this.ctx;
    if (!mwse.connected) return 'offline';
    const name = peers.name(mwse.me);
    return name === 'Me' ? shortId(mwse.me.socketId) : `${name} · ${shortId(mwse.me.socketId)}`;
  }

  protected override start(): void {
    const { mwse, rooms, pairs, inbox, traffic, peers } = this.ctx;
    this.onDispose(rooms.use());
    this.onDispose(peers.track(mwse.me));
    for (const store of [rooms, pairs, inbox, traffic, peers]) this.watch(store.changed);
    this.onDispose(subscribe(mwse, 'scope', () => this.invalidate()));
    this.onDispose(subscribe(mwse, 'disconnect', () => this.invalidate()));
  }
}

function hostOf(endpoint: string): string {
  try {
    return new URL(endpoint).host;
  } catch {
    return endpoint;
  }
}
