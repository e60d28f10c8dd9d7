import { BinaryKind, decodeServerBinary, encodeClientBinary } from '@mwse/protocol/binary';
import type { Dialect } from './Dialect.js';
import { greetMwse, helloMwse, joinMwseRoom } from './mwseDialect.js';

function parse(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

const frameOf = (msg: string | Buffer) => (typeof msg === 'string' ? undefined : decodeServerBinary(msg));

/**
 * MWSE with the binary tunnel framing (docs/binary-framing.md), as `@mwse/client` uses by
 * default: asked for with `?codec=binary`; control frames (hello, session/set, rooms) stay JSON,
 * tunnel frames carry a small binary header and the pack's JSON bytes, which the server
 * forwards without parsing. Frames are built with `@mwse/protocol/binary` itself.
 */
export const mwseBinaryDialect: Dialect = {
  name: 'mwse-binary',
  path: '/?codec=binary',
  keepAliveBytes: 0,

  hello: helloMwse,
  greet: greetMwse,
  joinRoom: joinMwseRoom,

  packTo: (to, pack) => encodeClientBinary(BinaryKind.Pack, to, pack),
  packRoom: (room, pack) => encodeClientBinary(BinaryKind.RoomPack, room, pack),

  isDelivery(msg, from, room) {
    const f = frameOf(msg);
    if (!f || f.from !== from) return false;
    return room === undefined ? f.kind === BinaryKind.Pack : f.kind === BinaryKind.RoomPack && f.room === room;
  },

  requestTo: (id, to, body) => encodeClientBinary(BinaryKind.Request, to, body, id),

  readRequest(msg) {
    const f = frameOf(msg);
    if (f?.kind !== BinaryKind.Request) return undefined;
    return { answer: encodeClientBinary(BinaryKind.Response, f.from, f.payload, f.id) };
  },

  readResponse(msg) {
    const f = frameOf(msg);
    return f?.kind === BinaryKind.Response ? { id: f.id, body: parse(f.payload) } : undefined;
  },
};
