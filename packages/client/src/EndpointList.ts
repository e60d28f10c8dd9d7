/**
 * The endpoints a client may connect to (`endpoint: [...]`, the nodes of one cluster) and the one
 * the next attempt uses. Clients start on a random one, so a fleet of clients spreads over the
 * nodes without a load balancer. After an attempt that failed the next one in the list is tried,
 * so every endpoint gets its turn within one pass; after a connection that had said hello drops
 * (its node may have died), the client moves to another one at random, so the clients of a dead
 * node spread over the others instead of all landing on its neighbour. The backoff between
 * attempts is the connection's, unchanged. With one endpoint nothing rotates.
 *
 * @example
 * const list = new EndpointList(['ws://a:7707/', 'ws://b:7707/']);
 * list.current; // where to connect
 * list.failed(); // that attempt failed: try the next one
 */
export class EndpointList {
  readonly urls: readonly string[];
  #index: number;
  #random: () => number;

  /** `random` is injectable so tests can pin the choices. */
  constructor(urls: readonly string[], random: () => number = Math.random) {
    if (urls.length === 0) throw new TypeError('MWSE: options.endpoint is an empty list');
    this.urls = urls;
    this.#random = random;
    this.#index = this.#pick(urls.length);
  }

  /** The endpoint of the current (or next) attempt. */
  get current(): string {
    return this.urls[this.#index]!;
  }

  /** The attempt ended before a hello: the next endpoint, in list order. */
  failed(): void {
    this.#index = (this.#index + 1) % this.urls.length;
  }

  /** A connection that had said hello was lost: any endpoint but this one. */
  dropped(): void {
    if (this.urls.length < 2) return;
    this.#index = (this.#index + 1 + this.#pick(this.urls.length - 1)) % this.urls.length;
  }

  #pick(n: number): number {
    return Math.min(n - 1, Math.floor(this.#random() * n));
  }
}
