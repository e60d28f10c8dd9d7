const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const ZERO = 0x30;
const NINE = 0x39;

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/**
 * The `id` of a JSON frame that will not be parsed (it nests too deeply), read by one walk over
 * the text: the value of the key `"id"` at the top level, when it is a plain non-negative integer.
 * It lets the refusal carry the id so the sender's call fails at once instead of timing out.
 * Escaped key spellings (`"\u0069d"`) are not recognised; such a frame's refusal has no id.
 */
export function topLevelId(text: string): number | undefined {
  let depth = 0;
  let found: number | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i + 1;
      for (i = start; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
      if (depth !== 1 || i - start !== 2 || text.slice(start, i) !== 'id') continue;
      let j = i + 1;
      while (isSpace(text.charCodeAt(j))) j++;
      if (text.charCodeAt(j) !== COLON) continue;
      j++;
      while (isSpace(text.charCodeAt(j))) j++;
      const digits = j;
      while (text.charCodeAt(j) >= ZERO && text.charCodeAt(j) <= NINE) j++;
      const value = Number(text.slice(digits, j));
      found = j > digits && Number.isSafeInteger(value) ? value : undefined;
      i = j - 1;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return found;
}
