import { z } from 'zod';
import { FieldLimits } from './limits.js';
import { FeatureClientFrames } from './features.js';
import { SessionClientFrames } from './sessionFrames.js';
import { BroadcastClientFrames, PublishPolicy } from './broadcastFrames.js';
import {
  CorrelationId,
  InfoKey,
  JoinType,
  Payload,
  PeerId,
  RoomMode,
  RoomName,
  RoomRole,
  SessionFlags,
} from './primitives.js';

const id = CorrelationId;

/** Error carried by a response the responder could not answer. */
export const ResponseError = z
  .object({
    code: z.enum(['no-handler', 'remote-error']),
    message: z.string().max(FieldLimits.errorMessage),
  })
  .strict();

/** Frames a client sends to the server, one schema per `type`. */
export const ClientFrame = z.discriminatedUnion('type', [
  // tunnels
  z.object({ type: z.literal('pack/to'), to: PeerId, pack: Payload }).strict(),
  z.object({ type: z.literal('pack/room'), room: RoomName, pack: Payload }).strict(),
  /** Signalling for a library on top of MWSE (WebRTC): routed like pack/to, never an app message. */
  z.object({ type: z.literal('signal/to'), to: PeerId, data: Payload }).strict(),
  z.object({ type: z.literal('request/to'), id, to: PeerId, body: Payload }).strict(),
  z
    .object({
      type: z.literal('response/to'),
      id,
      to: PeerId,
      body: Payload,
      error: ResponseError.optional(),
    })
    .strict(),
  /** The requester gave up (timeout): the server forgets the pending request. */
  z.object({ type: z.literal('request/cancel'), id, to: PeerId }).strict(),
  // peers and pair-auth
  z.object({ type: z.literal('pair/request'), id, to: PeerId }).strict(),
  z.object({ type: z.literal('pair/accept'), id, to: PeerId }).strict(),
  z.object({ type: z.literal('pair/reject'), id, to: PeerId }).strict(),
  z.object({ type: z.literal('pair/end'), id, to: PeerId }).strict(),
  /** My pairs and pending pair requests as the server holds them (answered with a `PairList`). */
  z.object({ type: z.literal('pair/list'), id }).strict(),
  z.object({ type: z.literal('peer/reachable'), id, peer: PeerId }).strict(),
  z.object({ type: z.literal('session/set'), id, flags: SessionFlags }).strict(),
  // info pool
  z.object({ type: z.literal('info/set'), id, key: InfoKey, value: Payload }).strict(),
  z.object({ type: z.literal('info/get'), id, peer: PeerId, key: InfoKey.optional() }).strict(),
  // rooms
  z
    .object({
      type: z.literal('room/create'),
      id,
      name: RoomName,
      joinType: JoinType.default('free'),
      password: z.string().min(1).max(FieldLimits.password).optional(),
      ifexistsJoin: z.boolean().default(false),
      maxMembers: z.number().int().min(1).max(1_000_000).optional(),
      description: z.string().max(FieldLimits.roomDescription).optional(),
      visibility: z.enum(['public', 'private']).default('public'),
      /** `broadcast`: joiners are a counted audience unless invited to the stage. */
      mode: RoomMode.default('normal'),
      /** Broadcast rooms: most audience members at once (the stage has `maxMembers`). */
      maxAudience: z.number().int().min(1).max(10_000_000).optional(),
      /** Broadcast rooms: who may publish (`members` of the stage by default; docs/broadcast.md). */
      publish: PublishPolicy.optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('room/join'),
      id,
      name: RoomName,
      password: z.string().max(FieldLimits.password).optional(),
      /**
       * Broadcast rooms only. Absent: the stage when invited, else the audience. `member` asks for
       * the stage (needs an invitation); `audience` watches even when invited.
       */
      role: RoomRole.optional(),
    })
    .strict(),
  z.object({ type: z.literal('room/leave'), id, name: RoomName }).strict(),
  z.object({ type: z.literal('room/peers'), id, name: RoomName }).strict(),
  z.object({ type: z.literal('room/invite'), id, name: RoomName, peer: PeerId }).strict(),
  z.object({ type: z.literal('room/eject'), id, name: RoomName, peer: PeerId }).strict(),
  z.object({ type: z.literal('room/lock'), id, name: RoomName }).strict(),
  z.object({ type: z.literal('room/unlock'), id, name: RoomName }).strict(),
  ...FeatureClientFrames,
  ...SessionClientFrames,
  ...BroadcastClientFrames,
]);

/** A frame sent by a client, as the server receives it after validation. */
export type ClientFrame = z.infer<typeof ClientFrame>;
/** A client frame before defaults are applied (what a client may put on the wire). */
export type ClientFrameInput = z.input<typeof ClientFrame>;
/** The `type` of a client frame. */
export type ClientFrameType = ClientFrame['type'];
/** The client frame of one `type`. */
export type ClientFrameOf<T extends ClientFrameType> = Extract<ClientFrame, { type: T }>;

/** Every client frame type, for routing tables and tests. */
export const CLIENT_FRAME_TYPES = ClientFrame.options.map(
  (o) => o.shape.type.value,
) as readonly ClientFrameType[];
