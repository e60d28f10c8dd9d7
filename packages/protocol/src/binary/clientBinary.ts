import { BinaryKind, RESPONSE_ERROR_FLAG } from './BinaryKind.js';

const encoder = new TextEncoder();

/**
 * Build a binary client frame (layout in `header.ts`). `payload` is the JSON text of the pack,
 * body, or `{code, message}` of an error response; '' sends none.
 */
export function encodeClientBinary(
  kind: BinaryKind,
  target: string,
  payload: string,
  id = 0,
  error = false,
): Uint8Array {
  const targetBytes = encoder.encode(target);
  const payloadBytes = encoder.encode(payload);
  const idBytes = kind === BinaryKind.Request || kind === BinaryKind.Response ? 4 : 0;
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
