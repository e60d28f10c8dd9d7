import type { Prng } from './Prng.js';

/**
 * JSON text placed into a frame as it is. JSON.stringify cannot write what the fuzz suite needs
 * to send: nesting past its own stack (thousands of levels) and numbers like `1e999` that only
 * exist as text.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

/** Strings that have broken text handling elsewhere: surrogates, NUL, direction marks, 4-byte. */
export const UNICODE_EDGES = [
  '\ud800', // lone high surrogate
  '\udfff', // lone low surrogate
  'a\ud83db', // high surrogate without its pair, inside text
  '\u0000',
  'nul\u0000inside',
  '\u202eevil\u202c', // right-to-left override
  '\u05e9\u05dc\u05d5\u05dd', // Hebrew (RTL)
  '😀',
  '𝕏'.repeat(40),
  '\ufeff', // byte order mark
  '\uffff',
  'e\u0301'.repeat(30), // combining marks
  '\u2028\u2029', // JS line separators
  '\\"\n\t',
] as const;

/** Keys that reach prototypes when code treats a parsed object as a plain map. */
export const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'] as const;

/** Numbers at and past the edges of what fields accept, some only writable as JSON text. */
const NUMBERS: (number | RawJson)[] = [
  0, -0, -1, -(2 ** 31), 1.5, 2 ** 31, 2 ** 32, 2 ** 32 + 1, 2 ** 53, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER,
  Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, 1_000_001,
  new RawJson('1e999'), new RawJson('-1e999'), new RawJson('1e-999'), new RawJson('123456789012345678901234567890'),
  new RawJson('-0.0'),
];

/** Strings a careless `Number()` or `parseInt` turns into numbers, or not. */
const NUMERIC_STRINGS = ['NaN', 'Infinity', '-Infinity', '0x10', '1e3', ' 1', '', 'null', 'undefined', 'true', '-1', '9'.repeat(400)];

/** An object with `key` as an own property (assigning `__proto__` would set the prototype instead). */
export function withKey(target: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

/** JSON text nested `depth` levels deep, arrays and objects mixed. */
export function deepJson(prng: Prng, depth: number): RawJson {
  const style = prng.int(0, 2);
  const opens: string[] = [];
  const closes: string[] = [];
  for (let i = 0; i < depth; i++) {
    const array = style === 0 || (style === 2 && prng.chance(0.5));
    opens.push(array ? '[' : '{"a":');
    closes.push(array ? ']' : '}');
  }
  return new RawJson(`${opens.join('')}${prng.pick(['1', '"leaf"', 'null', '[]', '{}'])}${closes.reverse().join('')}`);
}

/** A nesting depth between 10 and 10 000 levels, spread over the orders of magnitude. */
export function deepDepth(prng: Prng): number {
  return prng.pick([prng.int(10, 99), prng.int(100, 999), prng.int(1000, 4999), prng.int(5000, 10_000)]);
}

export function unicodeString(prng: Prng): string {
  return Array.from({ length: prng.int(1, 3) }, () => prng.pick(UNICODE_EDGES)).join('');
}

export function hostileNumber(prng: Prng): number | RawJson {
  return prng.pick(NUMBERS);
}

/** A string near `limit`: just under, at, or just over it. */
export function stringNear(prng: Prng, limit: number): string {
  const length = Math.max(0, limit + prng.int(-1, 1));
  return prng.chance(0.3) ? '😀'.repeat(Math.ceil(length / 2)).slice(0, length) : 'x'.repeat(length);
}

/** Any value of the wrong kind for a field: the mutators put these where a type is expected. */
export function wrongValue(prng: Prng): unknown {
  switch (prng.int(0, 9)) {
    case 0:
      return null;
    case 1:
      return prng.chance(0.5);
    case 2:
      return hostileNumber(prng);
    case 3:
      return prng.pick(NUMERIC_STRINGS);
    case 4:
      return unicodeString(prng);
    case 5:
      return [];
    case 6:
      return {};
    case 7:
      return withKey({}, prng.pick(HOSTILE_KEYS), { polluted: true });
    case 8:
      return deepJson(prng, deepDepth(prng));
    default:
      return [prng.int(0, 9), 'x'];
  }
}

/**
 * An application payload (pack, body, data, info value): mostly small and valid so traffic is
 * really delivered, often hostile: deep, prototype keys, odd text, odd numbers, long.
 */
export function payload(prng: Prng, seq: number): unknown {
  const roll = prng.next();
  if (roll < 0.4) return { seq, text: prng.chance(0.2) ? unicodeString(prng) : 'hi' };
  if (roll < 0.62) return deepJson(prng, deepDepth(prng));
  if (roll < 0.72) return withKey({ seq }, prng.pick(HOSTILE_KEYS), prng.chance(0.5) ? { admin: true } : 'x');
  if (roll < 0.8) return unicodeString(prng);
  if (roll < 0.86) return hostileNumber(prng);
  if (roll < 0.92) return 'p'.repeat(prng.int(1_000, 20_000));
  if (roll < 0.96) return undefined;
  return prng.pick([null, true, [], {}, '']);
}

/**
 * Serialise a frame that may hold {@link RawJson} anywhere. Each raw value becomes a unique
 * placeholder string first, then its text is spliced in where the placeholder's quotes were.
 */
export function toJsonText(frame: unknown): string {
  const raws: RawJson[] = [];
  const text = JSON.stringify(frame, (_key, value: unknown) => {
    if (value instanceof RawJson) {
      raws.push(value);
      return `\u0001raw${raws.length - 1}\u0001`;
    }
    return value;
  });
  if (raws.length === 0) return text ?? '';
  return (text ?? '').replace(/"\\u0001raw(\d+)\\u0001"/g, (_m, i: string) => raws[Number(i)]!.text);
}
