import type { ErrorCode } from '@mwse/protocol';
import type { Peer } from './Peer.js';
import type { Sendable } from './Sendable.js';

/** The answer sent back for a request. */
export type RequestAnswer =
  | { body?: unknown }
  | { error: { code: Extract<ErrorCode, 'no-handler' | 'remote-error'>; message: string } };

function messageOf(reason: unknown): string {
  const message = reason instanceof Error ? reason.message : String(reason);
  // The protocol caps error messages at 1024 characters.
  return message.slice(0, 1024);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/**
 * A request another peer sent with `peer.request(body)`. Answer it once with {@link response};
 * later answers are ignored. A handler that throws (or returns a promise that rejects) answers
 * with a `remote-error` carrying the message, and with no handler at all the SDK answers
 * `no-handler`, so the requester never waits for nothing.
 *
 * @example
 * type Sum = { type: 'addition'; number1: number; number2: number };
 * mwse.on('request', async (req: IncomingRequest<Sum>) => {
 *   if (req.body.type === 'addition') req.response(req.body.number1 + req.body.number2);
 *   else req.response(lookup(req.body)); // a promise is awaited
 * });
 */
export class IncomingRequest<T = unknown> {
  /** What the requester sent. */
  readonly body: T;
  /** Who sent it. */
  readonly peer: Peer;
  readonly #send: (answer: RequestAnswer) => void;
  #answered = false;

  /** Made by the client for each `request` frame; not meant to be called directly. */
  constructor(body: T, peer: Peer, send: (answer: RequestAnswer) => void) {
    this.body = body;
    this.peer = peer;
    this.#send = send;
  }

  /** True once an answer was sent (or is being awaited). */
  get answered(): boolean {
    return this.#answered;
  }

  /**
   * Answers with `value`, or with what `value` resolves to when it is a promise; a promise that
   * rejects answers `remote-error`. Returns false when the request was already answered.
   */
  response<R>(value?: (R & Sendable<R>) | PromiseLike<unknown>): boolean {
    if (!this.#claim()) return false;
    if (isThenable(value)) {
      value.then(
        (resolved) => this.#answer(resolved),
        (reason) => this.#fail('remote-error', reason),
      );
    } else {
      this.#answer(value);
    }
    return true;
  }

  /** Answers with a `remote-error`; the requester's promise rejects with `reason`'s message. */
  reject(reason: unknown): boolean {
    if (!this.#claim()) return false;
    this.#fail('remote-error', reason);
    return true;
  }

  /** @internal Answers `no-handler` when no listener took the request. */
  noHandler(): void {
    if (this.#claim()) this.#fail('no-handler', 'the peer has no request handler');
  }

  #claim(): boolean {
    if (this.#answered) return false;
    this.#answered = true;
    return true;
  }

  #answer(body: unknown): void {
    try {
      this.#send({ body });
    } catch (error) {
      // JSON.stringify failed (a cycle, a BigInt): tell the requester instead of leaving it waiting.
      this.#fail('remote-error', `the response cannot be sent as JSON: ${messageOf(error)}`);
    }
  }

  #fail(code: 'no-handler' | 'remote-error', reason: unknown): void {
    this.#send({ error: { code, message: messageOf(reason) } });
  }
}

/** Anything with `request` listeners: the sender's `Peer` and the client. */
interface RequestTarget {
  listeners(event: 'request'): Array<(request: IncomingRequest) => void>;
}

/**
 * Hands `request` to the listeners of `targets`, in order. Unlike ordinary events, a listener's
 * throw is the answer (`remote-error`), not something to log.
 */
export function deliverRequest(request: IncomingRequest, targets: readonly RequestTarget[]): void {
  const listeners = targets.flatMap((target) => target.listeners('request'));
  if (listeners.length === 0) {
    request.noHandler();
    return;
  }
  for (const listener of listeners) {
    try {
      const result: unknown = listener(request);
      if (isThenable(result)) result.then(undefined, (reason) => request.reject(reason));
    } catch (reason) {
      request.reject(reason);
    }
  }
}
