import type { ColumnView } from '../ColumnView.js';
import { h } from './dom.js';

const HINTS: Array<[string, string]> = [
  ['↑↓', 'move'],
  ['→', 'open'],
  ['←', 'back'],
  ['Enter', 'choose'],
  ['type', 'search'],
];

/** The strip under the columns: the path of what is selected, and the keyboard's hints. */
export class PathBar {
  readonly element: HTMLElement;
  readonly #path = h('ol', { class: 'mws-pathbar__path', attrs: { 'aria-label': 'Path' } });

  constructor() {
    const hints = h('p', { class: 'mws-pathbar__hints' });
    for (const [key, what] of HINTS) hints.append(h('kbd', { text: key }), ` ${what}  `);
    this.element = h('footer', { class: 'mws-pathbar' }, this.#path, hints);
  }

  /** Shows the selected item of each column, left to right. */
  update(columns: ColumnView): void {
    const crumbs = columns.columns.flatMap((column, index) => {
      const label = index === 0 ? column.view.title() : undefined;
      const selected = column.selected?.label;
      return [label, selected].filter((text): text is string => Boolean(text));
    });
    this.#path.replaceChildren(...crumbs.map((text) => h('li', { text })));
  }
}
