import type { ServerFrame, ServerFrameOf } from '@mwse/protocol';
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

/** What the connection tells its owner. Calls are synchronous and in this order per socket. */
export interface ConnectionHandlers {
  /** The server said hello. Runs before queued frames are flushed. */
  hello(frame: ServerFrameOf<'hello'>): void;
  /** Queued frames were flushed; frames now go out at once. */
  ready(): void;
  frame(frame: ServerFrame): void;
  /** A connection that had said hello was lost. */
  down(info: CloseInfo): void;
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
      this.#lost(1006, error instanceof Error ? error.message : String(error));
      return;
    }
    this.#socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.onopen = ignore;
    // Errors are always followed by a close event, which is where they are handled. The handler
    // must stay set: `ws` throws an 'error' that has no listener.
    socket.onerror = ignore;
    socket.onmessage = (event: { data: unknown }) => this.#receive(event.data);
    socket.onclose = (event: { code?: number; reason?: string }) => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.#lost(event.code ?? 1006, event.reason ?? '');
    };
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

  #lost(code: number, reason: string): void {
    const wasOpen = this.#state === 'open';
    const delay =
      this.#backoff && !closeCodesWithoutReconnect.has(code) ? this.#backoff.next() : undefined;
    const info: CloseInfo = { code, reason, willReconnect: delay !== undefined };
    // No socket from here on, so a listener calling close() ends things without a second `down`.
    this.#state = 'waiting';
    if (wasOpen) this.#handlers.down(info);
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
