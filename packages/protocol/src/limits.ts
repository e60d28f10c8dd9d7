/**
 * Field limits enforced by the schemas. The whole frame is also bounded by the server's
 * `maxMessageSize`; these keep names and keys small enough to index by.
 */
export const FieldLimits = {
  /**
   * Longest socket id or peer reference, in UTF-8 bytes (UUIDs are 36). The binary framing carries
   * it after a one-byte length.
   */
  peerId: 64,
  /**
   * Longest room name, in UTF-8 BYTES, not characters (`é` is 2, `😀` 4): every frame that names a
   * room, JSON or binary, and the SDK before it sends, hold names to it.
   */
  roomName: 128,
  roomDescription: 1024,
  password: 256,
  infoKey: 128,
  errorMessage: 1024,
  identity: 256,
  notificationId: 64,
  notificationTitle: 256,
  notificationBody: 4096,
  notificationActions: 8,
  actionId: 64,
  actionTitle: 128,
  /** Longest virtual address text (IPv4, number or short code). */
  address: 32,
  /** Longest notification ttl, in seconds (30 days). */
  notificationTtl: 30 * 24 * 3600,
} as const;
