import type { Column } from './Column.js';
import type { ColumnItem } from './ColumnItem.js';
import type { Signal } from './state/Signal.js';
import type { StudioContext } from './StudioContext.js';
import { describeError } from './ui/format.js';

/** How wide a view's column is. */
export type ColumnWidth = 'normal' | 'wide';

/**
 * What one column browses: it lists items, says which view opens for an item, and may add a
 * preview and an action panel. A view lives while its column is open; everything it listens to
 * through {@link listen}, {@link watch} and {@link every} is released when the column closes.
 */
export abstract class View {
  /** Names the kind of view (`rooms`, `peer`…); the column's `data-view`. */
  abstract readonly kind: string;
  /** Column width. */
  readonly width: ColumnWidth = 'normal';
  protected readonly ctx: StudioContext;
  #column: Column | undefined;
  #cleanups: Array<() => void> = [];
  #scheduled = false;
  #disposed = false;

  constructor(ctx: StudioContext) {
    this.ctx = ctx;
  }

  /** The column's title. */
  abstract title(): string;
  /** The rows, in order; called on every render. */
  abstract items(): ColumnItem[];

  /** The view to open to the right when `item` is chosen; `undefined` for none. */
  open(_item: ColumnItem): View | undefined {
    return undefined;
  }

  /** Enter or a double click on an item that opens nothing. */
  activate(_item: ColumnItem): void {}

  /** What the empty list says. */
  emptyText(): string {
    return 'Nothing here';
  }

  /** @internal Called by the column view once the column exists. */
  attach(column: Column): void {
    this.#column = column;
    column.setPanel(this.panel());
    this.start();
    this.render();
  }

  /** Redraws the column now. */
  render(): void {
    const column = this.#column;
    if (!column || this.#disposed) return;
    column.setTitle(this.title());
    column.setItems(this.items());
    column.setEmptyText(this.emptyText());
    column.setPreview(this.preview());
    this.update();
  }

  /** Redraws the column on the next microtask; several calls in a row render once. */
  invalidate(): void {
    if (this.#scheduled || this.#disposed) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.render();
    });
  }

  /** @internal The column closed: stop listening, stop polling. */
  dispose(): void {
    this.#disposed = true;
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
  }

  /** True once the column closed. */
  protected get disposed(): boolean {
    return this.#disposed;
  }

  /** Subscribe and fetch here; runs once, before the first render. */
  protected start(): void {}
  /** The action panel, built once. */
  protected panel(): HTMLElement | undefined {
    return undefined;
  }
  /** Content under the list, on every render. */
  protected preview(): Node | undefined {
    return undefined;
  }
  /** Brings the panel up to date after each render (enable, disable, relabel). */
  protected update(): void {}

  /** Redraws the column whenever `signal` fires, while it is open. */
  protected watch(signal: Signal): void {
    this.onDispose(signal.subscribe(() => this.invalidate()));
  }

  /** Runs `task` every `ms` while the column is open. */
  protected every(ms: number, task: () => void): void {
    const timer = setInterval(task, ms);
    this.onDispose(() => clearInterval(timer));
  }

  /** Runs `cleanup` when the column closes: `this.onDispose(subscribe(room, 'join', …))`. */
  protected onDispose(cleanup: () => void): void {
    if (this.#disposed) cleanup();
    else this.#cleanups.push(cleanup);
  }

  /**
   * Runs an action the person asked for, reporting progress, success and failure in the column's
   * status line. Resolves with the result, or `undefined` when it failed.
   */
  protected async run<T>(doing: string, task: () => Promise<T>, done: (result: T) => string): Promise<T | undefined> {
    this.#status(`${doing}…`);
    try {
      const result = await task();
      this.#status(done(result), 'good');
      this.invalidate();
      return result;
    } catch (error) {
      this.#status(describeError(error), 'bad');
      return undefined;
    }
  }

  /** Shows a line in the column's status bar. */
  protected report(text: string, tone: 'default' | 'good' | 'bad' = 'default'): void {
    this.#status(text, tone);
  }

  #status(text: string, tone: 'default' | 'good' | 'bad' = 'default'): void {
    if (!this.#disposed) this.#column?.setStatus(text, tone);
  }
}
