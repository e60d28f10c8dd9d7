import { randomUUID } from 'node:crypto';
import type { ErrorCode, ServerFrame, WireData } from '@mwse/protocol';
import type { Hub } from '../Hub.js';
import type { Peer } from '../Peer.js';
import type { Service } from '../Service.js';
import { ServiceError } from '../ServiceError.js';
import type { NotificationQuotas, QuotaRefusal, StoredNotification } from './NotificationStore.js';

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

/** What the sender is told when the store refuses a notification (docs/limits.md). */
function quotaError(full: QuotaRefusal, bytes: number, q: NotificationQuotas): [ErrorCode, string] {
  switch (full) {
    case 'identity':
      return ['rate-limited', 'too many notifications wait for this identity'];
    case 'sender':
      return ['rate-limited', 'you have too many notifications waiting'];
    case 'total':
      return ['exhausted', 'the server holds as many notifications as it may'];
    case 'identity-bytes':
      return ['rate-limited', `notifications waiting for this identity may take ${q.bytesPerIdentity} bytes at most`];
    case 'sender-bytes':
      return ['rate-limited', `your waiting notifications may take ${q.bytesPerSender} bytes at most`];
    case 'total-bytes':
      return ['exhausted', `the server holds as many notification bytes as it may (${q.bytesTotal})`];
    case 'oversized': {
      const limit = Math.min(q.bytesPerIdentity, q.bytesPerSender, q.bytesTotal);
      return ['too-large', `a notification of ${bytes} bytes is larger than the ${limit}-byte quota`];
    }
  }
}

/** Bound on replies the server can still route; the oldest are forgotten first. */
const MAX_ROUTABLE = 100_000;

const byteLength = (data: WireData) => (typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength);

/**
 * Notifications with a "suit reply" (SPEC §4, notify). To a peer: delivered at once or refused.
 * To an identity: stored until acknowledged, delivered to every connection of that identity now
 * and on each later connect. Replies go to the sender, the trigger URL and the inbox.
 *
 * A notification is encoded once, before it is stored or acknowledged: data the codec cannot
 * encode (JSON nested past the stack's depth) is refused with `bad-frame` here rather than
 * failing later, on delivery inside a connect.
 */
export function createNotifyService(hub: Hub): Service<'notify/send' | 'notify/ack' | 'notify/reply'> {
  const sent = new Map<string, Sent>();
  hub.metrics.gauge('mwse_stored_notification_bytes', 'Bytes of notification frames waiting for an ack.', () => hub.notifications.bytes);

  function remember(entry: Sent): void {
    if (sent.size >= MAX_ROUTABLE) sent.delete(sent.keys().next().value!);
    sent.set(entry.nid, entry);
  }

  /** Encode `frame` now, or refuse the frame that carries it. */
  function encodeOrRefuse(frame: ServerFrame): WireData {
    try {
      return hub.encode(frame);
    } catch {
      hub.metrics.inc('mwse_dropped_total', 'notify-unencodable');
      throw new ServiceError('bad-frame', `"${frame.type}" data cannot be encoded for delivery (nested too deeply?)`);
    }
  }

  /**
   * Queue an encoded notification. Contained: one notification that fails to go out must not stop
   * the others, nor throw out of a connect (the transport's open callback).
   */
  function deliver(peer: Peer, frame: WireData): void {
    try {
      hub.sendEncoded(peer, frame, 'notify');
    } catch (error) {
      hub.metrics.inc('mwse_dropped_total', 'notify-undeliverable');
      hub.log.error({ err: error, peer: peer.id }, 'a notification could not be queued');
    }
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
        const nid = randomUUID();
        const expiresAt = now + ttl;
        const { id: from, identity: fromIdentity } = self;
        const encoded = encodeOrRefuse({
          type: 'notify',
          nid,
          from,
          fromIdentity,
          title,
          body,
          actions,
          data,
          sentAt: now,
          expiresAt,
        });
        const route: Sent = { nid, from, fromIdentity, actions, expiresAt };
        if (to !== undefined) {
          const peer = hub.peer(to);
          if (!peer) throw new ServiceError('unreachable', `peer ${to} is not connected`);
          if (!peer.accepts(self)) throw new ServiceError('not-paired', `peer ${to} has not accepted you`);
          remember({ ...route, to });
          hub.sendEncoded(peer, encoded, 'notify');
          return { nid, status: 'delivered' };
        }
        const n: StoredNotification = {
          nid,
          sender: fromIdentity === undefined ? `address:${self.address}` : `identity:${fromIdentity}`,
          identity: identity!,
          expiresAt,
          frame: encoded,
          bytes: byteLength(encoded),
        };
        const full = hub.notifications.put(n, now);
        if (full) {
          hub.metrics.inc('mwse_dropped_total', `notify-quota-${full}`);
          throw new ServiceError(...quotaError(full, n.bytes, hub.notifications.quotas));
        }
        remember({ ...route, identity });
        const online = hub.peersOf(identity!);
        for (const peer of online) deliver(peer, encoded);
        return { nid, status: online.size > 0 ? 'delivered' : 'stored' };
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
        const reply = encodeOrRefuse({
          type: 'notify/reply',
          nid,
          from: self.id,
          fromIdentity: self.identity,
          action,
          data,
        });
        const senders = new Set<Peer>(route.fromIdentity ? hub.peersOf(route.fromIdentity) : []);
        const sender = hub.peer(route.from);
        if (sender) senders.add(sender);
        for (const peer of senders) hub.sendEncoded(peer, reply, 'notify/reply');
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
      // Each frame was encoded when it was sent: nothing here encodes, and `deliver` contains the rest.
      for (const n of hub.notifications.waiting(peer.identity)) {
        if (peer.closed) return;
        deliver(peer, n.frame);
      }
    },
  };
}
