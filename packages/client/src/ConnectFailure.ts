import type { AttemptFailure } from './attemptFailure.js';
import type { FailedAttempt } from './Connection.js';
import { MWSEError } from './MWSEError.js';

/**
 * What `mwse.on('connect/error', failure => …)` receives: a connection attempt that ended before
 * the server's hello.
 *
 * @example
 * mwse.on('connect/error', ({ reason, status, message, willReconnect }) => {
 *   statusLine.textContent = willReconnect ? `${message}; retrying…` : message;
 * });
 */
export interface ConnectFailure {
  /**
   * `refused`: the server answered the handshake with an HTTP error (`status`), or closed before
   * its hello. `unreachable`: nothing answered, or the platform does not say why; browsers report
   * every failed handshake this way, refusals included. `timeout`: no hello within `connectTimeout`.
   */
  reason: AttemptFailure['reason'];
  /**
   * HTTP status of a refused handshake: 403 (origin not allowed, or the bridge said no), 429 (too
   * many connections from this address), 503 (shutting down, or the bridge did not answer).
   * Only where the WebSocket implementation exposes it: the `ws` package (Node 20's default) does;
   * browsers and Node's built-in WebSocket do not, so it is `undefined` there.
   */
  status?: number;
  /** WebSocket close code (1006 when the socket failed without a close frame). */
  code: number;
  /** One readable line naming the endpoint and what went wrong. */
  message: string;
  /** Failed attempts in a row, 1 for the first; a hello starts over. */
  attempt: number;
  /** True when the SDK tries again (`reconnecting` follows); false when it gives up (`close`). */
  willReconnect: boolean;
  /** What the calls waiting for this attempt were rejected with: code `refused` or `unreachable`. */
  error: MWSEError;
}

/** Builds the `connect/error` payload for `endpoint` (shown without the SDK's `codec` query). */
export function connectFailure(endpoint: string, attempt: FailedAttempt): ConnectFailure {
  const { reason, status, code, detail } = attempt;
  const where = `cannot connect to ${endpoint}`;
  let why: string;
  if (reason === 'timeout') why = 'no answer in time';
  else if (status !== undefined) why = `the server refused the handshake with HTTP ${status}`;
  else if (reason === 'refused') why = `the server closed the connection (${code}${detail ? ` ${detail}` : ''})`;
  else if (detail) why = `no answer (${detail})`;
  // Browsers hide why a handshake failed from scripts (a refusal looks like a dead server).
  else why = 'no answer, or the handshake was refused (the page cannot tell which; the server logs refusals)';
  const message = `${where}: ${why}`;
  const failure: ConnectFailure = {
    reason,
    code,
    message,
    attempt: attempt.attempt,
    willReconnect: attempt.willReconnect,
    error: new MWSEError(reason === 'refused' ? 'refused' : 'unreachable', message),
  };
  if (status !== undefined) failure.status = status;
  return failure;
}
