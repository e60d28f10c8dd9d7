import { z } from 'zod';
import { ErrorCode } from './errorCodes.js';
import { CorrelationId, JoinType, Payload, PeerId, RoomMode, RoomName, RoomRole } from './primitives.js';
import { ResponseError } from './ClientFrame.js';
import { FeatureServerFrames, Identity } from './features.js';
import { HelloSessionFields, SessionServerFrames } from './sessionFrames.js';
import { BroadcastServerFrames, PublishPolicy } from './broadcastFrames.js';

const id = CorrelationId;
const errorCode = z.enum(Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]]);

/** Limits the server announces in its hello, so clients can stay inside them. */
export const ServerLimits = z.object({
  maxMessageSize: z.number().int(),
  outboundBuffer: z.number().int(),
  pingInterval: z.number().int(),
  maxInfoKeys: z.number().int(),
  maxInfoBytes: z.number().int(),
});
export type ServerLimits = z.infer<typeof ServerLimits>;

/** What the server tells a client about a room it created or joined. */
export const RoomDescription = z.object({
  name: RoomName,
  joinType: JoinType,
  owner: PeerId,
  visibility: z.enum(['public', 'private']),
  description: z.string().optional(),
  maxMembers: z.number().int().optional(),
  members: z.array(PeerId),
  /** True when this call created the room, false when it joined an existing one. */
  created: z.boolean(),
  /** The room's /24 when it took one (virtual LAN), and its members' addresses in it. */
  subnet: z.string().optional(),
  addresses: z.record(z.string(), z.string()).optional(),
  /** Present for broadcast rooms: `members` is then the stage. */
  mode: RoomMode.optional(),
  /** Broadcast rooms: how the caller is in the room. */
  role: RoomRole.optional(),
  /** Broadcast rooms: audience members now (counted, never listed). */
  audience: z.number().int().optional(),
  maxAudience: z.number().int().optional(),
  /** Broadcast rooms: who may publish. */
  publish: PublishPolicy.optional(),
});
export type RoomDescription = z.infer<typeof RoomDescription>;

/** Frames the server sends to a client, one schema per `type`. */
export const ServerFrame = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    server: z.string(),
    version: z.string(),
    protocol: z.number().int(),
    socketId: PeerId,
    /** The identity the bridge's approval gave this connection. */
    identity: Identity.optional(),
    limits: ServerLimits,
    features: z.array(z.string()),
    /** How tunnel frames travel to this connection: `binary` when it asked (`?codec=binary`). */
    codec: z.enum(['json', 'binary']).optional(),
    ...HelloSessionFields,
  }),
  /** Success answer to a client frame that carried `id`. */
  z.object({ type: z.literal('result'), id, data: Payload }),
  /** Refusal of a client frame; `id` is present when the frame carried one. */
  z.object({
    type: z.literal('error'),
    id: id.optional(),
    code: errorCode,
    message: z.string(),
    issues: z.array(z.string()).optional(),
  }),
  z.object({ type: z.literal('pack'), from: PeerId, pack: Payload }),
  z.object({ type: z.literal('signal'), from: PeerId, data: Payload }),
  z.object({ type: z.literal('room/pack'), room: RoomName, from: PeerId, pack: Payload }),
  z.object({ type: z.literal('request'), id, from: PeerId, body: Payload }),
  z.object({
    type: z.literal('response'),
    id,
    from: PeerId,
    body: Payload,
    error: ResponseError.optional(),
  }),
  z.object({ type: z.literal('pair/request'), from: PeerId }),
  z.object({ type: z.literal('pair/accepted'), from: PeerId }),
  z.object({ type: z.literal('pair/ended'), from: PeerId }),
  /** A peer this client watches disconnected. */
  z.object({ type: z.literal('peer/disconnect'), peer: PeerId }),
  /** A pair changed one key of its info (`value` absent: the key was removed). */
  z.object({ type: z.literal('peer/info'), from: PeerId, key: z.string(), value: Payload }),
  /**
   * Joins and leaves of one room in one server event-loop turn, in order: every join of the batch
   * happened before every leave. One frame, encoded once, goes to every member, the new ones
   * included: a member ignores the joins up to and including its own (its join's `members` had
   * them). `addresses` holds the joiners' virtual addresses when the room has a subnet.
   */
  z.object({
    type: z.literal('room/presence'),
    room: RoomName,
    joined: z.array(PeerId),
    left: z.array(PeerId),
    addresses: z.record(z.string(), z.string()).optional(),
  }),
  /** Broadcast rooms, to the stage: the audience count changed (at most once a second). */
  z.object({ type: z.literal('room/audience'), room: RoomName, count: z.number().int() }),
  /** Broadcast rooms, to the audience: the last stage member left, so the room is gone. */
  z.object({ type: z.literal('room/closed'), room: RoomName }),
  /** One join, as servers before `room/presence` sent it (the SDK still reads it). */
  z.object({ type: z.literal('room/joined'), room: RoomName, peer: PeerId, address: z.string().optional() }),
  /** One leave, as servers before `room/presence` sent it (the SDK still reads it). */
  z.object({ type: z.literal('room/left'), room: RoomName, peer: PeerId }),
  z.object({ type: z.literal('room/owner'), room: RoomName, owner: PeerId }),
  z.object({ type: z.literal('room/invited'), room: RoomName, from: PeerId }),
  z.object({ type: z.literal('room/ejected'), room: RoomName, by: PeerId }),
  ...FeatureServerFrames,
  ...SessionServerFrames,
  ...BroadcastServerFrames,
]);

/** A public room as `room/list` and `GET /api/rooms` list it. */
export const RoomSummary = z.object({
  name: RoomName,
  joinType: JoinType,
  members: z.number().int(),
  description: z.string().optional(),
  /** Present for broadcast rooms, with their audience count. */
  mode: RoomMode.optional(),
  audience: z.number().int().optional(),
  /** Broadcast rooms: the live broadcasts, with their viewer counts (absent when none). */
  broadcasts: z.array(z.object({ name: z.string(), viewers: z.number().int() })).optional(),
});
export type RoomSummary = z.infer<typeof RoomSummary>;

/** The answer to `pair/list`: socket ids, each list in the order the relation was made. */
export const PairList = z.object({
  /** Peers I accepted: their direct traffic reaches me while pair-auth is on. */
  accepted: z.array(PeerId),
  /** Peers that accepted me. */
  acceptedBy: z.array(PeerId),
  /** Peers that asked to pair with me, not answered yet. */
  incoming: z.array(PeerId),
  /** Peers I asked, that have not answered yet. */
  outgoing: z.array(PeerId),
});
export type PairList = z.infer<typeof PairList>;

/** A frame sent by the server. */
export type ServerFrame = z.infer<typeof ServerFrame>;
/** The `type` of a server frame. */
export type ServerFrameType = ServerFrame['type'];
/** The server frame of one `type`. */
export type ServerFrameOf<T extends ServerFrameType> = Extract<ServerFrame, { type: T }>;
