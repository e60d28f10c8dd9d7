/** How reconnect attempts are spaced. All durations in milliseconds. */
export interface BackoffOptions {
  /** Cap of the first delay (default 500). */
  initialDelay?: number;
  /** Cap of any delay (default 10 000). */
  maxDelay?: number;
  /** Attempts in a row before giving up (default `Infinity`). */
  maxAttempts?: number;
}

/** Defaults of {@link BackoffOptions}. */
export const defaultBackoff: Required<BackoffOptions> = {
  initialDelay: 500,
  maxDelay: 10_000,
  maxAttempts: Number.POSITIVE_INFINITY,
};

/**
 * Exponential backoff with full jitter: attempt n waits a uniform random time in
 * `[0, min(maxDelay, initialDelay * 2^n))`. The jitter spreads out the clients a server restart
 * disconnected all at once, so they do not reconnect in one burst (AWS Architecture Blog,
 * "Exponential Backoff And Jitter").
 *
 * @example
 * const backoff = new Backoff({ initialDelay: 100, maxDelay: 5_000, maxAttempts: 10 });
 * const delay = backoff.next(); // undefined once 10 attempts were used
 * backoff.reset();              // after a connection succeeded
 */
export class Backoff {
  readonly options: Required<BackoffOptions>;
  #attempts = 0;
  #random: () => number;

  /** `random` is injectable so tests can pin the jitter. */
  constructor(options: BackoffOptions = {}, random: () => number = Math.random) {
    this.options = { ...defaultBackoff, ...options };
    this.#random = random;
  }

  /** Attempts used since the last {@link reset}. */
  get attempts(): number {
    return this.#attempts;
  }

  /** The delay before the next attempt, or `undefined` when no attempt is left. */
  next(): number | undefined {
    const { initialDelay, maxDelay, maxAttempts } = this.options;
    if (this.#attempts >= maxAttempts) return undefined;
    // Exponent clamped so 2^n stays finite however long the outage lasts.
    const ceiling = Math.min(maxDelay, initialDelay * 2 ** Math.min(this.#attempts, 52));
    this.#attempts += 1;
    return Math.floor(this.#random() * ceiling);
  }

  /** Starts over from the first delay. */
  reset(): void {
    this.#attempts = 0;
  }
}
