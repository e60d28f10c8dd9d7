import type { ClientFrame } from './ClientFrame.js';
import type { ServerFrame } from './ServerFrame.js';

/** What travels in one WebSocket message: text for text frames, bytes for binary ones. */
export type WireData = string | Uint8Array;

/** Why a frame could not be decoded. Sent back to its sender as an `error` frame. */
export interface DecodeError {
  code: 'bad-frame' | 'unknown-type' | 'too-large';
  message: string;
  /** The frame's correlation id, when one could be read despite the error. */
  id?: number;
  /** Validation issues, one line each (`path: message`). */
  issues?: string[];
}

/** Outcome of a decode: a typed frame or a typed error. Decoding never throws. */
export type DecodeResult<T> = { ok: true; frame: T } | { ok: false; error: DecodeError };

/**
 * Turns frames into wire data and back. The engine and the SDK speak to the wire only through a
 * codec, so another encoding can be added without touching services.
 *
 * The seam for header routing: a codec may later add a `peek(data)` that reads only a frame's
 * header (type, target, correlation id) so the hub can forward the payload bytes untouched; the
 * JSON codec has no header and always decodes the whole frame.
 */
export interface Codec {
  /** Name announced in the hello and used to pick the codec at connect. */
  readonly name: string;
  /** True when frames travel as binary WebSocket messages. */
  readonly binary: boolean;
  encode(frame: ServerFrame | ClientFrame | Record<string, unknown>): WireData;
  decodeClient(data: WireData): DecodeResult<ClientFrame>;
  decodeServer(data: WireData): DecodeResult<ServerFrame>;
}
