/**
 * First byte of a binary frame: which tunnel frame its header describes. Binary frames carry only
 * the hot tunnel frames; everything else stays JSON. A byte that is not a kind is not a binary
 * frame: `{` (0x7b) starts a JSON frame sent in a binary message.
 */
export const BinaryKind = {
  /** client `pack/to` / server `pack` */
  Pack: 1,
  /** client `pack/room` / server `room/pack` */
  RoomPack: 2,
  /** client `request/to` / server `request` */
  Request: 3,
  /** client `response/to` / server `response` */
  Response: 4,
  /** client `signal/to` / server `signal` */
  Signal: 5,
} as const;
export type BinaryKind = (typeof BinaryKind)[keyof typeof BinaryKind];

/** Bit 0 of a response's flags byte: the payload is `{code, message}`, not a body. */
export const RESPONSE_ERROR_FLAG = 1;

/** True when `byte` opens a binary tunnel frame. */
export function isBinaryKind(byte: number | undefined): byte is BinaryKind {
  return byte !== undefined && byte >= BinaryKind.Pack && byte <= BinaryKind.Signal;
}
