import type { ServerFrame, ServerFrameOf } from '@mwse/protocol';
import { attemptFailure, errorTextOf, isFinalRefusal, type AttemptFailure } from './attemptFailure.js';
import { Backoff, type BackoffOptions } from './Backoff.js';
import { parseServerFrame } from './parseServerFrame.js';
import { closeCodesWithoutReconnect, closeNormal } from './protocolConstants.js';
import { ACK_BYTES, ACK_DELAY, ACK_EVERY, ResumableSession } from './ResumableSession.js';
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
  /**
   * True when it will try to resume the same session (the server keeps it for a grace window):
   * calls in flight, rooms and pairs wait for the outcome, which `reconnect` reports.
   */
  resuming?: boolean;
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
  /**
   * The server said hello. Runs before queued frames are flushed. `resumed`: the same session
   * came back (nothing was lost); otherwise a new one started (after a refused resume, `frame.reason`).
   */
  hello(frame: ServerFrameOf<'hello'>, resumed: boolean, triedResume: boolean): void;
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
  /** The URL the next socket opens; it changes when {@link rotate} moves to another endpoint. */
  url: () => string;
  /** Called before each new attempt is scheduled; `dropped`: a connection that had said hello was lost. */
  rotate?: (dropped: boolean) => void;
  WebSocket: WebSocketConstructor;
  reconnect: BackoffOptions | false;
  /** Frames kept while not connected; more are refused. */
  queueLimit: number;
  /** Milliseconds an attempt may take to reach the hello; 0 or `Infinity` for no limit. */
  connectTimeout: number;
  /** Written frames kept until the server applied them, for resending after a resume. */
  resendFrames: number;
  resendBytes: number;
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
  /** Set when the server keeps the session for a resume (its hello had a token). */
  #session: ResumableSession | undefined;
  /** The current socket was opened to resume `#session`. */
  #resuming = false;
  #ackTimer: ReturnType<typeof setTimeout> | undefined;

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

  /** Counts sessions: changes every time a new server session starts (not on a resume). */
  get epoch(): number {
    return this.#epoch;
  }

  /** Not open, but a resume of the session may bring everything back. */
  get resuming(): boolean {
    return this.#state !== 'closed' && this.#state !== 'open' && this.#session !== undefined;
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
    clearTimeout(this.#ackTimer);
    if (socket) {
      this.#detach(socket);
      try {
        // Ends the server's session at once rather than after its grace window.
        if (wasOpen && this.#session) socket.send('{"type":"session/end"}');
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
    const session = this.#session;
    this.#resuming = session !== undefined;
    let socket: WebSocketLike;
    try {
      // Only a flag in the URL (it may be logged); the token goes in the first frame.
      const url = this.#options.url();
      socket = new this.#options.WebSocket(session ? withResume(url) : url);
    } catch (error) {
      if (first) throw error;
      this.#lost(1006, '', error instanceof Error ? error.message : String(error));
      return;
    }
    this.#socket = socket;
    let errorText = '';
    socket.binaryType = 'arraybuffer';
    socket.onopen = session
      ? () => {
          try {
            socket.send(session.resumeFrame());
          } catch {
            // The socket failed at once; its close event follows.
          }
        }
      : ignore;
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
    if (frame?.type === 'hello') {
      if (this.#state === 'connecting') this.#hello(frame);
      return;
    }
    const session = this.#session;
    if (session && this.#state === 'open') {
      if (frame?.type === 'session/ack') {
        session.applied(frame.seq);
        return;
      }
      // Every other frame after the hello is counted, even one this SDK cannot read: the server
      // counted it too, and the counts must agree for a resume to replay exactly what was missed.
      session.received += 1;
      session.receivedBytes += sizeOf(data);
      this.#scheduleAck(session);
    }
    if (frame) this.#handlers.frame(frame);
  }

  #scheduleAck(session: ResumableSession): void {
    if (session.received - session.acked >= ACK_EVERY || session.receivedBytes >= ACK_BYTES) {
      // Nothing is left unacked: the next frame waits its own delay. A timer left running would
      // ack the frames after this one early, one more ack for the server to read per delay.
      clearTimeout(this.#ackTimer);
      this.#ackTimer = undefined;
      this.#ack(session);
      return;
    }
    this.#ackTimer ??= setTimeout(() => {
      this.#ackTimer = undefined;
      if (this.#session === session && this.#state === 'open') this.#ack(session);
    }, ACK_DELAY);
  }

  #ack(session: ResumableSession): void {
    if (session.received === session.acked || !this.#socket) return;
    session.acked = session.received;
    session.receivedBytes = 0;
    try {
      this.#socket.send(`{"type":"session/ack","seq":${session.received}}`);
    } catch {
      // The socket is going away: the resume frame carries the count instead.
    }
  }

  #hello(frame: ServerFrameOf<'hello'>): void {
    const tried = this.#resuming;
    const resumed = tried && frame.resumed === true && frame.socketId === this.#session?.socketId;
    this.#state = 'open';
    this.#failures = 0;
    clearTimeout(this.#connectTimer);
    this.#backoff?.reset();
    if (resumed) {
      const session = this.#session!;
      if (frame.resume) session.token = frame.resume.token;
      session.applied(frame.seq ?? 0);
      // What the server's hello says it received is all it knows of.
      session.acked = session.received;
    } else {
      this.#epoch += 1;
      const { resume } = frame;
      const { resendFrames: frames, resendBytes: bytes } = this.#options;
      this.#session = resume ? new ResumableSession(frame.socketId, resume.token, { frames, bytes }) : undefined;
    }
    this.#handlers.hello(frame, resumed, tried);
    if (resumed) {
      // Tells the server the resumed hello (and its new token) arrived, so the old token stops working.
      try {
        this.#socket?.send(`{"type":"session/ack","seq":${this.#session!.received}}`);
      } catch {
        // Going away again: the next resume presents the token this hello replaced, still good.
      }
      // Frames the server had not applied, in their order, before anything new.
      for (const out of this.#session!.unapplied()) {
        if (!this.#socket || this.#state !== 'open') break;
        try {
          this.#socket.send(out.data);
        } catch {
          // Going away again; they stay kept for the next resume.
        }
      }
    }
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
    this.#session?.wrote(out);
    out.written?.();
  }

  #lost(code: number, reason: string, errorText = '', timedOut = false): void {
    const wasOpen = this.#state === 'open';
    const failure = wasOpen ? undefined : attemptFailure({ code, closeReason: reason, errorText, timedOut });
    const final = closeCodesWithoutReconnect.has(code) || (failure !== undefined && isFinalRefusal(failure));
    // A session the server keeps is resumed promptly: only the first attempt after a socket that
    // had said hello, and only a short jitter (see BackoffOptions.resumeDelay).
    const delay = this.#backoff && !final ? this.#backoff.next(wasOpen && this.#session !== undefined) : undefined;
    clearTimeout(this.#ackTimer);
    this.#ackTimer = undefined;
    const info: CloseInfo = {
      code,
      reason: reason || (failure?.status ? `handshake refused with HTTP ${failure.status}` : ''),
      willReconnect: delay !== undefined,
      // Only when true, so a client of a server without sessions sees the same events as before.
      ...(delay !== undefined && this.#session !== undefined ? { resuming: true } : {}),
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
    this.#options.rotate?.(wasOpen);
    this.#timer = setTimeout(() => this.#open(false), delay);
  }

  #finish(info: CloseInfo): void {
    this.#queue.clear();
    this.#session = undefined;
    this.#handlers.closed(info);
  }

  #detach(socket: WebSocketLike): void {
    socket.onopen = ignore;
    socket.onmessage = ignore;
    socket.onclose = ignore;
    socket.onerror = ignore;
  }
}

/** The endpoint with `resume=1`: the server then waits for the `session/resume` frame before its hello. */
function withResume(url: string): string {
  const hash = url.indexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  return `${base}${base.includes('?') ? '&' : '?'}resume=1`;
}

/** A received message's size as the server counts it: UTF-16 units of text, bytes of binary. */
function sizeOf(data: unknown): number {
  if (typeof data === 'string') return data.length;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}
