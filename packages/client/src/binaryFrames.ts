import type { ServerFrame } from '@mwse/protocol';
import { BinaryKind, decodeServerBinary, encodeClientBinary } from '@mwse/protocol/binary';

/** Tunnel frames as the SDK builds them before encoding. */
type TunnelOut =
  | { type: 'pack/to'; to: string; pack: unknown }
  | { type: 'signal/to'; to: string; data: unknown }
  | { type: 'pack/room'; room: string; pack: unknown }
  | { type: 'request/to'; to: string; id: number; body: unknown }
  | { type: 'response/to'; to: string; id: number; body?: unknown; error?: { code: string; message: string } };

const json = (value: unknown) => JSON.stringify(value) ?? '';

/**
 * The binary form of a tunnel frame (the server routes it on its header and forwards the payload
 * untouched), or undefined for every other frame, which stays JSON.
 */
export function encodeBinaryFrame(frame: { type: string }): Uint8Array | undefined {
  const f = frame as TunnelOut;
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
