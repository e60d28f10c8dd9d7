import type { DecodeError } from './Codec.js';
import { FieldLimits } from './limits.js';
import { utf8Length } from './utf8Length.js';

/** Why a name cannot go on the wire: the code and message an `error` frame or `MWSEError` carries. */
export type NameError = Pick<DecodeError, 'code' | 'message'>;

function boundedNameError(what: string, name: unknown, maxBytes: number): NameError | undefined {
  if (typeof name !== 'string' || name.length === 0) {
    return { code: 'bad-frame', message: `${what} must be a non-empty string` };
  }
  const bytes = utf8Length(name);
  if (bytes < 0) return { code: 'bad-frame', message: `${what} is not well-formed Unicode (a lone surrogate)` };
  if (bytes > maxBytes) {
    return { code: 'too-large', message: `${what} is ${bytes} UTF-8 bytes; at most ${maxBytes} are allowed` };
  }
  return undefined;
}

/**
 * Why `name` cannot be a room name, or undefined when it can. A room name is 1 to
 * {@link FieldLimits.roomName} (128) UTF-8 bytes of well-formed Unicode: the binary framing carries
 * its byte length in one byte, and every frame that names a room (JSON or binary) is held to the
 * same rule, so a name that exists can always be sent either way.
 *
 * @example
 * roomNameError('genel'); // undefined
 * roomNameError('é'.repeat(65)); // { code: 'too-large', message: 'room name is 130 UTF-8 bytes; …' }
 */
export function roomNameError(name: unknown): NameError | undefined {
  return boundedNameError('room name', name, FieldLimits.roomName);
}

/**
 * Why `id` cannot be a peer id, or undefined when it can: 1 to {@link FieldLimits.peerId} (64)
 * UTF-8 bytes. The server's ids are ASCII UUIDs (36 bytes) or `server`.
 */
export function peerIdError(id: unknown): NameError | undefined {
  return boundedNameError('peer id', id, FieldLimits.peerId);
}
