/**
 * WebSocket close codes the server uses (RFC 6455 §7.4.1). The SDK reads them to decide whether
 * to reconnect.
 */
export const CloseCode = {
  /** Normal closure, asked for by the client. */
  Normal: 1000,
  /** The server is shutting down. */
  GoingAway: 1001,
  /** The peer broke a policy: its outbound queue overflowed (slow consumer), or it was refused. */
  PolicyViolation: 1008,
  /** A text frame was not UTF-8 (ws; uWebSockets.js drops such a connection without a close frame). */
  InvalidPayload: 1007,
  /** An inbound frame was larger than `maxMessageSize`. */
  MessageTooBig: 1009,
  /** The server failed while handling this connection (a bug, logged); the others go on. */
  InternalError: 1011,
  /** The connection stayed silent past two heartbeat intervals. */
  HeartbeatTimeout: 4000,
  /** Another socket resumed this session; this one is closed and must not reconnect on its own. */
  SessionTaken: 4001,
} as const;

/** One of the values of {@link CloseCode}. */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
