/** How reconnect attempts are spaced. All durations in milliseconds. */
export interface BackoffOptions {
  /** Cap of the first delay (default 500). */
  initialDelay?: number;
  /** Cap of any delay (default 10 000). */
  maxDelay?: number;
  /** Attempts in a row before giving up (default `Infinity`). */
  maxAttempts?: number;
  /**
   * Cap of the delay before the first attempt to resume a session whose socket dropped (default
   * 100). The server is still holding that session, so waiting gains nothing; the small jitter
   * only spreads out clients that one network event cut at once. The attempts after it (the
   * resume failed to connect) follow the normal backoff from `initialDelay`.
   */
  resumeDelay?: number;
}

/** Defaults of {@link BackoffOptions}. */
export const defaultBackoff: Required<BackoffOptions> = {
  initialDelay: 500,
  maxDelay: 10_000,
  maxAttempts: Number.POSITIVE_INFINITY,
  resumeDelay: 100,
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
  /** The first attempt of this run was a prompt one: the exponent starts one attempt later. */
  #prompted = 0;
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

  /**
   * The delay before the next attempt, or `undefined` when no attempt is left. `prompt`: the
   * attempt resumes a session the server still holds; as the first of a run it waits at most
   * `resumeDelay` (and does not move the exponential sequence on).
   */
  next(prompt = false): number | undefined {
    const { initialDelay, maxDelay, maxAttempts, resumeDelay } = this.options;
    if (this.#attempts >= maxAttempts) return undefined;
    if (prompt && this.#attempts === 0) {
      this.#attempts = 1;
      this.#prompted = 1;
      return Math.floor(this.#random() * Math.min(resumeDelay, maxDelay));
    }
    // Exponent clamped so 2^n stays finite however long the outage lasts.
    const ceiling = Math.min(maxDelay, initialDelay * 2 ** Math.min(this.#attempts - this.#prompted, 52));
    this.#attempts += 1;
    return Math.floor(this.#random() * ceiling);
  }

  /** Starts over from the first delay. */
  reset(): void {
    this.#attempts = 0;
    this.#prompted = 0;
  }
}
