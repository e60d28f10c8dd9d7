import { Column, type ColumnHost } from './Column.js';
import type { ColumnItem } from './ColumnItem.js';
import { h } from './ui/dom.js';
import type { View } from './View.js';

/**
 * Miller columns, as in a desktop file browser: choosing an item in a column opens the item's
 * column to its right and closes every column after it. Columns scroll sideways when they do not
 * fit. Keyboard: ↑ ↓ move (and open), → goes into the opened column, ← back, Enter chooses,
 * typing filters the focused column.
 */
export class ColumnView implements ColumnHost {
  /** The scrolling strip of columns. */
  readonly element = h('div', { class: 'mws-columns' });
  #columns: Column[] = [];
  readonly #changed: () => void;

  /** `changed` runs whenever columns open or close (Studio's path bar follows it). */
  constructor(changed: () => void = () => {}) {
    this.#changed = changed;
  }

  /** The open columns, left to right. */
  get columns(): readonly Column[] {
    return this.#columns;
  }

  /** Closes every column and opens `view` as the first one. */
  setRoot(view: View): Column {
    this.#closeAfter(-1);
    return this.#push(view);
  }

  /** Redraws every open column (after a reconnect, say). */
  refresh(): void {
    for (const column of this.#columns) column.view.invalidate();
  }

  /** Closes every column, releasing what their views listen to. */
  dispose(): void {
    this.#closeAfter(-1);
  }

  /** @internal Column callback: the selection of `column` changed. */
  selected(column: Column, item: ColumnItem | undefined): void {
    const index = this.#columns.indexOf(column);
    if (index === -1) return;
    this.#closeAfter(index);
    const next = item && column.view.open(item);
    if (next) this.#push(next);
    this.#changed();
  }

  /** @internal Column callback: Enter (or a double click) on `item`. */
  entered(column: Column, item: ColumnItem): void {
    const next = this.#columns[this.#columns.indexOf(column) + 1];
    if (next) this.#focus(next);
    else column.view.activate(item);
  }

  /** @internal Column callback: ← or →. */
  step(column: Column, direction: -1 | 1): void {
    const index = this.#columns.indexOf(column);
    if (direction === 1 && column.selected === undefined) {
      column.focus();
      return;
    }
    const target = this.#columns[index + direction];
    if (target) this.#focus(target, direction === 1);
  }

  #focus(column: Column, selectFirst = true): void {
    column.focus(selectFirst);
    this.#reveal(column);
  }

  #push(view: View): Column {
    const column = new Column(view, this);
    this.#columns.push(column);
    this.element.append(column.element);
    view.attach(column);
    this.#reveal(column);
    return column;
  }

  /** Scrolls the strip sideways to show `column` (scrollIntoView would scroll the page too). */
  #reveal(column: Column): void {
    const strip = this.element.getBoundingClientRect();
    const box = column.element.getBoundingClientRect();
    if (box.right > strip.right) this.element.scrollLeft += box.right - strip.right;
    else if (box.left < strip.left) this.element.scrollLeft -= strip.left - box.left;
  }

  #closeAfter(index: number): void {
    for (const column of this.#columns.splice(index + 1)) {
      column.view.dispose();
      column.element.remove();
    }
  }
}
