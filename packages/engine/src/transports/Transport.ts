import type { WireData } from '@mwse/protocol';
import type { TlsOptions } from '../EngineOptions.js';
import type { HttpHandler } from '../http/HttpTypes.js';

/**
 * One WebSocket connection as the engine sees it, whichever library carries it. Each transport
 * maps its own socket onto this; nothing outside `transports/` touches uWebSockets.js or ws.
 */
export interface TransportSocket {
  readonly remoteAddress: string;
  /**
   * Hand one message to the library: a string as a text frame, bytes as a binary frame, or as a
   * text frame when `text` (UTF-8 the engine wrote: a session keeps a JSON client's frames as
   * bytes). Never drops: the engine stops calling it over `bufferedAmount`. Returns true when
   * the message went out without buffering, so the caller can skip asking for
   * `bufferedAmount` (a native call on uWS).
   */
  send(data: WireData, text?: boolean): boolean;
  /** Run `fn` with writes batched into as few syscalls as the library allows (uWS cork). */
  cork(fn: () => void): void;
  /** Bytes the library has accepted but not yet written to the kernel. */
  bufferedAmount(): number;
  ping(): void;
  /** Close with a close frame. */
  close(code: number, reason: string): void;
  /** Drop the TCP connection at once (dead peers). */
  terminate(): void;
}

/** What the engine is told about a WebSocket handshake before it decides to accept it. */
export interface UpgradeRequest {
  path: string;
  query: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  remoteAddress: string;
}

/** The engine's answer to a handshake: accept (with state handed to `open`) or refuse with a status. */
export type UpgradeDecision =
  | { accept: true; context: unknown }
  | { accept: false; status: number; message: string };

/** Callbacks a transport calls; `C` is whatever the engine attaches to a socket on open. */
export interface TransportHandlers<C> {
  /** Decide on a handshake; may be async (a bridge approval), the socket waits. */
  upgrade(request: UpgradeRequest): UpgradeDecision | Promise<UpgradeDecision>;
  open(socket: TransportSocket, context: unknown): C;
  /**
   * Text frames arrive as strings, binary frames as bytes valid only during the call. A text
   * frame may come with the bytes it was decoded from too (`utf8`: UTF-8 the library checked,
   * decoded with any byte-order mark kept, valid only during the call), so the engine can relay
   * a JSON pack by copying them.
   */
  message(conn: C, data: WireData, utf8?: ArrayBuffer): void;
  /** The library's buffer went down: the engine may send again. */
  drain(conn: C): void;
  pong(conn: C): void;
  close(conn: C, code: number): void;
  http: HttpHandler;
}

export interface TransportOptions {
  maxMessageSize: number;
  /** `bufferedAmount` above which the engine pauses a socket; the library must buffer past it without dropping. */
  highWaterMark: number;
  /** Serve TLS (`wss://`, `https://`) with these files; plain when absent. */
  tls?: TlsOptions;
  /** Share the port with other processes that set it (SO_REUSEPORT); otherwise a taken port fails. */
  reusePort?: boolean;
}

/** A WebSocket server library behind the engine's contract. */
export interface Transport {
  readonly name: 'uws' | 'ws';
  /** Start listening; resolves with the bound port. */
  listen<C>(host: string, port: number, handlers: TransportHandlers<C>): Promise<number>;
  /** Stop accepting new connections and HTTP requests; open sockets stay. */
  stopListening(): void;
}
