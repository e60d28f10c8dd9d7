import { z } from 'zod';
import { PeerId } from './primitives.js';

/** Frames counted in one direction of a session: never negative, far below 2^53. */
const Count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** Longest resume token accepted (the server hands out 43 characters: 256 bits, base64url). */
export const MAX_RESUME_TOKEN_LENGTH = 128;

/**
 * Why a resume was refused and a new session started instead (`hello.reason`): `unknown` (no such
 * session, or the token did not match), `expired` (away past the grace window), `overflow` (more
 * was missed than the server or the client keeps), `ended` (closed on purpose, or by the server),
 * `identity` (the bridge gave this connection another identity), `codec` (asked for another codec),
 * `disabled` (the server keeps no sessions), `state-lost` (a cluster's Redis lost the state the
 * session was kept under: restarted empty, flushed, or failed over to a replica that lost writes).
 */
export const ResumeRefusal = z.enum(['unknown', 'expired', 'overflow', 'ended', 'identity', 'codec', 'disabled', 'state-lost']);
export type ResumeRefusal = z.infer<typeof ResumeRefusal>;

/**
 * Client frames of resumable sessions. None of them is counted in the session's sequence, and
 * none is answered with `result`.
 */
export const SessionClientFrames = [
  /**
   * The first frame on a socket opened with `?resume=1`: take this session over. `seq` is how many
   * counted server frames the client received, `from` how many of its own counted frames it can no
   * longer resend (the server must have applied at least that many).
   */
  z
    .object({
      type: z.literal('session/resume'),
      socketId: PeerId,
      token: z.string().min(1).max(MAX_RESUME_TOKEN_LENGTH),
      seq: Count,
      from: Count,
    })
    .strict(),
  /** The client received `seq` counted server frames: the server may forget them. */
  z.object({ type: z.literal('session/ack'), seq: Count }).strict(),
  /** The client is leaving for good: end the session now instead of waiting out the grace window. */
  z.object({ type: z.literal('session/end') }).strict(),
] as const;

/** Server frames of resumable sessions, not counted in the session's sequence. */
export const SessionServerFrames = [
  /** The server applied `seq` counted client frames: the client may forget them. */
  z.object({ type: z.literal('session/ack'), seq: Count }),
] as const;

/** The hello's session fields: what a client needs to resume, and how a resume went. */
export const HelloSessionFields = {
  /** Present when this session can be resumed: the token for the next `session/resume` and the grace window in ms. */
  resume: z.object({ token: z.string(), grace: z.number().int() }).optional(),
  /** Answers a `session/resume`: true when the session came back, false when this is a new one. */
  resumed: z.boolean().optional(),
  /** Why a resume was refused (with `resumed: false`). */
  reason: z.string().optional(),
  /** With `resumed: true`: counted client frames the server applied; the client resends the rest. */
  seq: Count.optional(),
};
