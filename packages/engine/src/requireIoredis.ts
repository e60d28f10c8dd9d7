import { createRequire } from 'node:module';

/**
 * `require('ioredis')`, then String.prototype made fast again. ioredis defines
 * `class VerbatimString extends String` as it loads, and in V8 that leaves String.prototype with
 * dictionary-mode properties: from then on every method call on a string in optimized code
 * (`text.charCodeAt(i)`, `text.slice`, …) goes through the generic load IC and a dictionary
 * lookup. Measured on two cluster nodes, that was ~10,000 instructions per relayed message,
 * almost all in the frame reader's character loop. V8 makes a prototype fast again when a load
 * IC with feedback runs on an object (not a primitive) whose chain holds it, which a String
 * wrapper is: hence the loop below, long enough to get feedback whatever V8's lazy feedback
 * allocation waits for. Nothing about strings' behaviour changes.
 */
export function requireIoredis(): unknown {
  const ioredis = createRequire(import.meta.url)('ioredis') as unknown;
  const wrapper: { charCodeAt(index: number): number } = new String(' ');
  for (let i = 0; i < 64; i++) touch(wrapper);
  return ioredis;
}

/** One load of a String.prototype method through a wrapper object (see `requireIoredis`). */
function touch(wrapper: { charCodeAt(index: number): number }): number {
  return wrapper.charCodeAt(0);
}
