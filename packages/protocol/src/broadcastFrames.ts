import { z } from 'zod';
import { CorrelationId as id, PeerId, RoomName } from './primitives.js';

/** Longest SDP offer a client may send (a complete offer with candidates is a few KiB). */
export const MAX_SDP_LENGTH = 64 * 1024;
/** Longest broadcast name, in characters. */
export const MAX_BROADCAST_NAME = 64;

/** A broadcast's name in its room: letters, digits, `-`, `_` and `.`, 1 to 64 of them. */
export const BroadcastName = z
  .string()
  .min(1)
  .max(MAX_BROADCAST_NAME)
  .regex(/^[A-Za-z0-9._-]+$/, 'a broadcast name is letters, digits, ".", "_" and "-"');

/** One complete SDP offer (ICE candidates gathered), as the browser made it. */
const Offer = z.string().min(1).max(MAX_SDP_LENGTH);

/**
 * Who may publish in a broadcast room: `owner` (only the owner, and peers it granted), `members`
 * (anyone on the stage; the default).
 */
export const PublishPolicy = z.enum(['owner', 'members']);
export type PublishPolicy = z.infer<typeof PublishPolicy>;

/**
 * Why a broadcast ended: `stopped` (its publisher stopped it), `publisher-gone` (the publisher
 * left the room or disconnected), `media-lost` (the media server dropped it, died or stopped
 * answering), `room-closed` (the room is gone), `revoked` (the owner took the grant back).
 */
export const BroadcastEndReason = z.enum(['stopped', 'publisher-gone', 'media-lost', 'room-closed', 'revoked']);
export type BroadcastEndReason = z.infer<typeof BroadcastEndReason>;

/** An ICE server as `RTCPeerConnection` takes it. */
export const IceServer = z.object({
  urls: z.union([z.string(), z.array(z.string())]),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type IceServer = z.infer<typeof IceServer>;

/** The answer to `broadcast/publish` and `broadcast/watch`. */
export const BroadcastSession = z.object({
  /** The session's id on this server (for `broadcast/stop`). */
  session: z.string(),
  /** The media server's SDP answer. */
  answer: z.string(),
  /** Other ways to play it (HLS, HTTP-FLV), when the media server offers them. */
  urls: z.record(z.string(), z.string()).optional(),
});
export type BroadcastSession = z.infer<typeof BroadcastSession>;

/** A live broadcast, as `broadcast/list` gives it. */
export const BroadcastSummary = z.object({
  name: BroadcastName,
  publisher: PeerId,
  viewers: z.number().int(),
  /** Milliseconds since the epoch. */
  since: z.number().int(),
});
export type BroadcastSummary = z.infer<typeof BroadcastSummary>;

/** Client frames of broadcast rooms (docs/broadcast.md). All are answered with `result` or `error`. */
export const BroadcastClientFrames = [
  /** The ICE servers to make offers with, TURN credentials minted for this peer included. */
  z.object({ type: z.literal('broadcast/ice'), id, room: RoomName }).strict(),
  /** Publish under `name`: answered with a {@link BroadcastSession}. */
  z.object({ type: z.literal('broadcast/publish'), id, room: RoomName, name: BroadcastName, offer: Offer }).strict(),
  /** Watch `name`: answered with a {@link BroadcastSession}; `not-live` when nobody publishes it. */
  z.object({ type: z.literal('broadcast/watch'), id, room: RoomName, name: BroadcastName, offer: Offer }).strict(),
  /** End one of my sessions (a publish ends for every viewer with `stopped`). */
  z.object({ type: z.literal('broadcast/stop'), id, session: z.string().min(1).max(64) }).strict(),
  /** The room's live broadcasts: an array of {@link BroadcastSummary}. */
  z.object({ type: z.literal('broadcast/list'), id, room: RoomName }).strict(),
  /** Owner only: let a stage member publish in an `owner` room (`allow: false` takes it back). */
  z.object({ type: z.literal('broadcast/grant'), id, room: RoomName, peer: PeerId, allow: z.boolean() }).strict(),
] as const;

/** Server frames of broadcast rooms. */
export const BroadcastServerFrames = [
  /** To everyone in the room, stage and audience: `name` went live. */
  z.object({ type: z.literal('broadcast/started'), room: RoomName, name: BroadcastName, publisher: PeerId }),
  /**
   * `name` ended. Without `session`: to everyone in the room. With it: to the one peer whose
   * session it was (its publish, or its watch), which the server already tore down.
   */
  z.object({
    type: z.literal('broadcast/ended'),
    room: RoomName,
    name: BroadcastName,
    reason: BroadcastEndReason,
    session: z.string().optional(),
  }),
  /** To the publisher: how many watch its broadcast now (at most once a second). */
  z.object({ type: z.literal('broadcast/viewers'), room: RoomName, name: BroadcastName, count: z.number().int() }),
] as const;
