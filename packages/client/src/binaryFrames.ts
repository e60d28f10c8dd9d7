import type { ServerFrame } from '@mwse/protocol';
import {
  BinaryKind,
  decodeServerBinary,
  encodeClientBinary,
  fitsBinaryId,
  peerIdError,
  roomNameError,
} from '@mwse/protocol/binary';

/** Tunnel frames as the SDK builds them before encoding. */
type TunnelOut =
  | { type: 'pack/to'; to: string; pack: unknown }
  | { type: 'signal/to'; to: string; data: unknown }
  | { type: 'pack/room'; room: string; pack: unknown }
  | { type: 'request/to'; to: string; id: number; body: unknown }
  | { type: 'response/to'; to: string; id: number; body?: unknown; error?: { code: string; message: string } };

const json = (value: unknown) => JSON.stringify(value) ?? '';

const TUNNEL_TYPES = new Set(['pack/to', 'signal/to', 'pack/room', 'request/to', 'response/to']);

/** True when the binary header can carry the frame's target and id exactly. */
function fits(f: TunnelOut): boolean {
  if (f.type === 'pack/room') return roomNameError(f.room) === undefined;
  if ((f.type === 'request/to' || f.type === 'response/to') && !fitsBinaryId(f.id)) return false;
  return peerIdError(f.to) === undefined;
}

/**
 * The binary form of a tunnel frame (the server routes it on its header and forwards the payload
 * untouched), or undefined for every other frame, which stays JSON.
 *
 * Also undefined, so the frame goes as JSON, when the header cannot carry it exactly: an id past
 * 32 bits (answering a JSON peer's request), or a target over its byte limit. JSON carries both
 * as they are, and the server answers a name it does not accept with `bad-frame`; a binary
 * header would have had to cut them and deliver to another room, peer or request.
 */
export function encodeBinaryFrame(frame: { type: string }): Uint8Array | undefined {
  const f = frame as TunnelOut;
  if (!TUNNEL_TYPES.has(f.type) || !fits(f)) return undefined;
  switch (f.type) {
    case 'pack/to':
      return encodeClientBinary(BinaryKind.Pack, f.to, json(f.pack));
    case 'signal/to':
      return encodeClientBinary(BinaryKind.Signal, f.to, json(f.data));
    case 'pack/room':
      return encodeClientBinary(BinaryKind.RoomPack, f.room, json(f.pack));
    case 'request/to':
      return encodeClientBinary(BinaryKind.Request, f.to, json(f.body), f.id);
    case 'response/to':
      return f.error
        ? encodeClientBinary(BinaryKind.Response, f.to, json(f.error), f.id, true)
        : encodeClientBinary(BinaryKind.Response, f.to, json(f.body), f.id);
    default:
      return undefined;
  }
}

const RESPONSE_ERRORS = new Set(['no-handler', 'remote-error']);

/**
 * Read a binary server frame into the frame the router knows. The payload is what another peer
 * sent and the server did not look at, so it is parsed defensively: a payload that is not JSON
 * drops the frame (undefined), and an error answer with a code no SDK sends becomes `remote-error`.
 */
export function decodeBinaryFrame(bytes: Uint8Array): ServerFrame | undefined {
  const frame = decodeServerBinary(bytes);
  if (!frame) return undefined;
  let value: unknown;
  try {
    value = frame.payload === '' ? undefined : JSON.parse(frame.payload);
  } catch {
    return undefined;
  }
  const { from, id } = frame;
  switch (frame.kind) {
    case BinaryKind.Pack:
      return { type: 'pack', from, pack: value };
    case BinaryKind.Signal:
      return { type: 'signal', from, data: value };
    case BinaryKind.RoomPack:
      return { type: 'room/pack', room: frame.room ?? '', from, pack: value };
    case BinaryKind.Request:
      return { type: 'request', id, from, body: value };
    case BinaryKind.Response: {
      if (!frame.error) return { type: 'response', id, from, body: value };
      const { code, message } = (value ?? {}) as { code?: unknown; message?: unknown };
      return {
        type: 'response',
        id,
        from,
        body: undefined,
        error: {
          code: typeof code === 'string' && RESPONSE_ERRORS.has(code) ? (code as 'no-handler') : 'remote-error',
          message: typeof message === 'string' ? message : 'the peer answered with an error',
        },
      };
    }
  }
}
