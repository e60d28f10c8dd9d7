import { z } from 'zod';

/** Bodies of the HTTP control plane (`/api/*`), validated by the engine. */
export const ApiBodies = {
  /** `POST /api/auth/key` */
  mintKey: z.object({ domain: z.string().min(1).max(253) }).strict(),
  /** `POST /api/client/:id/send`: `pack` is any JSON value, but it must be there. */
  sendToClient: z
    .object({ pack: z.unknown().refine((pack) => pack !== undefined, 'pack is required') })
    .strict(),
  /** `POST /api/bridge/inbox/read`: ack the events up to `ack` (an event id), read the next `limit`. */
  inboxRead: z
    .object({
      ack: z.string().min(1).max(256).optional(),
      limit: z.number().int().min(1).max(1000).optional(),
    })
    .strict(),
  /** `POST /api/media/hooks/:event`: the media server's JSON, checked by the backend. */
  mediaHook: z.unknown(),
} as const;

/** Error body of every failed API call. */
export interface ApiError {
  error: { code: string; message: string; issues?: string[] };
}
