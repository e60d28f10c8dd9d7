import fc from 'fast-check';
import { FieldLimits } from '../limits.js';

const encoder = new TextEncoder();
const bytesOf = (text: string) => encoder.encode(text).length;

/** One code point of each UTF-8 width (1 to 4 bytes), control characters and astral planes included. */
export const codePoint = fc.oneof(
  fc.integer({ min: 0x00, max: 0x7f }),
  fc.integer({ min: 0x80, max: 0x7ff }),
  fc.integer({ min: 0x800, max: 0xffff }).filter((c) => c < 0xd800 || c > 0xdfff),
  fc.integer({ min: 0x10000, max: 0x10ffff }),
).map((c) => String.fromCodePoint(c));

/** Code points added while they fit in `max` bytes (so a name stops at or near the limit). */
function fit(points: string[], max: number): string {
  let name = '';
  for (const p of points) {
    if (bytesOf(name + p) > max) break;
    name += p;
  }
  return name;
}

/**
 * Every valid room name: 1 to 128 UTF-8 bytes of mixed widths, many of them right at the limit
 * (padded with ASCII to exactly 128 bytes, or ending in a 4-byte code point that just fits).
 */
export const roomName = fc.oneof(
  fc.array(codePoint, { minLength: 1, maxLength: 160 }).map((points) => fit(points, FieldLimits.roomName)),
  fc.array(codePoint, { minLength: 1, maxLength: 160 }).map((points) => {
    const name = fit(points, FieldLimits.roomName);
    return name + 'a'.repeat(FieldLimits.roomName - bytesOf(name));
  }),
  fc.array(fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)), { minLength: 32, maxLength: 32 }).map((p) => p.join('')),
).filter((name) => name.length > 0);

/**
 * Room names one code point or more over the limit: among them names of at most 128 UTF-16
 * units (the gap a character limit let through) and names of 256+ bytes, which a length byte
 * would wrap.
 */
export const overLimitRoomName = fc.oneof(
  fc.tuple(roomName, fc.array(codePoint, { minLength: 1, maxLength: 40 })).map(([name, extra]) => {
    const atLimit = name + 'a'.repeat(FieldLimits.roomName - bytesOf(name));
    return atLimit + extra.join('');
  }),
  fc.array(fc.constantFrom('é', 'ğ', '€', '😀'), { minLength: 65, maxLength: 128 }).map((p) => p.join('')).filter((n) => bytesOf(n) > FieldLimits.roomName),
  fc.integer({ min: 256, max: 400 }).map((n) => 'x'.repeat(n)),
);
