/**
 * Route MWSE `pack/to` and `pack/room` frames by their leading bytes, without parsing JSON.
 * It relies on the exact prefix the generator (and the MWSE SDK) writes: the type first, then
 * the 36-character target id or the room name, then the pack. Anything else returns undefined
 * and goes down the JSON path. This is the ceiling a binary-header framing (SPEC §7) aims at.
 */
const PACK_TO = Buffer.from('{"type":"pack/to","to":"');
const PACK_ROOM = Buffer.from('{"type":"pack/room","room":"');
const PACK_KEY = Buffer.from('","pack":');
const ID_LENGTH = 36;

export type Route =
  | { kind: 'to'; target: string; packAt: number }
  | { kind: 'room'; room: string; packAt: number };

function startsWith(data: Buffer, prefix: Buffer, at = 0): boolean {
  return data.length >= at + prefix.length && data.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0;
}

export function route(data: Buffer): Route | undefined {
  if (startsWith(data, PACK_TO)) {
    const end = PACK_TO.length + ID_LENGTH;
    if (!startsWith(data, PACK_KEY, end)) return undefined;
    return { kind: 'to', target: data.toString('latin1', PACK_TO.length, end), packAt: end + PACK_KEY.length };
  }
  if (startsWith(data, PACK_ROOM)) {
    const end = data.indexOf(0x22 /* " */, PACK_ROOM.length);
    if (end === -1 || !startsWith(data, PACK_KEY, end)) return undefined;
    return { kind: 'room', room: data.toString('latin1', PACK_ROOM.length, end), packAt: end + PACK_KEY.length };
  }
  return undefined;
}

/** `head` followed by `data` from `from` on: the outbound frame, with one allocation and one copy. */
export function splice(head: Buffer, data: Buffer, from: number): Buffer {
  const out = Buffer.allocUnsafe(head.length + data.length - from);
  head.copy(out, 0);
  data.copy(out, head.length, from);
  return out;
}
