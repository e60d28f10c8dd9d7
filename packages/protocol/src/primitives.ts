import { z } from 'zod';
import { FieldLimits } from './limits.js';

/** Correlation id chosen by the sender of a frame that expects an answer. */
export const CorrelationId = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** A peer's socket id (UUID v4), or `server` for messages from the HTTP API. */
export const PeerId = z.string().min(1).max(FieldLimits.peerId);

/** A UTF-16 surrogate with no partner: text that has no UTF-8 form. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * A room's name. Well-formed Unicode only: the binary framing carries names as UTF-8, where a
 * lone surrogate becomes U+FFFD, so binary members would read another name than JSON ones and
 * could never address the room.
 */
export const RoomName = z
  .string()
  .min(1)
  .max(FieldLimits.roomName)
  .refine((name) => !LONE_SURROGATE.test(name), 'must be well-formed Unicode (no lone surrogates)');

export const InfoKey = z.string().min(1).max(FieldLimits.infoKey);

/** Any JSON value (or absent): the server never looks inside application payloads. */
export const Payload = z.unknown().optional();

export const JoinType = z.enum(['free', 'password', 'invite', 'lock']);
/** How a room admits new members. */
export type JoinType = z.infer<typeof JoinType>;

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
