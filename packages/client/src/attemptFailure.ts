/** Why one connection attempt ended before the server's hello. */
export interface AttemptFailure {
  /**
   * `refused`: the server answered the handshake with an HTTP error (403 origin, 429 cap,
   * 503 shutting down or bridge unavailable), or closed the socket with a code before its hello.
   * `unreachable`: nothing answered, or the platform does not say what happened (browsers).
   * `timeout`: no hello within `connectTimeout`.
   */
  reason: 'refused' | 'unreachable' | 'timeout';
  /** HTTP status of a refused handshake, where the WebSocket implementation exposes it. */
  status?: number;
  /** WebSocket close code (1006 when the socket failed without a close frame). */
  code: number;
  /** What the WebSocket implementation or the server said, if anything. */
  detail: string;
}

/** What one socket reported before it closed. */
export interface SocketEnd {
  code: number;
  closeReason: string;
  /** Text of the last `error` event (`ws`: `Unexpected server response: 403`, `connect ECONNREFUSED …`). */
  errorText: string;
  timedOut: boolean;
}

// The `ws` package names the status in its error ("Unexpected server response: 403") and has done
// so since 2017; browsers and undici give no status at all, so this is the only place one exists.
const unexpectedResponse = /Unexpected server response: (\d{3})\b/;

/** Classifies how an attempt ended. */
export function attemptFailure({ code, closeReason, errorText, timedOut }: SocketEnd): AttemptFailure {
  if (timedOut) return { reason: 'timeout', code, detail: '' };
  const status = unexpectedResponse.exec(errorText)?.[1];
  if (status) return { reason: 'refused', status: Number(status), code, detail: errorText };
  // A close frame before the hello is the server's own decision (1001 while it shuts down, 1008).
  if (code !== 1006) return { reason: 'refused', code, detail: closeReason };
  return { reason: 'unreachable', code, detail: errorText };
}

/**
 * True for a refusal that trying again would only repeat: a 4xx status other than 408 (request
 * timeout) and 429 (too many connections, which frees up). A 403 (origin not allowed, bridge said
 * no) ends the client instead of hammering the server; 5xx and 429 are retried with backoff.
 */
export function isFinalRefusal(failure: AttemptFailure): boolean {
  const { status } = failure;
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** The text of an `error` event from any WebSocket implementation. */
export function errorTextOf(event: unknown): string {
  const e = event as { message?: unknown; error?: { message?: unknown } } | null | undefined;
  const text = e?.message ?? e?.error?.message;
  return typeof text === 'string' ? text : '';
}
