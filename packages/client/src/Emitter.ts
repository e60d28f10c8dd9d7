/** An event map: event name → listener signature. */
export type EventMap<E> = { [K in keyof E]: (...args: any[]) => void };

/** Receives what a listener threw (or what the promise it returned rejected with). */
export type ListenerErrorHandler = (error: unknown, event: PropertyKey) => void;

type Listener = (...args: any[]) => unknown;
interface OnceWrapper extends Listener {
  listener: Listener;
}

const reportToConsole: ListenerErrorHandler = (error, event) => {
  console.error(`MWSE: a listener for "${String(event)}" threw`, error);
};

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * A small typed event emitter. Every SDK object (`MWSE`, `Peer`, `Room`) is one.
 *
 * A listener that throws, or returns a promise that rejects, does not stop the other listeners or
 * the SDK's frame loop: the error goes to the handler given to the constructor (the client routes
 * it to its `error` event, else `console.error`).
 *
 * @example
 * const events = new Emitter<{ tick: (n: number) => void }>();
 * events.on('tick', (n) => console.log(n));
 * events.emit('tick', 1);
 */
export class Emitter<E extends EventMap<E>> {
  // Arrays are replaced, never mutated, so a listener may add or remove listeners mid-emit.
  #listeners = new Map<keyof E, readonly Listener[]>();
  #onListenerError: ListenerErrorHandler;

  /** `onListenerError` receives listener failures; `console.error` by default. */
  constructor(onListenerError: ListenerErrorHandler = reportToConsole) {
    this.#onListenerError = onListenerError;
  }

  /** Calls `listener` every time `event` fires. */
  on<K extends keyof E>(event: K, listener: E[K]): this {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), listener]);
    this.listenersChanged();
    return this;
  }

  /** Calls `listener` the next time `event` fires, then forgets it. */
  once<K extends keyof E>(event: K, listener: E[K]): this {
    const wrapper = ((...args: unknown[]) => {
      this.#remove(event, wrapper);
      return listener(...args);
    }) as OnceWrapper;
    wrapper.listener = listener;
    return this.on(event, wrapper as unknown as E[K]);
  }

  /** Removes `listener` from `event`, or every listener of `event` when none is given. */
  off<K extends keyof E>(event: K, listener?: E[K]): this {
    if (listener !== undefined) this.#remove(event, listener);
    else if (this.#listeners.delete(event)) this.listenersChanged();
    return this;
  }

  /**
   * Calls the listeners of `event` in the order they were added. Returns true when there was at
   * least one. The SDK calls it for server events; calling it yourself fakes one.
   */
  emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): boolean {
    const listeners = this.#listeners.get(event);
    if (!listeners?.length) return false;
    for (const listener of listeners) {
      try {
        const result = listener(...args);
        if (isThenable(result))
          result.then(undefined, (error) => this.listenerFailed(error, event));
      } catch (error) {
        this.listenerFailed(error, event);
      }
    }
    return true;
  }

  /** How many listeners `event` has, or all events together when none is given. */
  listenerCount(event?: keyof E): number {
    if (event !== undefined) return this.#listeners.get(event)?.length ?? 0;
    let total = 0;
    for (const listeners of this.#listeners.values()) total += listeners.length;
    return total;
  }

  /** A copy of the listeners of `event` (`once` listeners as their wrappers). */
  listeners<K extends keyof E>(event: K): E[K][] {
    return [...(this.#listeners.get(event) ?? [])] as E[K][];
  }

  /** Hook for subclasses that care whether anyone listens (peers stay cached while someone does). */
  protected listenersChanged(): void {}

  /** Where listener failures go; subclasses may route them elsewhere (the client: its `error` event). */
  protected listenerFailed(error: unknown, event: PropertyKey): void {
    this.#onListenerError(error, event);
  }

  #remove(event: keyof E, listener: Listener): void {
    const listeners = this.#listeners.get(event);
    if (!listeners) return;
    const index = listeners.findIndex(
      (l) => l === listener || (l as Partial<OnceWrapper>).listener === listener,
    );
    if (index === -1) return;
    const rest = listeners.filter((_, i) => i !== index);
    if (rest.length) this.#listeners.set(event, rest);
    else this.#listeners.delete(event);
    this.listenersChanged();
  }
}
