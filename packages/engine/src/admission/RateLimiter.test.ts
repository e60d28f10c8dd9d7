import { describe, expect, it } from 'vitest';
import { RateLimiter } from './RateLimiter.js';

describe('RateLimiter', () => {
  it('allows a burst, then refuses, then refills with time', () => {
    const limiter = new RateLimiter(10, 5, 0);
    for (let i = 0; i < 5; i++) expect(limiter.take(0)).toBe('ok');
    expect(limiter.take(0)).toBe('limited');
    expect(limiter.take(100)).toBe('ok'); // 100 ms at 10/s = one token
    expect(limiter.take(100)).toBe('limited');
  });

  it('calls a sender abusive after more than `burst` refusals in a row', () => {
    const limiter = new RateLimiter(1, 3, 0);
    for (let i = 0; i < 3; i++) limiter.take(0);
    expect([1, 2, 3].map(() => limiter.take(0))).toEqual(['limited', 'limited', 'limited']);
    expect(limiter.take(0)).toBe('abusive');
  });

  it('forgives refusals once a frame gets through', () => {
    const limiter = new RateLimiter(1, 2, 0);
    limiter.take(0);
    limiter.take(0);
    limiter.take(0);
    limiter.take(0);
    expect(limiter.take(1000)).toBe('ok');
    expect(limiter.take(1000)).toBe('limited');
    expect(limiter.take(1000)).toBe('limited');
    expect(limiter.take(1000)).toBe('abusive');
  });
});
