import { Signal } from './Signal.js';

/**
 * Base of Studio's stores: state gathered from SDK events (and polling where the server pushes
 * nothing), shared by every column. `changed` fires after each change.
 */
export abstract class Store {
  /** Fires after every change. */
  readonly changed = new Signal();
  #offs: Array<() => void> = [];
  #running = false;

  /** Starts listening (again); does nothing while running. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.attach();
  }

  /** Stops listening and polling. */
  stop(): void {
    this.#running = false;
    for (const off of this.#offs.splice(0)) off();
  }

  /** True between {@link start} and {@link stop}. */
  get running(): boolean {
    return this.#running;
  }

  /** Subscribe to the SDK here: `this.onStop(subscribe(mwse, 'message', …))`. */
  protected abstract attach(): void;

  /** Runs `off` on {@link stop}. */
  protected onStop(off: () => void): void {
    this.#offs.push(off);
  }
}
