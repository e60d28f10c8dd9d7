import type { BackoffOptions } from './Backoff.js';
import type { WebSocketConstructor } from './WebSocketLike.js';

/** Options of `new MWSE(options)`. */
export interface MWSEOptions {
  /**
   * The server's WebSocket URL (`ws://127.0.0.1:7707`; `http(s)://` is accepted too). Default:
   * with the SDK a server serves (`/sdk/index.js`), that server, whichever page imported it; with
   * the npm package in a browser, the page's own origin; in Node it is required.
   *
   * A list names the nodes of one cluster (docs/cluster.md) for setups without a load balancer:
   * the client starts on a random one, tries the next after a failed attempt and another one
   * after a drop, with the usual backoff; a session resumes through whichever node answers.
   */
  endpoint?: string | readonly string[];
  /**
   * Reconnect after the connection drops (default `true`): exponential backoff with full jitter.
   * `false` to never reconnect, or an object to tune the delays. A reconnect resumes the same
   * session when the server still keeps it (docs/sessions.md); otherwise you are a new peer.
   */
  reconnect?: boolean | BackoffOptions;
  /** Milliseconds every call (requests included) waits for its answer (default 30 000). */
  requestTimeout?: number;
  /** The WebSocket class to use; by default the global one, or the `ws` package in Node 20. */
  WebSocket?: WebSocketConstructor;
  /**
   * Frames kept while not connected (before the first hello, or while reconnecting), sent once the
   * server said hello (default 1024). Past it, calls reject with `exhausted`.
   */
  queueLimit?: number;
  /**
   * Milliseconds one connection attempt may take to reach the server's hello (default 10 000);
   * past it the attempt fails with `connect/error` reason `timeout`. `0` for no limit.
   */
  connectTimeout?: number;
  /**
   * Wire format of direct, room and request/response traffic: `binary` (default) asks the server
   * for the binary framing, which it routes on a header without parsing payloads; a server that
   * does not offer it answers in JSON, and the SDK follows. `json` keeps every frame readable text.
   */
  codec?: 'binary' | 'json';
  /**
   * Frames (default 1024) and bytes (default 8 MiB) written but not yet acknowledged by the
   * server, kept to resend after a resume. A resume that would need one let go past these is
   * refused (`reason: 'overflow'`) and a new session starts.
   */
  resendLimit?: number;
  resendBytes?: number;
}

/** Defaults of the numeric options. */
export const defaultOptions = {
  requestTimeout: 30_000,
  queueLimit: 1024,
  connectTimeout: 10_000,
  resendLimit: 1024,
  resendBytes: 8 * 1024 * 1024,
} as const;

/** Reads `reconnect` into backoff options, or `false`. */
export function reconnectOption(reconnect: MWSEOptions['reconnect']): BackoffOptions | false {
  if (reconnect === false) return false;
  return reconnect === true || reconnect === undefined ? {} : reconnect;
}
