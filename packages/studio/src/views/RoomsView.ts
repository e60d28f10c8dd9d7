import type { ColumnItem } from '../ColumnItem.js';
import { button, field, formRow, panel, section } from '../ui/controls.js';
import { View } from '../View.js';
import { RoomView } from './RoomView.js';

/** The server's public rooms (polled), and the rooms this connection is in. */
export class RoomsView extends View {
  readonly kind = 'rooms';
  readonly #name = field('Room name');

  title(): string {
    return 'Rooms';
  }

  override emptyText(): string {
    const { rooms } = this.ctx;
    if (rooms.error) return `Cannot list rooms: ${rooms.error}`;
    return rooms.loaded ? 'No public rooms yet' : 'Loading…';
  }

  items(): ColumnItem[] {
    const { rooms } = this.ctx;
    const joined = new Set(rooms.joined().map((room) => room.name));
    const items: ColumnItem[] = rooms.list.map((room) => ({
      id: `room:${room.name}`,
      label: room.name,
      detail: [room.joinType === 'free' ? '' : room.joinType, room.description ?? ''].filter(Boolean).join(' · '),
      badge: `${room.members} ${room.members === 1 ? 'member' : 'members'}`,
      icon: '#',
      opens: true,
      ...(joined.has(room.name) ? { tone: 'accent' as const } : {}),
    }));
    for (const name of joined) {
      if (!rooms.summary(name)) items.push({ id: `room:${name}`, label: name, detail: 'private', icon: '#', opens: true, tone: 'accent' });
    }
    return items;
  }

  override open(item: ColumnItem): View | undefined {
    return new RoomView(this.ctx, item.id.slice('room:'.length));
  }

  protected override start(): void {
    this.onDispose(this.ctx.rooms.use());
    this.watch(this.ctx.rooms.changed);
  }

  protected override panel(): HTMLElement {
    const go = () => void this.#join();
    return panel(section('Create or join', formRow(go, this.#name, button('Join', go, 'primary'))));
  }

  async #join(): Promise<void> {
    const name = this.#name.value.trim();
    if (!name) return this.report('Name the room', 'bad');
    // Joins the room when it exists, else creates a free, public one owned by this connection.
    const room = this.ctx.mwse.room({ name, ifexistsJoin: true });
    const joined = await this.run(`Joining ${name}`, () => room.createRoom(), (description) =>
      description.created ? `Created ${name}` : `Joined ${name}`,
    );
    if (!joined) return;
    this.#name.value = '';
    this.ctx.traffic.watchRoom(room);
    this.ctx.rooms.noteJoined(room);
  }
}
