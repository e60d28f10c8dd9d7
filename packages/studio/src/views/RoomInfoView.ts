import type { Room } from '@mwse/client';
import type { ColumnItem } from '../ColumnItem.js';
import { Signal } from '../state/Signal.js';
import type { StudioContext } from '../StudioContext.js';
import { button, field, formRow, panel, section } from '../ui/controls.js';
import { describeError, parseInput } from '../ui/format.js';
import { subscribe } from '../state/subscribe.js';
import { View } from '../View.js';
import { infoItems, keyOf } from './infoItems.js';
import { ValueView } from './ValueView.js';

/**
 * A room's shared info, key by key. Members are told of each change; a non-member is not, so it
 * polls until it joins. Members can set keys.
 */
export class RoomInfoView extends View {
  readonly kind = 'room-info';
  readonly #room: Room;
  readonly #changed = new Signal();
  #info: Record<string, unknown> | undefined;
  #error: string | undefined;
  readonly #key = field('Key');
  readonly #value = field('Value', 'Value (JSON or text)');
  readonly #set = button('Set', () => this.#doSet(), 'primary');

  constructor(ctx: StudioContext, room: Room) {
    super(ctx);
    this.#room = room;
  }

  title(): string {
    return `Info of ${this.#room.name}`;
  }

  override emptyText(): string {
    if (this.#error) return this.#error;
    return this.#info ? 'No info set' : 'Loading…';
  }

  items(): ColumnItem[] {
    return infoItems(this.#info ?? {});
  }

  override open(item: ColumnItem): View | undefined {
    const key = keyOf(item);
    return new ValueView(this.ctx, key, () => this.#info?.[key], [this.#changed]);
  }

  protected override start(): void {
    this.onDispose(
      subscribe(this.#room, 'info', (key, value) => {
        const next = { ...this.#info };
        if (value === null || value === undefined) delete next[key];
        else next[key] = value;
        this.#show(next);
      }),
    );
    this.every(this.ctx.pollInterval, () => {
      if (!this.#room.joined) void this.#fetch();
    });
    void this.#fetch();
  }

  protected override panel(): HTMLElement {
    const set = () => this.#doSet();
    return panel(section('Set a key', formRow(set, this.#key, this.#value, this.#set)));
  }

  protected override update(): void {
    const joined = this.#room.joined;
    for (const control of [this.#key, this.#value, this.#set]) control.disabled = !joined;
    this.#key.placeholder = joined ? 'Key' : 'Members only';
  }

  async #fetch(): Promise<void> {
    try {
      this.#error = undefined;
      this.#show(await this.#room.info.get());
    } catch (error) {
      this.#error = describeError(error);
      this.invalidate();
    }
  }

  #show(info: Record<string, unknown>): void {
    if (JSON.stringify(info) === JSON.stringify(this.#info)) return;
    this.#info = info;
    this.#changed.emit();
    this.invalidate();
  }

  #doSet(): void {
    const key = this.#key.value.trim();
    if (!key || !this.#room.joined) return;
    const value = parseInput(this.#value.value);
    void this.run(`Setting ${key}`, () => this.#room.info.set(key, value), () => {
      this.#value.value = '';
      void this.#fetch();
      return `Set ${key}`;
    });
  }
}
