import { z } from 'zod';
import { FieldLimits as L } from './limits.js';
import { CorrelationId as id, InfoKey, Payload, PeerId, RoomName } from './primitives.js';

/** A stable name for the person or device behind connections (SPEC §2, identity). */
export const Identity = z.string().min(1).max(L.identity);

/** A button a notification offers; its `id` comes back in the reply. */
export const NotifyAction = z
  .object({ id: z.string().min(1).max(L.actionId), title: z.string().min(1).max(L.actionTitle) })
  .strict();

const NotificationFields = {
  title: z.string().min(1).max(L.notificationTitle),
  body: z.string().max(L.notificationBody).optional(),
  actions: z.array(NotifyAction).max(L.notificationActions).optional(),
  data: Payload,
};

/** Client frames of the server capabilities: notifications, virtual addresses, room info. */
export const FeatureClientFrames = [
  z
    .object({
      type: z.literal('notify/send'),
      id,
      to: PeerId.optional(),
      identity: Identity.optional(),
      ...NotificationFields,
      /** Seconds the notification may wait for an offline recipient. */
      ttl: z.number().int().min(1).max(L.notificationTtl).optional(),
    })
    .strict(),
  /** The recipient's SDK received a notification: the server may forget it. */
  z.object({ type: z.literal('notify/ack'), nid: z.string().min(1).max(L.notificationId) }).strict(),
  z
    .object({
      type: z.literal('notify/reply'),
      id,
      nid: z.string().min(1).max(L.notificationId),
      action: z.string().min(1).max(L.actionId),
      data: Payload,
    })
    .strict(),
  z.object({ type: z.literal('address/claim'), id }).strict(),
  z.object({ type: z.literal('address/release'), id }).strict(),
  z.object({ type: z.literal('address/resolve'), id, address: z.string().min(1).max(L.address) }).strict(),
  z.object({ type: z.literal('room/subnet'), id, name: RoomName }).strict(),
  z.object({ type: z.literal('room/info/set'), id, name: RoomName, key: InfoKey, value: Payload }).strict(),
  z.object({ type: z.literal('room/info/get'), id, name: RoomName, key: InfoKey.optional() }).strict(),
  z.object({ type: z.literal('room/list'), id }).strict(),
] as const;

/** A peer's virtual addresses: each unique while it is connected. */
export const VirtualAddress = z.object({
  ip: z.string(),
  number: z.string(),
  code: z.string(),
});
export type VirtualAddress = z.infer<typeof VirtualAddress>;

/** Server frames of the server capabilities. */
export const FeatureServerFrames = [
  z.object({
    type: z.literal('notify'),
    nid: z.string(),
    from: PeerId,
    fromIdentity: Identity.optional(),
    ...NotificationFields,
    sentAt: z.number(),
    expiresAt: z.number(),
  }),
  z.object({
    type: z.literal('notify/reply'),
    nid: z.string(),
    from: PeerId,
    fromIdentity: Identity.optional(),
    action: z.string(),
    data: Payload,
  }),
  z.object({ type: z.literal('room/info'), room: RoomName, key: z.string(), value: Payload }),
  /** The owner gave the room a /24: every member's address in it, by socket id. */
  z.object({
    type: z.literal('room/subnet'),
    room: RoomName,
    subnet: z.string(),
    addresses: z.record(z.string(), z.string()),
  }),
] as const;
