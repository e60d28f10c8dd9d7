import type { ColumnItem } from '../ColumnItem.js';
import type { InboxEntry } from '../state/NotificationCenter.js';
import type { StudioContext } from '../StudioContext.js';
import { button, panel, section } from '../ui/controls.js';
import { h } from '../ui/dom.js';
import { clock, preview } from '../ui/format.js';
import { View } from '../View.js';
import { peerItem } from './peerItem.js';
import { PeerView } from './PeerView.js';
import { RoomView } from './RoomView.js';
import { ValueView } from './ValueView.js';

/** One notification (its fields, and its actions as buttons) or one room invitation. */
export class NotificationView extends View {
  readonly kind = 'notification';
  readonly #entry: InboxEntry;
  readonly #buttons: HTMLButtonElement[] = [];

  constructor(ctx: StudioContext, entry: InboxEntry) {
    super(ctx);
    this.#entry = entry;
  }

  title(): string {
    return this.#entry.kind === 'invite' ? 'Invitation' : this.#entry.notification.title;
  }

  items(): ColumnItem[] {
    const entry = this.#entry;
    const from = peerItem(this.ctx, entry.from, { id: 'from', group: 'From' });
    if (entry.kind === 'invite') {
      return [{ id: 'room', group: 'Room', label: entry.room.name, icon: '#', opens: true }, from];
    }
    const n = entry.notification;
    const items: ColumnItem[] = [];
    if (n.body) items.push({ id: 'body', group: 'Notification', label: n.body, icon: '¶', opens: true });
    if (n.data !== undefined) items.push({ id: 'data', group: 'Notification', label: 'Data', detail: preview(n.data, 40), icon: '{}', opens: true });
    items.push(
      { id: 'sent', group: 'Notification', label: 'Sent', detail: clock(n.sentAt), icon: '·' },
      { id: 'expires', group: 'Notification', label: 'Expires', detail: new Date(n.expiresAt).toLocaleString(), icon: '·' },
      from,
    );
    for (const action of n.actions) {
      items.push({ id: `action:${action.id}`, group: 'Actions', label: action.title, detail: action.id, icon: '▸', ...(entry.state.answer === action.id ? { badge: 'chosen', tone: 'good' as const } : {}) });
    }
    return items;
  }

  override open(item: ColumnItem): View | undefined {
    const entry = this.#entry;
    if (item.id === 'from') return entry.from.isMe ? undefined : new PeerView(this.ctx, entry.from);
    if (entry.kind === 'invite') return item.id === 'room' ? new RoomView(this.ctx, entry.room.name) : undefined;
    if (item.id === 'body') return new ValueView(this.ctx, 'Body', () => entry.notification.body);
    if (item.id === 'data') return new ValueView(this.ctx, 'Data', () => entry.notification.data);
    return undefined;
  }

  override activate(item: ColumnItem): void {
    if (item.id.startsWith('action:')) void this.#answer(item.id.slice('action:'.length));
  }

  protected override start(): void {
    this.watch(this.ctx.inbox.changed);
    this.watch(this.ctx.peers.changed);
  }

  protected override panel(): HTMLElement {
    const entry = this.#entry;
    const choices = entry.kind === 'invite'
      ? [button('Join room', () => void this.#answer('join'), 'primary'), button('Dismiss', () => void this.#answer('dismissed'))]
      : entry.notification.actions.map((action, index) => button(action.title, () => void this.#answer(action.id), index === 0 ? 'primary' : 'default'));
    this.#buttons.push(...choices);
    return panel(section(entry.kind === 'invite' ? 'Answer' : 'Reply', choices.length ? h('div', { class: 'mws-row' }, ...choices) : undefined));
  }

  protected override update(): void {
    for (const choice of this.#buttons) choice.disabled = this.#entry.state.answer !== undefined;
  }

  async #answer(action: string): Promise<void> {
    const entry = this.#entry;
    if (entry.state.answer !== undefined) return;
    if (entry.kind === 'notification') {
      const done = await this.run('Replying', () => entry.notification.reply(action).then(() => true), () => `Replied “${action}”`);
      if (done) this.ctx.inbox.answered(entry, action);
    } else if (action === 'join') {
      const done = await this.run(`Joining ${entry.room.name}`, () => entry.room.join(), () => `Joined ${entry.room.name}`);
      if (!done) return;
      this.ctx.traffic.watchRoom(entry.room);
      this.ctx.rooms.noteJoined(entry.room);
      this.ctx.inbox.answered(entry, 'joined');
    } else {
      this.ctx.inbox.answered(entry, 'dismissed');
    }
  }
}
