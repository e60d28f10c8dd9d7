import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_JSON_DEPTH, exceedsJsonDepth } from './jsonDepth.js';

/** The depth of a parsed value, counted the slow way. */
function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depthOf));
}

const nested = (levels: number, open = '[', close = ']') => open.repeat(levels) + close.repeat(levels);

describe('exceedsJsonDepth', () => {
  it('agrees with the depth of the parsed value, for text and bytes', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), fc.integer({ min: 1, max: 12 }), (value, max) => {
        const text = JSON.stringify(value);
        const expected = depthOf(value) > max;
        expect(exceedsJsonDepth(text, max)).toBe(expected);
        expect(exceedsJsonDepth(new TextEncoder().encode(text), max)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('draws the line at MAX_JSON_DEPTH', () => {
    expect(exceedsJsonDepth(nested(MAX_JSON_DEPTH))).toBe(false);
    expect(exceedsJsonDepth(nested(MAX_JSON_DEPTH + 1))).toBe(true);
    expect(exceedsJsonDepth(nested(5000, '{"a":', '}'))).toBe(true);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    const inString = JSON.stringify({ text: '['.repeat(1000) + '\\"' + '{'.repeat(1000) });
    expect(exceedsJsonDepth(inString)).toBe(false);
  });

  it('never throws on arbitrary text or bytes', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.uint8Array({ maxLength: 400 })), (data) => {
        expect(typeof exceedsJsonDepth(data, 8)).toBe('boolean');
      }),
    );
  });
});
