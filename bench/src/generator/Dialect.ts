import type { Connection, Inbound, Outbound } from './Connection.js';

/** An inbound request the latency workload must answer. */
export interface InboundRequest {
  /** The message to send back (already addressed to the requester). */
  answer: Outbound;
}

/**
 * How the generator speaks one server's protocol: MWSE JSON (which the bare relays speak too),
 * MWSE's binary tunnel framing, or Socket.IO (engine.io + socket.io packets). Builders return a
 * message (text or bytes); the connection masks and frames it.
 */
export interface Dialect {
  readonly name: string;
  /** Path (and query) of the WebSocket endpoint. */
  readonly path: string;
  /** Largest keep-alive message the server sends as data (decoded even while counting). */
  readonly keepAliveBytes: number;
  /**
   * After the handshake: wait until the server has set the connection up (MWSE's hello,
   * Socket.IO's namespace connect) and return its id. All an idle connection does.
   */
  hello(conn: Connection): Promise<string>;
  /** {@link hello}, then make direct traffic to the connection possible. */
  greet(conn: Connection): Promise<string>;
  /** Join (creating when needed) a free room. */
  joinRoom(conn: Connection, room: string): Promise<void>;
  /** `pack` is JSON text. */
  packTo(to: string, pack: string): Outbound;
  packRoom(room: string, pack: string): Outbound;
  /** True when `msg` is a direct (`room` undefined) or room message sent by `from`. */
  isDelivery(msg: Inbound, from: string, room?: string): boolean;
  /** A request with correlation id `id` carrying `body` (JSON text). */
  requestTo(id: number, to: string, body: string): Outbound;
  /** Read an inbound request and build its answer (echoing the body), or undefined if it is not one. */
  readRequest(msg: Inbound): InboundRequest | undefined;
  /** Read a response: its correlation id and body, or undefined if it is not one. */
  readResponse(msg: Inbound): { id: number; body: unknown } | undefined;
}

/** The text of a message (binary messages read as UTF-8). */
export function textOf(msg: Inbound): string {
  return typeof msg === 'string' ? msg : msg.toString('utf8');
}
