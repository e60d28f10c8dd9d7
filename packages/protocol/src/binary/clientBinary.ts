import { BinaryKind, RESPONSE_ERROR_FLAG } from './BinaryKind.js';
import { checkHeader, checkName, hasId } from './headerFields.js';

const encoder = new TextEncoder();

/**
 * Build a binary client frame (layout in `header.ts`). `payload` is the JSON text of the pack,
 * body, or `{code, message}` of an error response; '' sends none.
 *
 * Throws a RangeError, and writes nothing, when a header field does not fit: a `target` that is
 * not a valid room name (`pack/room`, 1–128 UTF-8 bytes) or peer id (1–64 bytes), or an `id`
 * outside u32. Check `fitsBinaryId` first to send a large id as JSON instead.
 */
export function encodeClientBinary(
  kind: BinaryKind,
  target: string,
  payload: string,
  id = 0,
  error = false,
): Uint8Array {
  checkHeader(kind, id);
  checkName(kind === BinaryKind.RoomPack ? 'room' : 'peer', target);
  const targetBytes = encoder.encode(target);
  const payloadBytes = encoder.encode(payload);
  const idBytes = hasId(kind) ? 4 : 0;
  const flagBytes = kind === BinaryKind.Response ? 1 : 0;
  const headerLength = 1 + flagBytes + idBytes + 1 + targetBytes.length;
  const out = new Uint8Array(headerLength + payloadBytes.length);
  let at = 0;
  out[at++] = kind;
  if (flagBytes) out[at++] = error ? RESPONSE_ERROR_FLAG : 0;
  if (idBytes) {
    new DataView(out.buffer).setUint32(at, id, true);
    at += 4;
  }
  out[at++] = targetBytes.length;
  out.set(targetBytes, at);
  at += targetBytes.length;
  out.set(payloadBytes, at);
  return out;
}
