import type { ColumnItem } from '../ColumnItem.js';
import type { Signal } from '../state/Signal.js';
import type { StudioContext } from '../StudioContext.js';
import { button, panel, type ButtonVariant } from '../ui/controls.js';
import { h, setText } from '../ui/dom.js';
import { preview, pretty } from '../ui/format.js';
import { View } from '../View.js';

/** A button under a value. */
export interface ValueAction {
  label: string;
  variant?: ButtonVariant;
  /** Does it; resolves with what the status line then says. */
  run(): Promise<string>;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `array · ${value.length} items`;
  if (typeof value === 'object') return `object · ${Object.keys(value).length} keys`;
  if (typeof value === 'string') return `string · ${value.length} characters`;
  return typeof value;
}

function isBranch(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.keys(value).length > 0;
}

/**
 * Any JSON value: objects and arrays list their entries (each opens further to the right), and the
 * whole value shows indented under the list. Live when given the signals its value changes with.
 */
export class ValueView extends View {
  readonly kind = 'value';
  override readonly width = 'wide';
  readonly #title: string;
  readonly #read: () => unknown;
  readonly #signals: readonly Signal[];
  readonly #actions: readonly ValueAction[];
  readonly #type = h('p', { class: 'mws-value__type' });
  readonly #code = h('pre', { class: 'mws-code', attrs: { tabindex: '0' } });
  readonly #box = h('div', { class: 'mws-value' }, this.#type, this.#code);

  constructor(ctx: StudioContext, title: string, read: () => unknown, signals: readonly Signal[] = [], actions: readonly ValueAction[] = []) {
    super(ctx);
    this.#title = title;
    this.#read = read;
    this.#signals = signals;
    this.#actions = actions;
  }

  title(): string {
    return this.#title;
  }

  override emptyText(): string {
    return '';
  }

  items(): ColumnItem[] {
    const value = this.#read();
    if (!isBranch(value)) return [];
    return Object.entries(value).map(([key, entry]) => ({
      id: `key:${key}`,
      label: key,
      detail: preview(entry, 48),
      icon: isBranch(entry) ? (Array.isArray(entry) ? '[]' : '{}') : '·',
      opens: isBranch(entry),
    }));
  }

  override open(item: ColumnItem): View | undefined {
    const key = item.id.slice('key:'.length);
    const read = () => (this.#read() as Record<string, unknown> | undefined)?.[key];
    return isBranch(read()) ? new ValueView(this.ctx, `${this.#title} › ${key}`, read, this.#signals) : undefined;
  }

  protected override start(): void {
    for (const signal of this.#signals) this.watch(signal);
  }

  protected override preview(): Node {
    const value = this.#read();
    // Updated in place, so a live update does not drop a text selection in the code block.
    setText(this.#type, typeOf(value));
    setText(this.#code, pretty(value));
    return this.#box;
  }

  protected override panel(): HTMLElement | undefined {
    if (this.#actions.length === 0) return undefined;
    return panel(
      h(
        'div',
        { class: 'mws-row' },
        ...this.#actions.map((action) => button(action.label, () => void this.run(`${action.label}`, action.run, (text) => text), action.variant)),
      ),
    );
  }
}
