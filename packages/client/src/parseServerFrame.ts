import type { ServerFrame } from '@mwse/protocol';
import { isBinaryKind } from '@mwse/protocol/binary';
import { decodeBinaryFrame } from './binaryFrames.js';

const utf8 = new TextDecoder();

function toText(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return utf8.decode(data);
  if (ArrayBuffer.isView(data)) return utf8.decode(data);
  return undefined;
}

/**
 * Reads one server message into a frame, or `undefined` when it is not a JSON object with a string
 * `type`.
 *
 * Deliberately not the protocol's zod decoder: the server is trusted (it validated everything it
 * forwards), and keeping zod out of the SDK keeps the browser bundle small. Frames of types this
 * SDK does not know are passed on and ignored by the router, so a newer server can add frames.
 */
export function parseServerFrame(data: unknown): ServerFrame | undefined {
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : undefined;
  if (bytes && isBinaryKind(bytes[0])) return decodeBinaryFrame(bytes);
  const text = toText(data);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return typeof (value as { type?: unknown }).type === 'string'
    ? (value as ServerFrame)
    : undefined;
}
