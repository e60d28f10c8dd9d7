import { BinaryKind, type ClientHeader } from '@mwse/protocol/binary';
import { FieldLimits, MAX_JSON_DEPTH, exceedsJsonDepth, utf8Length } from '@mwse/protocol';

const PACK_TO = '{"type":"pack/to","to":"';
const PACK_ROOM = '{"type":"pack/room","room":"';
const PACK_FIELD = '","pack":';

/** A JSON tunnel frame read without the schema: its routing header and its pack's raw text. */
export interface JsonTunnel {
  header: ClientHeader;
  packText: string;
  /**
   * Where the pack starts in the frame's UTF-8: its bytes run from there to the last one, the
   * closing brace. Everything before it is ASCII but the target, whose UTF-8 length is counted
   * anyway, so this takes no search.
   */
  packAt: number;
}

/**
 * The fast path for the two hottest JSON frames, in the exact shape the SDK writes them
 * (`{"type":"pack/to","to":"…","pack":…}`, and `pack/room` with `room`). The schema is replaced by
 * checks of that shape, and only the pack is parsed: the prefix is matched byte for byte and the
 * target checked for what a JSON string may not hold, so the frame is valid JSON exactly when the
 * pack is (the pack is a third of a typical frame; parsing it alone costs less and leaves less
 * garbage). The pack's text is kept so the server forwards it without serialising it again.
 *
 * Anything else (other key orders, escapes or control characters in the target, extra keys,
 * invalid JSON, packs nested too deeply) returns undefined and takes the full decoder, which answers bad input with its
 * error frames.
 */
export function readJsonTunnel(text: string): JsonTunnel | undefined {
  let kind: BinaryKind;
  let start: number;
  let limit: number;
  if (text.startsWith(PACK_TO)) {
    kind = BinaryKind.Pack;
    start = PACK_TO.length;
    limit = FieldLimits.peerId;
  } else if (text.startsWith(PACK_ROOM)) {
    kind = BinaryKind.RoomPack;
    start = PACK_ROOM.length;
    limit = FieldLimits.roomName;
  } else {
    return undefined;
  }
  const end = text.indexOf('"', start);
  if (end <= start || end - start > limit || !text.startsWith(PACK_FIELD, end)) return undefined;
  // The limits are UTF-8 bytes, as in the schema; an over-limit target takes the full decoder and
  // its `bad-frame`.
  const bytes = utf8Length(text, start, end);
  if (bytes < 0 || bytes > limit) return undefined;
  if (text.charCodeAt(text.length - 1) !== 0x7d /* } */) return undefined;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x5c /* \ */) return undefined;
  }
  const packText = text.slice(end + PACK_FIELD.length, text.length - 1);
  // A deep pack is the decoder's to refuse; parsing it here would cost what it is refused for.
  if (exceedsJsonDepth(packText, MAX_JSON_DEPTH - 1)) return undefined;
  try {
    JSON.parse(packText);
  } catch {
    return undefined;
  }
  return {
    header: { kind, target: text.slice(start, end), id: 0, flags: 0, payloadOffset: 0 },
    packText,
    packAt: start + bytes + PACK_FIELD.length,
  };
}
