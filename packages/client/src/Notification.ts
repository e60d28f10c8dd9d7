import type { ServerFrameOf } from '@mwse/protocol';
import type { Peer } from './Peer.js';
import type { Wire } from './Wire.js';

/** A button a notification offers; its `id` comes back in the reply. */
export type NotificationAction = NonNullable<ServerFrameOf<'notify'>['actions']>[number];

/** What to send with `peer.notify()` or `mwse.notify()`. */
export interface NotifyOptions {
  title: string;
  body?: string;
  actions?: NotificationAction[];
  /** Any JSON value for the recipient's app. */
  data?: unknown;
  /** Seconds the server keeps it for an offline identity (default: the server's). */
  ttl?: number;
}

/** The server's answer to a sent notification. */
export interface NotifyResult {
  nid: string;
  /** `delivered` to a connection now, or `stored` until the identity connects. */
  status: 'delivered' | 'stored';
}

/** The recipient's answer (its "suit reply"), as the sender sees it. */
export interface NotificationReply {
  nid: string;
  /** The id of the action the recipient chose. */
  action: string;
  data: unknown;
  /** The connection that replied. */
  peer: Peer;
  fromIdentity?: string;
}

/**
 * A notification received from another peer. The SDK acknowledges it to the server on arrival (so
 * a stored one is not delivered again) and drops duplicates by `nid`.
 *
 * @example
 * mwse.on('notification', async (n) => {
 *   if (await ask(n.title, n.actions)) await n.reply('accept', { at: Date.now() });
 * });
 */
export class Notification {
  readonly nid: string;
  readonly title: string;
  readonly body: string | undefined;
  readonly actions: readonly NotificationAction[];
  readonly data: unknown;
  /** The connection that sent it (it may have left since). */
  readonly from: Peer;
  readonly fromIdentity: string | undefined;
  /** Epoch milliseconds. */
  readonly sentAt: number;
  readonly expiresAt: number;
  readonly #wire: Wire;

  /** Made by the client for each `notify` frame; not meant to be called directly. */
  constructor(frame: ServerFrameOf<'notify'>, from: Peer, wire: Wire) {
    this.nid = frame.nid;
    this.title = frame.title;
    this.body = frame.body;
    this.actions = frame.actions ?? [];
    this.data = frame.data;
    this.from = from;
    this.fromIdentity = frame.fromIdentity;
    this.sentAt = frame.sentAt;
    this.expiresAt = frame.expiresAt;
    this.#wire = wire;
  }

  /**
   * Sends the chosen action back to the sender (and the app server's bridge). Rejects with
   * `not-found` once the notification expired, `bad-frame` for an action it does not offer.
   */
  async reply(action: string, data?: unknown): Promise<void> {
    await this.#wire.call({ type: 'notify/reply', nid: this.nid, action, data });
  }
}
