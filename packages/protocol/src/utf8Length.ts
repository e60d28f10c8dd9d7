/**
 * How many bytes `text[start..end)` takes in UTF-8, counted without encoding it, or -1 when it
 * holds a lone surrogate. A lone surrogate has no UTF-8 form: `TextEncoder` writes U+FFFD in its
 * place, so the bytes on the wire would name a different string than the one the sender meant.
 * Limits that a length byte must carry (room names, peer ids) are counted with this.
 *
 * @example
 * utf8Length('oda'); // 3
 * utf8Length('😀'); // 4 (two UTF-16 code units)
 * utf8Length('\uD800'); // -1
 */
export function utf8Length(text: string, start = 0, end = text.length): number {
  let bytes = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c < 0xd800 || c > 0xdfff) bytes += 3;
    else if (c > 0xdbff) return -1; // a low surrogate with no high one before it
    else {
      const low = i + 1 < end ? text.charCodeAt(i + 1) : 0;
      if (low < 0xdc00 || low > 0xdfff) return -1;
      bytes += 4;
      i++;
    }
  }
  return bytes;
}
