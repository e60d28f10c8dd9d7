import {
  BinaryKind,
  RESPONSE_ERROR_FLAG,
  encodeServerBinary,
  fitsBinaryId,
  type FrameAllocator,
} from '@mwse/protocol/binary';
import type { Codec, ServerFrameOf, WireData } from '@mwse/protocol';
import { ServiceError } from './ServiceError.js';

/** The server frames that tunnel one peer's payload to another. */
export type TunnelFrame = ServerFrameOf<'pack' | 'room/pack' | 'request' | 'response' | 'signal'>;

/**
 * A payload exactly as its sender wrote it, never decoded by the server: UTF-8 bytes from a
 * binary frame, or the text of a JSON frame's pack (the JSON fast path). One of the two is set.
 */
export interface RawPayload {
  bytes?: Uint8Array;
  text?: string;
  /**
   * With `text`: the sender's text frame as the transport had it (UTF-8 it checked, valid only
   * while the frame is handled), `text`'s UTF-8 being its bytes from `textAt` to the last one
   * (see {@link textBytesOf}). Copied into what is sent instead of encoding `text` again. A binary
   * frame's `bytes` never take this role for a JSON peer: nothing checked them, and bytes that
   * are not UTF-8 in a text frame would make its client drop the connection.
   */
  frame?: ArrayBuffer | undefined;
  textAt?: number;
  /** The bytes are an error `{code, message}` of a response, not its body. */
  error: boolean;
}

const KIND: Record<TunnelFrame['type'], BinaryKind> = {
  pack: BinaryKind.Pack,
  'room/pack': BinaryKind.RoomPack,
  request: BinaryKind.Request,
  response: BinaryKind.Response,
  signal: BinaryKind.Signal,
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/**
 * A direct pack to a JSON peer as bytes (`jsonPack`): what goes before its payload, and the
 * text the string path writes after it (`jsonTail`), split where the sender's id goes.
 */
const PACK_HEAD = encoder.encode('{"pack":');
const [PACK_TAIL, PACK_END] = `,${jsonTail({ type: 'pack', from: '\u0000', pack: undefined })}`
  .split('\u0000')
  .map((part) => encoder.encode(part)) as [Uint8Array, Uint8Array];

/** The frame's payload field and its value. */
function payloadOf(frame: TunnelFrame): { key: string; value: unknown; error: boolean } {
  switch (frame.type) {
    case 'pack':
    case 'room/pack':
      return { key: 'pack', value: frame.pack, error: false };
    case 'request':
      return { key: 'body', value: frame.body, error: false };
    case 'response':
      return frame.error
        ? { key: 'error', value: frame.error, error: true }
        : { key: 'body', value: frame.body, error: false };
    case 'signal':
      return { key: 'data', value: frame.data, error: false };
  }
}

/**
 * The JSON text after a raw payload: the frame's other fields. Written by hand rather than with
 * JSON.stringify because it runs per relayed message and its fields are few and known: socket
 * ids are UUIDs the server made (or `server`), ids are numbers; only a room name needs escaping.
 */
function jsonTail(frame: TunnelFrame): string {
  const from = `"from":"${frame.from}"}`;
  switch (frame.type) {
    case 'pack':
      return `"type":"pack",${from}`;
    case 'signal':
      return `"type":"signal",${from}`;
    case 'room/pack':
      return `"type":"room/pack","room":${JSON.stringify(frame.room)},${from}`;
    case 'request':
      return `"type":"request","id":${frame.id},${from}`;
    case 'response':
      return `"type":"response","id":${frame.id},${from}`;
  }
}

/** The binary form of `frame`; a header field that does not fit is refused, never wrapped. */
function encodeBinary(
  frame: TunnelFrame,
  id: number,
  bytes: Uint8Array,
  flags: number,
  fromBytes: Uint8Array | undefined,
  into: FrameAllocator | undefined,
): Uint8Array {
  const room = frame.type === 'room/pack' ? frame.room : undefined;
  try {
    return encodeServerBinary(KIND[frame.type], fromBytes ?? frame.from, bytes, id, flags, room, into);
  } catch (error) {
    // The schemas keep names within the header's limits, so this is a guard, not a path: it
    // turns what would be a misrouted frame into an error for the sender.
    if (error instanceof RangeError) throw new ServiceError('too-large', error.message);
    throw error;
  }
}

/**
 * Encode a tunnel frame for one target's codec. `raw`, when given, replaces the frame's payload
 * and is copied as is: into a binary frame as bytes, into a JSON frame as the text of its
 * payload field. The payload goes FIRST in the JSON object, so a crafted payload cannot override
 * `type` or `from` (JSON.parse keeps the last duplicate key). `fromBytes` is the sender's id
 * already UTF-8 encoded, when the caller has it; a binary frame is written into what `into`
 * allocates for it, when given (a session's ring). So is a direct pack for a JSON target whose
 * payload came with its sender's frame (`frame`): copied there, it skips the string the ring would
 * otherwise have to encode (`Session.text`), and its queue sends a JSON peer's bytes as a text
 * frame (`OutboundQueue.textBytes`). Without `into` the string is what costs least: the
 * transport encodes it as it sends it, and a cluster's log keeps it as text.
 *
 * A request or response whose id is past 32 bits (a JSON peer may use any safe integer) goes to
 * a binary target as JSON, which every client reads: cut to 32 bits it would answer the wrong
 * request. A name too long for the binary header throws a `too-large` ServiceError.
 */
export function encodeTunnel(
  frame: TunnelFrame,
  raw: RawPayload | undefined,
  binary: boolean,
  codec: Codec,
  fromBytes?: Uint8Array,
  into?: FrameAllocator,
): WireData {
  const { key, value, error } = payloadOf(frame);
  const isError = raw ? raw.error : error;
  const id = frame.type === 'request' || frame.type === 'response' ? frame.id : 0;
  if (binary && fitsBinaryId(id)) {
    const bytes = raw ? (raw.bytes ?? textBytesOf(raw) ?? encoder.encode(raw.text)) : encoder.encode(JSON.stringify(value) ?? '');
    return encodeBinary(frame, id, bytes, isError ? RESPONSE_ERROR_FLAG : 0, fromBytes, into);
  }
  if (!raw) return codec.encode(frame);
  if (into !== undefined && raw.frame !== undefined && fromBytes !== undefined && frame.type === 'pack') {
    const bytes = textBytesOf(raw);
    const copied = bytes !== undefined && bytes.length > 0 ? jsonPack(bytes, fromBytes, into) : undefined;
    if (copied !== undefined) return copied;
  }
  const text = raw.text ?? decoder.decode(raw.bytes);
  if (text.length === 0) return `{${jsonTail(frame)}`;
  return `{"${raw.error ? 'error' : key}":${text},${jsonTail(frame)}`;
}

/**
 * `raw.text`'s UTF-8, a view of the sender's frame, when the transport gave the frame; made only
 * where it is copied, so a relay that sends the text allocates nothing for it. A frame read after
 * its handler returned (uWS has detached it: no bytes) gives none, and the text is used.
 */
function textBytesOf(raw: RawPayload): Uint8Array | undefined {
  const { frame, textAt } = raw;
  if (frame === undefined || textAt === undefined || frame.byteLength <= textAt + 1) return undefined;
  return new Uint8Array(frame, textAt, frame.byteLength - 1 - textAt);
}

/**
 * The JSON text of a direct pack as bytes, its sender's pack and id copied in (the JSON path's
 * `{"pack":…,"type":"pack","from":"…"}`, byte for byte), in what `into` gives (a session's
 * ring). Undefined when the ring does not take it (too large, or the session is away): the
 * string is sent and kept then, as without a ring.
 */
function jsonPack(pack: Uint8Array, from: Uint8Array, into: FrameAllocator): Uint8Array | undefined {
  const size = PACK_HEAD.length + pack.length + PACK_TAIL.length + from.length + PACK_END.length;
  const out = into.allocate(size);
  if (out === undefined) return undefined;
  let at = PACK_HEAD.length;
  out.set(PACK_HEAD, 0);
  out.set(pack, at);
  at += pack.length;
  out.set(PACK_TAIL, at);
  at += PACK_TAIL.length;
  out.set(from, at);
  out.set(PACK_END, at + from.length);
  return out;
}
