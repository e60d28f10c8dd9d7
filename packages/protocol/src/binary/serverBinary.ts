import { BinaryKind, RESPONSE_ERROR_FLAG, isBinaryKind } from './BinaryKind.js';

/**
 * Binary server frames (integers little-endian):
 * ```
 * pack       [1][len u8][from]                          payload
 * room/pack  [2][len u8][room][len u8][from]            payload
 * request    [3][id u32][len u8][from]                  payload
 * response   [4][flags u8][id u32][len u8][from]        payload
 * signal     [5][len u8][from]                          payload
 * ```
 * `payload` is the UTF-8 JSON the sender put in its frame, forwarded byte for byte.
 */
const encoder = new TextEncoder();

// Every byte of a frame is written below, so Node's uninitialised allocation is safe and saves
// zero-filling each relayed message; browsers get a plain array.
const NodeBuffer = (globalThis as { Buffer?: { allocUnsafe(size: number): Uint8Array } }).Buffer;
const allocate = NodeBuffer ? (size: number) => NodeBuffer.allocUnsafe(size) : (size: number) => new Uint8Array(size);

/**
 * Build a server frame around `payload` bytes that were never decoded. `from` may be given
 * already UTF-8 encoded (a relay encodes each sender's id once, not per message).
 */
export function encodeServerBinary(
  kind: BinaryKind,
  from: string | Uint8Array,
  payload: Uint8Array,
  id = 0,
  flags = 0,
  room?: string,
): Uint8Array {
  const fromBytes = typeof from === 'string' ? encoder.encode(from) : from;
  const roomBytes = room === undefined ? undefined : encoder.encode(room);
  const idBytes = kind === BinaryKind.Request || kind === BinaryKind.Response ? 4 : 0;
  const flagBytes = kind === BinaryKind.Response ? 1 : 0;
  const headerLength = 1 + flagBytes + idBytes + (roomBytes ? 1 + roomBytes.length : 0) + 1 + fromBytes.length;
  const out = allocate(headerLength + payload.length);
  let at = 0;
  out[at++] = kind;
  if (flagBytes) out[at++] = flags;
  if (idBytes) {
    new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(at, id, true);
    at += 4;
  }
  if (roomBytes) {
    out[at++] = roomBytes.length;
    out.set(roomBytes, at);
    at += roomBytes.length;
  }
  out[at++] = fromBytes.length;
  out.set(fromBytes, at);
  at += fromBytes.length;
  out.set(payload, at);
  return out;
}

/** A binary server frame as the SDK reads it, payload still as text. */
export interface ServerBinaryFrame {
  kind: BinaryKind;
  from: string;
  room?: string;
  id: number;
  error: boolean;
  /** The payload's JSON text ('' when the sender sent none). */
  payload: string;
}

const utf8 = new TextDecoder();

/** Read a binary server frame; undefined when it is not one (the server is trusted to send valid ones). */
export function decodeServerBinary(bytes: Uint8Array): ServerBinaryFrame | undefined {
  const kind = bytes[0];
  if (!isBinaryKind(kind)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 1;
  let flags = 0;
  let id = 0;
  let room: string | undefined;
  if (kind === BinaryKind.Response) flags = bytes[at++]!;
  if (kind === BinaryKind.Request || kind === BinaryKind.Response) {
    id = view.getUint32(at, true);
    at += 4;
  }
  const readString = () => {
    const length = bytes[at++]!;
    const text = utf8.decode(bytes.subarray(at, at + length));
    at += length;
    return text;
  };
  if (kind === BinaryKind.RoomPack) room = readString();
  const from = readString();
  if (at > bytes.length) return undefined;
  return { kind, from, room, id, error: (flags & RESPONSE_ERROR_FLAG) !== 0, payload: utf8.decode(bytes.subarray(at)) };
}
