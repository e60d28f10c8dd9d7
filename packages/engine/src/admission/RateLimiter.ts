/** Verdict on one inbound frame. */
export type RateVerdict = 'ok' | 'limited' | 'abusive';

/**
 * A token bucket per connection: `rate` frames a second, bursts up to `burst`. A frame without
 * a token is refused (`limited`); a sender that keeps going after `burst` refusals in a row is
 * `abusive` and gets disconnected.
 */
export class RateLimiter {
  private tokens: number;
  private last: number;
  private refusals = 0;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now = Date.now(),
  ) {
    this.tokens = burst;
    this.last = now;
  }

  take(now = Date.now()): RateVerdict {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.rate) / 1000);
      this.last = now;
    }
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.refusals = 0;
      return 'ok';
    }
    this.refusals++;
    return this.refusals > this.burst ? 'abusive' : 'limited';
  }
}
