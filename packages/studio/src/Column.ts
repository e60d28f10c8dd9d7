import { matches, type ColumnItem } from './ColumnItem.js';
import { renderRow } from './ui/renderRow.js';
import { h, setText } from './ui/dom.js';
import type { View } from './View.js';

/** What a {@link Column} tells the {@link ColumnView} it sits in. */
export interface ColumnHost {
  /** The selection changed (click, arrows, or the selected item went away: `undefined`). */
  selected(column: Column, item: ColumnItem | undefined): void;
  /** Enter or a double click on `item`. */
  entered(column: Column, item: ColumnItem): void;
  /** ArrowLeft (-1) or ArrowRight (+1) in the list. */
  step(column: Column, direction: -1 | 1): void;
}

let columns = 0;

/**
 * One column: a header (title and count), a search box that filters the list as you type, the
 * list, and below it an optional preview and an action panel. What it shows comes from its
 * {@link View}; the column only renders and handles the keyboard.
 */
export class Column {
  /** The column's element, placed by the {@link ColumnView}. */
  readonly element: HTMLElement;
  readonly view: View;
  readonly #host: ColumnHost;
  readonly #prefix = `mws-c${++columns}`;
  readonly #title = h('h2', { class: 'mws-column__title' });
  readonly #count = h('span', { class: 'mws-column__count' });
  readonly #search = h('input', { class: 'mws-search', attrs: { type: 'search', placeholder: 'Search', spellcheck: 'false', autocomplete: 'off' } });
  readonly #list = h('ul', { class: 'mws-column__list', attrs: { role: 'listbox', tabindex: '0' } });
  readonly #empty = h('p', { class: 'mws-column__empty' });
  readonly #preview = h('div', { class: 'mws-column__preview' });
  readonly #body = h('div', { class: 'mws-column__body' }, this.#list, this.#empty, this.#preview);
  readonly #panel = h('div', { class: 'mws-column__panel' });
  readonly #status = h('p', { class: 'mws-column__status', attrs: { role: 'status', 'aria-live': 'polite' } });
  #items: ColumnItem[] = [];
  #visible: ColumnItem[] = [];
  #selected: string | undefined;
  #rows = new Map<string, HTMLLIElement>();
  #groups = new Map<string, HTMLLIElement>();

  constructor(view: View, host: ColumnHost) {
    this.view = view;
    this.#host = host;
    this.element = h(
      'section',
      { class: `mws-column mws-column--${view.width}`, attrs: { 'data-view': view.kind } },
      h('header', { class: 'mws-column__header' }, this.#title, this.#count),
      h('div', { class: 'mws-column__search' }, this.#search),
      this.#body,
      this.#panel,
      this.#status,
    );
    this.setStatus('');
    this.#search.addEventListener('input', () => this.#render());
    this.#search.addEventListener('keydown', (event) => this.#searchKey(event));
    this.#list.addEventListener('keydown', (event) => this.#listKey(event));
    this.#list.addEventListener('click', (event) => this.#click(event, false));
    this.#list.addEventListener('dblclick', (event) => this.#click(event, true));
  }

  /** The selected item, if it is still in the list. */
  get selected(): ColumnItem | undefined {
    return this.#items.find((item) => item.id === this.#selected);
  }

  /** The items the search leaves visible, in order. */
  get visible(): readonly ColumnItem[] {
    return this.#visible;
  }

  /** What the search box holds. */
  get query(): string {
    return this.#search.value;
  }

  setTitle(title: string): void {
    setText(this.#title, title);
    this.element.setAttribute('aria-label', title);
    this.#list.setAttribute('aria-label', title);
    this.#search.setAttribute('aria-label', `Search ${title}`);
  }

  /** Replaces the list; the selection follows its item id, and is dropped when the item is gone. */
  setItems(items: ColumnItem[]): void {
    this.#items = items;
    if (this.#selected !== undefined && !items.some((item) => item.id === this.#selected)) {
      this.#selected = undefined;
      this.#host.selected(this, undefined);
    }
    this.#render();
  }

  /** What the list says when it has nothing to show. */
  setEmptyText(text: string): void {
    setText(this.#empty, text);
    this.#empty.hidden = this.#visible.length > 0 || text === '';
  }

  /** Content under the list (a value, a description); `undefined` removes it. */
  setPreview(content: Node | undefined): void {
    if (content && this.#preview.firstChild === content && this.#preview.childNodes.length === 1) return;
    this.#preview.replaceChildren(...(content ? [content] : []));
    this.#preview.hidden = !content;
  }

  /** The action panel at the foot of the column; `undefined` removes it. */
  setPanel(content: Node | undefined): void {
    this.#panel.replaceChildren(...(content ? [content] : []));
    this.#panel.hidden = !content;
  }

  /** A one-line report under the panel (the result of an action, an error). Empty hides it. */
  setStatus(text: string, tone: 'default' | 'good' | 'bad' = 'default'): void {
    setText(this.#status, text);
    this.#status.dataset.tone = tone;
    this.#status.hidden = text === '';
  }

  /** Selects `id` (or nothing); tells the host unless `quiet`. */
  select(id: string | undefined, quiet = false): void {
    if (id === this.#selected) return;
    this.#selected = id;
    this.#paintSelection();
    if (!quiet) this.#host.selected(this, this.selected);
  }

  /** Focuses the list; with `selectFirst`, selects its first visible item unless one is selected and visible. */
  focus(selectFirst = true): void {
    this.#list.focus({ preventScroll: true });
    const shown = this.#visible.some((item) => item.id === this.#selected);
    if (selectFirst && !shown && this.#visible[0]) this.select(this.#visible[0].id);
  }

  /** Focuses the search box. */
  focusSearch(): void {
    this.#search.focus({ preventScroll: true });
  }

  #render(): void {
    const query = this.#search.value;
    this.#visible = this.#items.filter((item) => matches(item, query));
    const nodes: HTMLLIElement[] = [];
    let group: string | undefined;
    for (const item of this.#visible) {
      if (item.group && item.group !== group) nodes.push(this.#heading(item.group));
      group = item.group;
      let row = this.#rows.get(item.id);
      if (!row) {
        row = h('li', { class: 'mws-item', attrs: { role: 'option', id: `${this.#prefix}-${this.#rows.size}` } });
        row.dataset.id = item.id;
        this.#rows.set(item.id, row);
      }
      renderRow(row, item);
      nodes.push(row);
    }
    const ids = new Set(this.#items.map((item) => item.id));
    for (const id of [...this.#rows.keys()]) if (!ids.has(id)) this.#rows.delete(id);
    this.#list.replaceChildren(...nodes);
    this.#empty.hidden = this.#visible.length > 0 || this.#empty.textContent === '';
    const total = this.#items.filter((item) => !item.aside).length;
    const shown = this.#visible.filter((item) => !item.aside).length;
    setText(this.#count, query && shown !== total ? `${shown} of ${total}` : String(total));
    this.#paintSelection();
  }

  #heading(name: string): HTMLLIElement {
    let heading = this.#groups.get(name);
    if (!heading) {
      heading = h('li', { class: 'mws-group', text: name, attrs: { role: 'presentation' } });
      this.#groups.set(name, heading);
    }
    return heading;
  }

  #paintSelection(): void {
    for (const [id, row] of this.#rows) row.setAttribute('aria-selected', String(id === this.#selected));
    const row = this.#selected === undefined ? undefined : this.#rows.get(this.#selected);
    if (row?.isConnected) {
      this.#list.setAttribute('aria-activedescendant', row.id);
      // By hand rather than scrollIntoView, which would also scroll the page around Studio.
      const body = this.#body.getBoundingClientRect();
      const box = row.getBoundingClientRect();
      if (box.bottom > body.bottom) this.#body.scrollTop += box.bottom - body.bottom;
      else if (box.top < body.top) this.#body.scrollTop -= body.top - box.top;
    } else {
      this.#list.removeAttribute('aria-activedescendant');
    }
  }

  #move(to: (index: number, last: number) => number): void {
    const last = this.#visible.length - 1;
    if (last < 0) return;
    const index = this.#visible.findIndex((item) => item.id === this.#selected);
    const next = this.#visible[Math.max(0, Math.min(last, to(index, last)))];
    if (next) this.select(next.id);
  }

  #listKey(event: KeyboardEvent): void {
    const moves: Record<string, (index: number, last: number) => number> = {
      ArrowDown: (i) => (i < 0 ? 0 : i + 1),
      ArrowUp: (i, last) => (i < 0 ? last : i - 1),
      Home: () => 0,
      End: (_, last) => last,
      PageDown: (i) => i + 10,
      PageUp: (i) => i - 10,
    };
    const move = moves[event.key];
    const selected = this.selected;
    if (move) this.#move(move);
    else if (event.key === 'ArrowRight') this.#host.step(this, 1);
    else if (event.key === 'ArrowLeft') this.#host.step(this, -1);
    else if (event.key === 'Enter' && selected) this.#host.entered(this, selected);
    else if (event.key === 'Escape' && this.#search.value) this.#setQuery('');
    else if (event.key === 'Backspace' && this.#search.value) this.#typeInSearch(this.#search.value.slice(0, -1));
    else if (event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey && event.key !== ' ') {
      this.#typeInSearch(this.#search.value + event.key);
    } else return;
    event.preventDefault();
  }

  #searchKey(event: KeyboardEvent): void {
    const first = this.#visible[0];
    if (event.key === 'ArrowDown' || (event.key === 'Escape' && !this.#search.value)) {
      this.focus();
    } else if (event.key === 'Escape') {
      this.#setQuery('');
    } else if (event.key === 'Enter' && first) {
      this.#list.focus({ preventScroll: true });
      this.select(first.id);
      this.#host.entered(this, first);
    } else return;
    event.preventDefault();
  }

  /** Typing in the list moves focus to the search box and carries the keystroke along. */
  #typeInSearch(value: string): void {
    this.#setQuery(value);
    this.focusSearch();
  }

  #setQuery(value: string): void {
    this.#search.value = value;
    this.#render();
  }

  #click(event: MouseEvent, double: boolean): void {
    const row = (event.target as Element).closest<HTMLElement>('.mws-item');
    const id = row?.dataset.id;
    if (id === undefined) return;
    this.#list.focus({ preventScroll: true });
    this.select(id);
    const item = this.selected;
    if (double && item) this.#host.entered(this, item);
  }
}
