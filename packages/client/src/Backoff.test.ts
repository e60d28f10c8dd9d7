import { describe, expect, it } from 'vitest';
import { Backoff } from './Backoff.js';

describe('Backoff', () => {
  it('doubles the ceiling per attempt up to maxDelay (random pinned just under 1)', () => {
    const backoff = new Backoff({ initialDelay: 100, maxDelay: 1_000 }, () => 0.999999);
    const delays = Array.from({ length: 6 }, () => backoff.next());
    expect(delays).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it('applies full jitter: a random of 0 gives 0, 0.5 gives half the ceiling', () => {
    expect(new Backoff({ initialDelay: 400 }, () => 0).next()).toBe(0);
    const half = new Backoff({ initialDelay: 400, maxDelay: 10_000 }, () => 0.5);
    expect([half.next(), half.next(), half.next()]).toEqual([200, 400, 800]);
  });

  it('stays within [0, ceiling) with the real random source', () => {
    const backoff = new Backoff({ initialDelay: 50, maxDelay: 300 });
    for (let i = 0; i < 200; i++) {
      const delay = backoff.next();
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(300);
    }
  });

  it('gives up after maxAttempts and starts over after reset', () => {
    const backoff = new Backoff({ maxAttempts: 2 }, () => 0.5);
    expect(backoff.next()).toBeTypeOf('number');
    expect(backoff.next()).toBeTypeOf('number');
    expect(backoff.next()).toBeUndefined();
    expect(backoff.attempts).toBe(2);
    backoff.reset();
    expect(backoff.attempts).toBe(0);
    expect(backoff.next()).toBe(250);
  });

  it('stays finite however many attempts were made', () => {
    const backoff = new Backoff({ initialDelay: 1_000, maxDelay: 5_000 }, () => 0.5);
    let last: number | undefined;
    for (let i = 0; i < 2_000; i++) last = backoff.next();
    expect(last).toBe(2_500);
  });

  it('waits at most resumeDelay before a prompt first attempt, then backs off from initialDelay', () => {
    const backoff = new Backoff({ initialDelay: 400, maxDelay: 10_000, resumeDelay: 80 }, () => 0.999999);
    expect([backoff.next(true), backoff.next(true), backoff.next(true), backoff.next(true)]).toEqual([79, 399, 799, 1599]);
    expect(backoff.attempts).toBe(4);
    backoff.reset();
    expect(backoff.next(true)).toBe(79);
  });

  it('a prompt attempt counts towards maxAttempts and never exceeds maxDelay', () => {
    const backoff = new Backoff({ maxAttempts: 1, maxDelay: 50, resumeDelay: 500 }, () => 0.999999);
    expect(backoff.next(true)).toBe(49);
    expect(backoff.next(true)).toBeUndefined();
  });

  it('defaults the prompt delay to under 100 ms, and only the first attempt of a run is prompt', () => {
    const backoff = new Backoff({}, () => 0.999999);
    expect(backoff.next()).toBe(499);
    expect(backoff.next(true)).toBe(999);
    const fresh = new Backoff({}, () => 0.999999);
    expect(fresh.next(true)).toBe(99);
  });
});
