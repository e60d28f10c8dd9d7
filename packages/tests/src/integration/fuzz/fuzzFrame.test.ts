import { describe, expect, it } from 'vitest';
import { mutate } from './fuzzFrame.js';
import { Prng } from './Prng.js';

describe('the fuzzer’s frame mutations', () => {
  it('mutate any frame earlier mutations left behind, hostile toString and valueOf included', () => {
    // A `type` no String() can convert: what withKey() leaves when it writes HOSTILE_KEYS.
    const hostile = () => ({ type: Object.defineProperties({}, { toString: { value: 1, enumerable: true }, valueOf: { value: 1, enumerable: true } }), id: 1 });
    expect(() => String(hostile().type)).toThrow(TypeError);
    const prng = new Prng(1160719582);
    for (let i = 0; i < 2000; i++) {
      const frame: Record<string, unknown> = hostile();
      expect(() => mutate(prng, frame)).not.toThrow();
    }
  });
});
