import { peerIdError, roomNameError } from '../nameErrors.js';
import { BinaryKind, isBinaryKind } from './BinaryKind.js';

/**
 * Largest correlation id a binary header carries: ids are u32 there, while JSON frames allow any
 * safe integer. A frame whose id is larger is sent as JSON instead (the SDK and the server both do
 * this), never with the id cut to 32 bits, which would answer the wrong request.
 */
export const MAX_BINARY_ID = 0xffff_ffff;

/** True when `id` fits the u32 id field of a binary `request`/`response` header. */
export function fitsBinaryId(id: number): boolean {
  return Number.isInteger(id) && id >= 0 && id <= MAX_BINARY_ID;
}

/** True when `kind`'s header has an id (and, for responses, a flags byte). */
export function hasId(kind: BinaryKind): boolean {
  return kind === BinaryKind.Request || kind === BinaryKind.Response;
}

/**
 * The encoders' guard: a header field that does not fit its slot is refused with a RangeError
 * instead of being written modulo the slot's size. A length byte that wrapped would make the
 * reader take part of a room name for another room, and the rest for another sender.
 */
export function checkHeader(kind: BinaryKind, id: number, flags = 0): void {
  if (!isBinaryKind(kind)) throw new RangeError(`${String(kind)} is not a binary frame kind`);
  if (hasId(kind) && !fitsBinaryId(id)) {
    throw new RangeError(`correlation id ${id} does not fit a binary header (0 to ${MAX_BINARY_ID})`);
  }
  if (!Number.isInteger(flags) || flags < 0 || flags > 0xff) throw new RangeError(`flags ${flags} do not fit one byte`);
}

/** Refuse a room name or peer id the header's length byte may not carry (see `nameErrors.ts`). */
export function checkName(kind: 'room' | 'peer', name: string): void {
  const error = kind === 'room' ? roomNameError(name) : peerIdError(name);
  if (error) throw new RangeError(error.message);
}
