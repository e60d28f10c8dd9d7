/**
 * How deeply a frame may nest objects and arrays, counting the frame itself as level 1. User
 * payloads (packs, request bodies, info values, notification data) get the rest. Past a few
 * thousand levels `JSON.stringify` throws and every such frame costs tens of milliseconds; real
 * payloads stay far below this.
 */
export const MAX_JSON_DEPTH = 128;

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

type Json = string | Uint8Array;

/** Counts `code` in `data`, stopping once past `max`; `indexOf` is vectorised, a loop is not. */
function countUpTo(data: Json, code: number, max: number): number {
  let n = 0;
  let at = -1;
  if (typeof data === 'string') {
    const char = String.fromCharCode(code);
    while (n <= max && (at = data.indexOf(char, at + 1)) !== -1) n++;
  } else {
    while (n <= max && (at = data.indexOf(code, at + 1)) !== -1) n++;
  }
  return n;
}

/** The exact walk: bracket depth outside strings. */
function deeper(data: Json, max: number): boolean {
  const text = typeof data === 'string';
  let depth = 0;
  let inString = false;
  for (let i = 0; i < data.length; i++) {
    const c = text ? data.charCodeAt(i) : (data[i] as number);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > max) return true;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    }
  }
  return false;
}

/**
 * True when JSON `data` (text, or UTF-8 bytes) nests objects and arrays deeper than `max`. It
 * does not validate the JSON (the parser does that); on invalid input it only counts brackets.
 * Nesting past `max` needs more than `max` opening brackets, so most frames are cleared by
 * counting them with `indexOf` (~0.1 µs for a 300-byte frame) and only the rest are walked.
 */
export function exceedsJsonDepth(data: Json, max = MAX_JSON_DEPTH): boolean {
  if (data.length <= max) return false;
  const opening = countUpTo(data, OPEN_OBJECT, max);
  if (opening + countUpTo(data, OPEN_ARRAY, max - opening) <= max) return false;
  return deeper(data, max);
}
