import { MediaError } from './MediaBackend.js';

/**
 * Run one media-server call with a deadline: `call` gets a signal that fires at `timeout` ms
 * (or when `outer` fires), and the result is raced against it, so a call that ignores its
 * signal still cannot outlive the deadline. A timeout rejects with `media-unavailable`.
 */
export async function withDeadline<T>(
  timeout: number,
  what: string,
  call: (signal: AbortSignal) => Promise<T>,
  outer?: AbortSignal,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    const fail = () => reject(new MediaError('media-unavailable', `the media server did not answer ${what} within ${timeout} ms`));
    timer = setTimeout(() => {
      controller.abort(new MediaError('media-unavailable', `${what} timed out`));
      fail();
    }, timeout);
    timer.unref?.();
    if (outer) {
      if (outer.aborted) {
        controller.abort(outer.reason);
        fail();
      } else {
        outer.addEventListener('abort', () => {
          controller.abort(outer.reason);
          fail();
        }, { once: true });
      }
    }
  });
  // A late rejection of the losing side is expected and handled here, never unhandled.
  expired.catch(() => {});
  try {
    return await Promise.race([call(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Rejects when `signal` fires (with a `media-unavailable` error), for use in a race. */
export function aborted(signal: AbortSignal, what: string): Promise<never> {
  return new Promise((_, reject) => {
    const fail = () => reject(new MediaError('media-unavailable', `${what}: the deadline passed`));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}
