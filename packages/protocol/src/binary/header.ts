import type { DecodeError } from '../Codec.js';
import { FieldLimits } from '../limits.js';
import { BinaryKind, isBinaryKind } from './BinaryKind.js';

/**
 * What the server reads of a binary client frame: enough to route it. The payload (bytes
 * `payloadOffset..end`, UTF-8 JSON) is forwarded untouched.
 *
 * Layout (integers little-endian):
 * ```
 * pack/to      [1][len u8][to]                         payload
 * pack/room    [2][len u8][room]                       payload
 * request/to   [3][id u32][len u8][to]                 payload
 * response/to  [4][flags u8][id u32][len u8][to]       payload  (flags bit 0: payload is {code,message})
 * signal/to    [5][len u8][to]                         payload
 * ```
 * `len` is the UTF-8 byte length of the target: 1–64 for a peer id, 1–128 for a room name (the
 * same limits, in bytes, that the schemas hold every frame to).
 */
export interface ClientHeader {
  kind: BinaryKind;
  /** Target peer id, or room name for `pack/room`. */
  target: string;
  id: number;
  flags: number;
  payloadOffset: number;
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8', { fatal: true });

function bad(message: string): DecodeError {
  return { code: 'bad-frame', message };
}

/** Read a client frame's header; never throws. */
export function readClientHeader(bytes: Uint8Array): ClientHeader | DecodeError {
  const kind = bytes[0];
  if (!isBinaryKind(kind)) return { code: 'unknown-type', message: `unknown binary frame kind ${kind}` };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 1;
  let flags = 0;
  let id = 0;
  if (kind === BinaryKind.Response) {
    if (bytes.length < at + 1) return bad('binary frame too short');
    flags = bytes[at++]!;
  }
  if (kind === BinaryKind.Request || kind === BinaryKind.Response) {
    if (bytes.length < at + 4) return bad('binary frame too short');
    id = view.getUint32(at, true);
    at += 4;
  }
  const length = bytes[at++];
  if (length === undefined || length === 0 || bytes.length < at + length) return bad('binary frame too short');
  // Both limits are in bytes, like the schemas': a name the reader takes is one a JSON frame may use.
  const limit = kind === BinaryKind.RoomPack ? FieldLimits.roomName : FieldLimits.peerId;
  if (length > limit) return { code: 'too-large', message: 'binary frame target too long' };
  let target: string;
  try {
    // Room names may be any UTF-8 (fatal: no U+FFFD stand-ins, so a name read is the name sent).
    // Peer ids are ASCII: the server makes them; a target with other bytes names no peer.
    target = kind === BinaryKind.RoomPack ? utf8.decode(bytes.subarray(at, at + length)) : latin1.decode(bytes.subarray(at, at + length));
  } catch {
    return bad('binary frame target is not valid UTF-8');
  }
  return { kind, target, id, flags, payloadOffset: at + length };
}
