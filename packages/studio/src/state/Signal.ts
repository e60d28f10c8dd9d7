/**
 * "Something changed": the one event Studio's stores emit. Views listen and redraw themselves on
 * the next microtask, so a burst of changes costs one render.
 */
export class Signal {
  #listeners = new Set<() => void>();

  /** Calls `listener` on every change; returns the function that stops it. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Tells every listener. A listener that throws does not stop the others. */
  emit(): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch (error) {
        console.error('MWSE Studio: a listener threw', error);
      }
    }
  }
}
