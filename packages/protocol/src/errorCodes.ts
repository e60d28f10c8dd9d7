/**
 * The closed list of error codes shared by server and client. Carried by `error` frames, by
 * error responses, and by the SDK's `MWSEError.code`.
 */
export const ErrorCode = {
  /** The frame is not valid JSON, or its fields have the wrong shape. */
  BadFrame: 'bad-frame',
  /** The frame's `type` is not one the server knows. */
  UnknownType: 'unknown-type',
  /** The frame, or one of its fields, is larger than allowed. */
  TooLarge: 'too-large',
  /** The sender is over a rate or quota. */
  RateLimited: 'rate-limited',
  /** The thing asked for does not exist. */
  NotFound: 'not-found',
  /** The target peer is not connected. */
  Unreachable: 'unreachable',
  /** The target has pair-auth on and has not accepted the sender. */
  NotPaired: 'not-paired',
  /** No answer came in time. */
  Timeout: 'timeout',
  /** The peer disconnected before it answered. */
  PeerDisconnected: 'peer-disconnected',
  /** The peer has no request handler. */
  NoHandler: 'no-handler',
  /** The peer's request handler threw or answered with an error. */
  RemoteError: 'remote-error',
  RoomExists: 'room-exists',
  RoomNotFound: 'room-not-found',
  WrongPassword: 'wrong-password',
  NotInvited: 'not-invited',
  RoomLocked: 'room-locked',
  RoomFull: 'room-full',
  /** The sender may not do this (not the owner, not a member, the target does not allow it). */
  Forbidden: 'forbidden',
  /** A bounded resource (addresses, pending requests) has no room left. */
  Exhausted: 'exhausted',
  /** Broadcast rooms: nobody publishes a broadcast of that name now. */
  NotLive: 'not-live',
  /** The media server is down, unreachable or did not answer in time. */
  MediaUnavailable: 'media-unavailable',
  /** The media server refused the session (a bad offer, a codec it lacks, its own policy). */
  MediaRefused: 'media-refused',
  /** The connection closed before the server answered (client side only). */
  Disconnected: 'disconnected',
  /**
   * The server refused the WebSocket handshake (an HTTP error such as 403, 429 or 503 instead of
   * the upgrade), or closed the connection before its hello (client side only).
   */
  Refused: 'refused',
  /** The server failed while handling a valid frame; the connection stays up. */
  Internal: 'internal',
} as const;

/** One of the values of {@link ErrorCode}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const codes = new Set<string>(Object.values(ErrorCode));

/** True when `value` is one of the protocol's error codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && codes.has(value);
}
