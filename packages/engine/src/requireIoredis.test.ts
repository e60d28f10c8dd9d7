import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { requireIoredis } from './requireIoredis.js';

// ioredis subclasses String as it loads, which leaves String.prototype in V8's slow
// (dictionary) mode and every string method call on the hot paths with it; `requireIoredis`
// makes it fast again. The subclass is made here as ioredis makes it, since ioredis may be
// loaded in this process already.
setFlagsFromString('--allow-natives-syntax');
const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;

describe('requireIoredis', () => {
  it('leaves String.prototype fast after a String subclass made it slow', () => {
    new Function('class VerbatimString extends String {}; return VerbatimString')();
    expect(hasFastProperties(String.prototype)).toBe(false);
    expect(typeof requireIoredis()).toBe('function');
    expect(hasFastProperties(String.prototype)).toBe(true);
  });
});
