/** The part of `RTCPeerConnection` the watchdog reads. */
export interface WatchedConnection extends EventTarget {
  readonly connectionState: RTCPeerConnectionState;
}

/** Options of {@link IceWatchdog}. */
export interface IceWatchdogOptions {
  /** Milliseconds a connection may stay `disconnected` before an ICE restart (default 4000). */
  disconnectedTimeout?: number;
  /** Least milliseconds between two restarts, so a connection that keeps failing is not flooded. */
  minInterval?: number;
  /** Starts an ICE restart. */
  restart(reason: 'failed' | 'disconnected'): void;
}

/**
 * Restarts ICE when a connection fails, or stays `disconnected` (a network change, a NAT binding
 * that expired) longer than a short grace period in which it often recovers by itself.
 */
export class IceWatchdog {
  readonly #pc: WatchedConnection;
  readonly #restart: IceWatchdogOptions['restart'];
  readonly #disconnectedTimeout: number;
  readonly #minInterval: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastRestart = -Infinity;

  constructor(pc: WatchedConnection, options: IceWatchdogOptions) {
    this.#pc = pc;
    this.#restart = options.restart;
    this.#disconnectedTimeout = options.disconnectedTimeout ?? 4000;
    this.#minInterval = options.minInterval ?? 2000;
    pc.addEventListener('connectionstatechange', this.#check);
  }

  /** Stops watching. */
  close(): void {
    this.#clear();
    this.#pc.removeEventListener('connectionstatechange', this.#check);
  }

  readonly #check = (): void => {
    const state = this.#pc.connectionState;
    if (state === 'failed') {
      this.#clear();
      this.#fire('failed');
    } else if (state === 'disconnected') {
      this.#clear();
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        if (this.#pc.connectionState === 'disconnected') this.#fire('disconnected');
      }, this.#disconnectedTimeout);
    } else {
      this.#clear();
    }
  };

  #fire(reason: 'failed' | 'disconnected'): void {
    const wait = this.#lastRestart + this.#minInterval - Date.now();
    if (wait > 0) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        const state = this.#pc.connectionState;
        if (state === 'failed' || state === 'disconnected') this.#fire(reason);
      }, wait);
      return;
    }
    this.#lastRestart = Date.now();
    this.#restart(reason);
  }

  #clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
