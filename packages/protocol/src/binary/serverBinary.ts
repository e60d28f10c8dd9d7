import { FieldLimits } from '../limits.js';
import { BinaryKind, RESPONSE_ERROR_FLAG, isBinaryKind } from './BinaryKind.js';
import { checkHeader, checkName, hasId } from './headerFields.js';

/**
 * Binary server frames (integers little-endian):
 * ```
 * pack       [1][len u8][from]                          payload
 * room/pack  [2][len u8][room][len u8][from]            payload
 * request    [3][id u32][len u8][from]                  payload
 * response   [4][flags u8][id u32][len u8][from]        payload
 * signal     [5][len u8][from]                          payload
 * ```
 * `len` is the UTF-8 byte length of the string after it: 1–128 for a room, 1–64 for a peer id.
 * `payload` is the UTF-8 JSON the sender put in its frame, forwarded byte for byte.
 */
const encoder = new TextEncoder();

// Every byte of a frame is written below, so Node's uninitialised allocation is safe and saves
// zero-filling each relayed message; browsers get a plain array.
const NodeBuffer = (globalThis as { Buffer?: { allocUnsafe(size: number): Uint8Array } }).Buffer;
const allocate = NodeBuffer ? (size: number) => NodeBuffer.allocUnsafe(size) : (size: number) => new Uint8Array(size);

/** Gives the bytes a frame is written into; undefined to let the encoder allocate them. */
export interface FrameAllocator {
  allocate(size: number): Uint8Array | undefined;
}

/**
 * Build a server frame around `payload` bytes that were never decoded. `from` may be given
 * already UTF-8 encoded (a relay encodes each sender's id once, not per message). `room` is
 * required for `room/pack` and refused for every other kind. `into`, when given, allocates the
 * bytes the frame is written into (a server writes a frame where it will be kept).
 *
 * Throws a RangeError, and writes nothing, when a header field does not fit its slot: a room
 * name over 128 UTF-8 bytes, a sender id over 64, an id outside u32, flags outside a byte. A
 * length is never written modulo 256.
 */
export function encodeServerBinary(
  kind: BinaryKind,
  from: string | Uint8Array,
  payload: Uint8Array,
  id = 0,
  flags = 0,
  room?: string,
  into?: FrameAllocator,
): Uint8Array {
  checkHeader(kind, id, flags);
  if ((room !== undefined) !== (kind === BinaryKind.RoomPack)) {
    throw new RangeError(kind === BinaryKind.RoomPack ? 'a room/pack needs its room' : 'only a room/pack carries a room');
  }
  if (typeof from === 'string') checkName('peer', from);
  else if (from.length === 0 || from.length > FieldLimits.peerId) {
    throw new RangeError(`peer id is ${from.length} bytes; 1 to ${FieldLimits.peerId} are allowed`);
  }
  if (room !== undefined) checkName('room', room);
  const fromBytes = typeof from === 'string' ? encoder.encode(from) : from;
  const roomBytes = room === undefined ? undefined : encoder.encode(room);
  const idBytes = hasId(kind) ? 4 : 0;
  const flagBytes = kind === BinaryKind.Response ? 1 : 0;
  const headerLength = 1 + flagBytes + idBytes + (roomBytes ? 1 + roomBytes.length : 0) + 1 + fromBytes.length;
  const size = headerLength + payload.length;
  const out = into?.allocate(size) ?? allocate(size);
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

const strict = new TextDecoder('utf-8', { fatal: true });
// The payload is another peer's bytes, which the server never looked at; a JSON peer gets them
// decoded the same lenient way, so both codecs see the same text.
const lenient = new TextDecoder();

/**
 * Read a binary server frame; undefined when it is not one: an unknown kind, a header cut short,
 * a length of 0 or over its field's limit, or a room or sender that is not UTF-8. Never throws.
 */
export function decodeServerBinary(bytes: Uint8Array): ServerBinaryFrame | undefined {
  const kind = bytes[0];
  if (!isBinaryKind(kind)) return undefined;
  let at = 1;
  let flags = 0;
  let id = 0;
  if (kind === BinaryKind.Response) {
    if (bytes.length < at + 1) return undefined;
    flags = bytes[at++]!;
  }
  if (hasId(kind)) {
    if (bytes.length < at + 4) return undefined;
    id = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(at, true);
    at += 4;
  }
  const readString = (limit: number): string | undefined => {
    const length = bytes[at];
    if (length === undefined || length === 0 || length > limit || bytes.length < at + 1 + length) return undefined;
    at += 1 + length;
    try {
      return strict.decode(bytes.subarray(at - length, at));
    } catch {
      return undefined;
    }
  };
  let room: string | undefined;
  if (kind === BinaryKind.RoomPack) {
    room = readString(FieldLimits.roomName);
    if (room === undefined) return undefined;
  }
  const from = readString(FieldLimits.peerId);
  if (from === undefined) return undefined;
  const frame: ServerBinaryFrame = { kind, from, id, error: (flags & RESPONSE_ERROR_FLAG) !== 0, payload: lenient.decode(bytes.subarray(at)) };
  if (room !== undefined) frame.room = room;
  return frame;
}
