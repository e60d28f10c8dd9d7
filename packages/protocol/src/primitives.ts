import { z } from 'zod';
import { FieldLimits } from './limits.js';
import { peerIdError, roomNameError } from './nameErrors.js';

/** Correlation id chosen by the sender of a frame that expects an answer. */
export const CorrelationId = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * A peer's socket id (UUID v4), or `server` for messages from the HTTP API: 1 to 64 UTF-8 bytes,
 * the limit of the binary framing's length byte for peer ids.
 */
export const PeerId = z
  .string()
  .superRefine((value, ctx) => {
    const error = peerIdError(value);
    if (error) ctx.addIssue({ code: 'custom', message: error.message });
  });

/**
 * A room name: 1 to 128 UTF-8 BYTES (not characters) of well-formed Unicode, the same rule the
 * binary framing's header and the SDK apply (see `roomNameError`). `é` counts 2, `😀` 4.
 */
export const RoomName = z
  .string()
  .superRefine((value, ctx) => {
    const error = roomNameError(value);
    if (error) ctx.addIssue({ code: 'custom', message: error.message });
  });

export const InfoKey = z.string().min(1).max(FieldLimits.infoKey);

/** Any JSON value (or absent): the server never looks inside application payloads. */
export const Payload = z.unknown().optional();

export const JoinType = z.enum(['free', 'password', 'invite', 'lock']);
/** How a room admits new members. */
export type JoinType = z.infer<typeof JoinType>;

/**
 * `normal`: every member is listed and told of every join and leave. `broadcast`: a stage of
 * listed members, and an audience that is only counted (see docs/rooms.md).
 */
export const RoomMode = z.enum(['normal', 'broadcast']);
export type RoomMode = z.infer<typeof RoomMode>;

/** How a peer is in a room: a listed `member` (the stage, in a broadcast room) or `audience`. */
export const RoomRole = z.enum(['member', 'audience']);
export type RoomRole = z.infer<typeof RoomRole>;

/** Session flags a peer sets on itself (SPEC §4, data sync). */
export const SessionFlags = z
  .object({
    /** Direct traffic only from accepted peers. */
    pairauth: z.boolean(),
    /** Others may read my info. */
    readable: z.boolean(),
    /** Others may send me direct messages at all. */
    writable: z.boolean(),
    /** Push my info changes to my pairs. */
    pairinfo: z.boolean(),
  })
  .partial()
  .strict();
export type SessionFlags = z.infer<typeof SessionFlags>;
