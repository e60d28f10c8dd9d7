import type { ServerFrame, ServerFrameOf } from '@mwse/protocol';
import { attemptFailure, errorTextOf, isFinalRefusal, type AttemptFailure } from './attemptFailure.js';
import { Backoff, type BackoffOptions } from './Backoff.js';
import { parseServerFrame } from './parseServerFrame.js';
import { closeCodesWithoutReconnect, closeNormal } from './protocolConstants.js';
import type { WebSocketConstructor, WebSocketLike } from './WebSocketLike.js';

/** One encoded frame waiting to be written. */
export interface Outgoing {
  readonly data: string | Uint8Array;
  /** Called when the frame was handed to a socket that had said hello. */
  written?(): void;
}

/** How a connection ended. */
export interface CloseInfo {
  /** WebSocket close code (1006 when the socket failed without a close frame). */
  code: number;
  reason: string;
  /** True when the SDK will connect again by itself. */
  willReconnect: boolean;
}

/** A connection attempt that ended before the server's hello. */
export interface FailedAttempt extends AttemptFailure {
  /** Failed attempts in a row, 1 for the first. */
  attempt: number;
  /** True when the SDK will try again by itself. */
  willReconnect: boolean;
}

/** What the connection tells its owner. Calls are synchronous and in this order per socket. */
export interface ConnectionHandlers {
  /** The server said hello. Runs before queued frames are flushed. */
  hello(frame: ServerFrameOf<'hello'>): void;
  /** Queued frames were flushed; frames now go out at once. */
  ready(): void;
  frame(frame: ServerFrame): void;
  /** A connection that had said hello was lost. */
  down(info: CloseInfo): void;
  /** An attempt ended before the hello: refused, unreachable or timed out. Queued frames stay. */
  failed(failure: FailedAttempt): void;
  /** Waiting `delay` ms before attempt number `attempt`. */
  retry(attempt: number, delay: number): void;
  /** Final: no more sockets will be opened; every queued frame was dropped. */
  closed(info: CloseInfo): void;
}

export interface ConnectionOptions {
  url: string;
  WebSocket: WebSocketConstructor;
  reconnect: BackoffOptions | false;
  /** Frames kept while not connected; more are refused. */
  queueLimit: number;
  /** Milliseconds an attempt may take to reach the hello; 0 or `Infinity` for no limit. */
  connectTimeout: number;
}

/** `connecting`: socket opening or waiting for hello; `waiting`: between attempts. */
export type ConnectionState = 'connecting' | 'open' | 'waiting' | 'closed';

const ignore = (): void => {};

/**
 * Owns the WebSocket: opens it, waits for the server's hello, queues frames written before that,
 * and reconnects with backoff when the socket drops. It knows nothing of calls, peers or rooms.
 */
export class Connection {
  #options: ConnectionOptions;
  #handlers: ConnectionHandlers;
  #backoff: Backoff | undefined;
  #socket: WebSocketLike | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Bounds the current attempt: a black-holed address would otherwise hang for minutes. */
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  /** Attempts in a row that ended before a hello. */
  #failures = 0;
  #queue = new Set<Outgoing>();
  #state: ConnectionState = 'connecting';
  #epoch = 0;

  constructor(options: ConnectionOptions, handlers: ConnectionHandlers) {
    this.#options = options;
    this.#handlers = handlers;
    this.#backoff = options.reconnect === false ? undefined : new Backoff(options.reconnect);
    // The first socket is opened synchronously so a bad URL throws from `new MWSE()`.
    this.#open(true);
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** A method, not a getter, so callers re-read it after running handlers that may close. */
  isClosed(): boolean {
    return this.#state === 'closed';
  }

  /** Counts hellos: changes every time a new server session starts. */
  get epoch(): number {
    return this.#epoch;
  }

  /** Writes `out` now when open, else queues it. False when closed or the queue is full. */
  send(out: Outgoing): boolean {
    if (this.#state === 'closed') return false;
    if (this.#state === 'open' && this.#socket) {
      this.#write(this.#socket, out);
      return true;
    }
    if (this.#queue.size >= this.#options.queueLimit) return false;
    this.#queue.add(out);
    return true;
  }

  /** Drops `out` if it is still queued. True when it was. */
  unqueue(out: Outgoing): boolean {
    return this.#queue.delete(out);
  }

  /** Closes for good: no reconnect. Queued frames are dropped and `closed` runs at once. */
  close(reason = 'closed by client'): void {
    if (this.#state === 'closed') return;
    const wasOpen = this.#state === 'open';
    // Set first: a `down` or `closed` listener that calls close() again must find nothing to do.
    this.#state = 'closed';
    clearTimeout(this.#timer);
    clearTimeout(this.#connectTimer);
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket) {
      this.#detach(socket);
      try {
        socket.close(closeNormal, reason);
      } catch {
        // Closing a socket that already failed may throw in some implementations; it is gone anyway.
      }
    }
    const info: CloseInfo = { code: closeNormal, reason, willReconnect: false };
    if (wasOpen) this.#handlers.down(info);
    this.#finish(info);
  }

  #open(first: boolean): void {
    this.#state = 'connecting';
    let socket: WebSocketLike;
    try {
      socket = new this.#options.WebSocket(this.#options.url);
    } catch (error) {
      if (first) throw error;
      this.#lost(1006, '', error instanceof Error ? error.message : String(error));
      return;
    }
    this.#socket = socket;
    let errorText = '';
    socket.binaryType = 'arraybuffer';
    socket.onopen = ignore;
    // Errors are always followed by a close event, which is where they are handled; only their
    // text is kept, as it is the one place `ws` names a refused handshake's status. The handler
    // must stay set: `ws` throws an 'error' that has no listener.
    socket.onerror = (event: unknown) => {
      errorText = errorTextOf(event) || errorText;
    };
    socket.onmessage = (event: { data: unknown }) => this.#receive(event.data);
    socket.onclose = (event: { code?: number; reason?: string }) => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      clearTimeout(this.#connectTimer);
      this.#lost(event.code ?? 1006, event.reason ?? '', errorText);
    };
    const { connectTimeout } = this.#options;
    if (connectTimeout > 0 && Number.isFinite(connectTimeout)) {
      this.#connectTimer = setTimeout(() => {
        if (this.#socket !== socket || this.#state !== 'connecting') return;
        this.#socket = undefined;
        this.#detach(socket);
        try {
          socket.close();
        } catch {
          // A socket still connecting may refuse close() in some implementations; it is dropped.
        }
        this.#lost(1006, '', '', true);
      }, connectTimeout);
    }
  }

  #receive(data: unknown): void {
    const frame = parseServerFrame(data);
    if (!frame) return;
    if (frame.type === 'hello') {
      if (this.#state === 'connecting') this.#hello(frame);
      return;
    }
    this.#handlers.frame(frame);
  }

  #hello(frame: ServerFrameOf<'hello'>): void {
    this.#state = 'open';
    this.#epoch += 1;
    this.#failures = 0;
    clearTimeout(this.#connectTimer);
    this.#backoff?.reset();
    this.#handlers.hello(frame);
    const queued = [...this.#queue];
    this.#queue.clear();
    for (const out of queued) {
      // A handler may have closed the connection mid-flush; the rest is then dropped by #finish.
      if (!this.#socket || this.#state !== 'open') break;
      this.#write(this.#socket, out);
    }
    if (this.#state === 'open') this.#handlers.ready();
  }

  #write(socket: WebSocketLike, out: Outgoing): void {
    try {
      socket.send(out.data);
    } catch {
      // The socket is going away; its close event rejects what was written on it.
    }
    out.written?.();
  }

  #lost(code: number, reason: string, errorText = '', timedOut = false): void {
    const wasOpen = this.#state === 'open';
    const failure = wasOpen ? undefined : attemptFailure({ code, closeReason: reason, errorText, timedOut });
    const final = closeCodesWithoutReconnect.has(code) || (failure !== undefined && isFinalRefusal(failure));
    const delay = this.#backoff && !final ? this.#backoff.next() : undefined;
    const info: CloseInfo = {
      code,
      reason: reason || (failure?.status ? `handshake refused with HTTP ${failure.status}` : ''),
      willReconnect: delay !== undefined,
    };
    // No socket from here on, so a listener calling close() ends things without a second `down`.
    this.#state = 'waiting';
    if (wasOpen) this.#handlers.down(info);
    else if (failure) {
      this.#failures += 1;
      this.#handlers.failed({ ...failure, attempt: this.#failures, willReconnect: info.willReconnect });
    }
    if (this.isClosed()) return;
    if (delay === undefined) {
      this.#state = 'closed';
      this.#finish(info);
      return;
    }
    this.#handlers.retry(this.#backoff?.attempts ?? 0, delay);
    if (this.#state !== 'waiting') return;
    this.#timer = setTimeout(() => this.#open(false), delay);
  }

  #finish(info: CloseInfo): void {
    this.#queue.clear();
    this.#handlers.closed(info);
  }

  #detach(socket: WebSocketLike): void {
    socket.onopen = ignore;
    socket.onmessage = ignore;
    socket.onclose = ignore;
    socket.onerror = ignore;
  }
}
