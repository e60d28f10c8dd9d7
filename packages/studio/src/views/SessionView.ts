import type { ColumnItem } from '../ColumnItem.js';
import type { Flags } from '../state/MeState.js';
import { panel, section, toggle } from '../ui/controls.js';
import { View } from '../View.js';

const FLAGS: Record<keyof Flags, string> = {
  pairauth: 'Direct traffic only from peers I accepted',
  readable: 'Others may read my info',
  writable: 'Others may message me at all',
  pairinfo: 'Push my info changes to my pairs',
};
const NAMES = Object.keys(FLAGS) as Array<keyof Flags>;

/** This connection's session flags; Enter (or the switches) turns one on or off. */
export class SessionView extends View {
  readonly kind = 'session';
  override readonly width = 'wide';
  readonly #switches = new Map<keyof Flags, HTMLInputElement>();

  title(): string {
    return 'Session flags';
  }

  override emptyText(): string {
    return 'Reading the flags…';
  }

  items(): ColumnItem[] {
    const flags = this.ctx.me.flags;
    if (!flags) return [];
    return NAMES.map((name) => ({
      id: name,
      label: name,
      detail: FLAGS[name],
      badge: flags[name] ? 'on' : 'off',
      tone: flags[name] ? 'good' : 'muted',
      icon: '⚑',
    }));
  }

  override activate(item: ColumnItem): void {
    const flags = this.ctx.me.flags;
    const name = item.id as keyof Flags;
    if (flags && name in FLAGS) this.#set(name, !flags[name]);
  }

  protected override start(): void {
    this.watch(this.ctx.me.changed);
    this.ctx.me.readFlags().catch((error: unknown) => this.report(String(error), 'bad'));
  }

  protected override panel(): HTMLElement {
    const switches = NAMES.map((name) => {
      const control = toggle(name, (on) => this.#set(name, on));
      this.#switches.set(name, control.input);
      return control.element;
    });
    return panel(section('Flags', ...switches));
  }

  protected override update(): void {
    const flags = this.ctx.me.flags;
    for (const [name, input] of this.#switches) {
      input.disabled = !flags;
      input.checked = flags?.[name] ?? false;
    }
  }

  #set(name: keyof Flags, on: boolean): void {
    void this.run(`Turning ${name} ${on ? 'on' : 'off'}`, () => this.ctx.me.setFlags({ [name]: on }), () => `${name} is ${on ? 'on' : 'off'}`);
  }
}
