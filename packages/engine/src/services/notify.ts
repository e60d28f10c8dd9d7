import { randomUUID } from 'node:crypto';
import type { ErrorCode, ServerFrameOf } from '@mwse/protocol';
import type { Hub } from '../Hub.js';
import type { Peer } from '../Peer.js';
import type { Service } from '../Service.js';
import { ServiceError } from '../ServiceError.js';
import type { QuotaRefusal, StoredNotification } from './NotificationStore.js';

/** What a reply needs to find its way back: kept until the notification expires. */
interface Sent {
  nid: string;
  from: string;
  fromIdentity?: string;
  /** The recipient: an identity, or a socket id for peer targets. */
  identity?: string;
  to?: string;
  actions?: { id: string }[];
  expiresAt: number;
}

/** What the sender is told when a store quota is full (docs/limits.md). */
const QUOTA_ERRORS: Record<QuotaRefusal, [ErrorCode, string]> = {
  identity: ['rate-limited', 'too many notifications wait for this identity'],
  sender: ['rate-limited', 'you have too many notifications waiting'],
  total: ['exhausted', 'the server holds as many notifications as it may'],
};

/** Bound on replies the server can still route; the oldest are forgotten first. */
const MAX_ROUTABLE = 100_000;

/**
 * Notifications with a "suit reply" (SPEC §4, notify). To a peer: delivered at once or refused.
 * To an identity: stored until acknowledged, delivered to every connection of that identity now
 * and on each later connect. Replies go to the sender, the trigger URL and the inbox.
 */
export function createNotifyService(hub: Hub): Service<'notify/send' | 'notify/ack' | 'notify/reply'> {
  const sent = new Map<string, Sent>();

  function remember(entry: Sent): void {
    if (sent.size >= MAX_ROUTABLE) sent.delete(sent.keys().next().value!);
    sent.set(entry.nid, entry);
  }

  function frameOf(n: StoredNotification): ServerFrameOf<'notify'> {
    const { nid, from, fromIdentity, title, body, actions, data, sentAt, expiresAt } = n;
    return { type: 'notify', nid, from, fromIdentity, title, body, actions, data, sentAt, expiresAt };
  }

  return {
    handlers: {
      'notify/send'(self, frame) {
        const { to, identity, title, body, actions, data } = frame;
        if ((to === undefined) === (identity === undefined)) {
          throw new ServiceError('bad-frame', 'give exactly one of "to" and "identity"');
        }
        const now = Date.now();
        const ttl = (frame.ttl ?? hub.options.notifyDefaultTtl) * 1000;
        const n: StoredNotification = {
          nid: randomUUID(),
          from: self.id,
          fromIdentity: self.identity,
          sender: self.identity === undefined ? `address:${self.address}` : `identity:${self.identity}`,
          identity: identity ?? '',
          title,
          body,
          actions,
          data,
          sentAt: now,
          expiresAt: now + ttl,
        };
        const route: Sent = { nid: n.nid, from: self.id, fromIdentity: self.identity, actions, expiresAt: n.expiresAt };
        if (to !== undefined) {
          const peer = hub.peer(to);
          if (!peer) throw new ServiceError('unreachable', `peer ${to} is not connected`);
          if (!peer.accepts(self)) throw new ServiceError('not-paired', `peer ${to} has not accepted you`);
          remember({ ...route, to });
          hub.send(peer, frameOf(n));
          return { nid: n.nid, status: 'delivered' };
        }
        const full = hub.notifications.put(n);
        if (full) {
          hub.metrics.inc('mwse_dropped_total', `notify-quota-${full}`);
          throw new ServiceError(...QUOTA_ERRORS[full]);
        }
        remember({ ...route, identity });
        const online = hub.peersOf(identity!);
        const frameData = hub.encode(frameOf(n));
        for (const peer of online) hub.sendEncoded(peer, frameData, 'notify');
        return { nid: n.nid, status: online.size > 0 ? 'delivered' : 'stored' };
      },

      'notify/ack'(self, { nid }) {
        if (self.identity) hub.notifications.ack(self.identity, nid);
      },

      'notify/reply'(self, { nid, action, data }) {
        const route = sent.get(nid);
        const isRecipient = route && (route.to === self.id || (route.identity !== undefined && route.identity === self.identity));
        if (!route || !isRecipient || route.expiresAt <= Date.now()) {
          throw new ServiceError('not-found', `no notification ${nid} to reply to`);
        }
        if (route.actions && !route.actions.some((a) => a.id === action)) {
          throw new ServiceError('bad-frame', `notification ${nid} has no action "${action}"`);
        }
        const reply: ServerFrameOf<'notify/reply'> = {
          type: 'notify/reply',
          nid,
          from: self.id,
          fromIdentity: self.identity,
          action,
          data,
        };
        const senders = new Set<Peer>(route.fromIdentity ? hub.peersOf(route.fromIdentity) : []);
        const sender = hub.peer(route.from);
        if (sender) senders.add(sender);
        for (const peer of senders) hub.send(peer, reply);
        hub.bridge.emit({
          event: 'notify/reply',
          at: Date.now(),
          nid,
          action,
          data,
          from: self.id,
          fromIdentity: self.identity ?? null,
          to: route.from,
          toIdentity: route.fromIdentity ?? null,
        });
        return null;
      },
    },

    connect(peer) {
      if (!peer.identity) return;
      for (const n of hub.notifications.waiting(peer.identity)) hub.send(peer, frameOf(n));
    },
  };
}
