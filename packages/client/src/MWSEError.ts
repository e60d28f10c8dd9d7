import type { ErrorCode } from '@mwse/protocol';

// Readable defaults for codes the SDK raises itself; server errors bring their own message.
const defaultMessages: Partial<Record<ErrorCode, string>> = {
  timeout: 'no answer came in time',
  disconnected: 'the connection closed before the server answered',
  'peer-disconnected': 'the peer disconnected before it answered',
  'no-handler': 'the peer has no request handler',
  'remote-error': "the peer's request handler failed",
  exhausted: 'too many frames are waiting to be sent',
  'not-paired': 'the peer has pair-auth on and has not accepted you',
  unreachable: 'the peer is not connected',
  refused: 'the server refused the connection',
};

/**
 * Every failure the SDK reports: a rejected call, a refused frame, a failed request.
 * `code` is one of the protocol's {@link ErrorCode}s, stable across versions, so branch on it
 * rather than on the message.
 *
 * @example
 * try {
 *   await peer.request({ op: 'sum', a: 1, b: 2 }, { timeout: 5_000 });
 * } catch (err) {
 *   if (err instanceof MWSEError && err.code === 'timeout') retryLater();
 *   else throw err;
 * }
 */
export class MWSEError extends Error {
  override readonly name = 'MWSEError';
  /** Why it failed; see {@link ErrorCode}. */
  readonly code: ErrorCode;
  /** Validation issues the server listed for a `bad-frame` refusal, one line each. */
  readonly issues?: readonly string[];

  constructor(
    code: ErrorCode,
    message?: string,
    options: { issues?: readonly string[]; cause?: unknown } = {},
  ) {
    super(message || defaultMessages[code] || code, { cause: options.cause });
    this.code = code;
    if (options.issues) this.issues = options.issues;
  }

  /**
   * True when `error` is an `MWSEError`, and has `code` when one is given. Works across copies of
   * the SDK (say, the served `/sdk/index.js` and a bundled one), where `instanceof` would not.
   */
  static is(error: unknown, code?: ErrorCode): error is MWSEError {
    if (typeof error !== 'object' || error === null) return false;
    const e = error as { name?: unknown; code?: unknown };
    return (
      e.name === 'MWSEError' &&
      typeof e.code === 'string' &&
      (code === undefined || e.code === code)
    );
  }
}
