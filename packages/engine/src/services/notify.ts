import { randomUUID } from 'node:crypto';
import type { ErrorCode, ServerFrame, WireData } from '@mwse/protocol';
import type { Hub } from '../Hub.js';
import type { Peer } from '../Peer.js';
import type { Service } from '../Service.js';
import { ServiceError } from '../ServiceError.js';
import type { ResolvedEngineOptions } from '../EngineOptions.js';
import { andThen, type Awaitable, type ReplyRoute } from '../store/Store.js';
import type { NotificationQuotas, QuotaRefusal, StoredNotification } from './NotificationStore.js';

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

/** The store's bounds, from the engine's options (docs/limits.md). */
function notifyQuotas(o: ResolvedEngineOptions): NotificationQuotas {
  return {
    perIdentity: o.notifyMaxPerIdentity,
    perSender: o.notifyMaxPerSender,
    total: o.notifyMaxStored,
    bytesPerIdentity: o.notifyMaxBytesPerIdentity,
    bytesPerSender: o.notifyMaxBytesPerSender,
    bytesTotal: o.notifyMaxBytesStored,
  };
}

/** A store call that nobody waits on (an ack): its failure is logged, never thrown at the client. */
function background(hub: Hub, what: string, value: Awaitable<unknown>): void {
  if (value instanceof Promise) value.catch((error: unknown) => hub.log.error({ err: error }, `${what} failed in the store`));
}

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
  const { routes } = hub.store;
  const quotas = notifyQuotas(hub.options);
  hub.metrics.gauge('mwse_stored_notification_bytes', 'Bytes of notification frames waiting for an ack.', () => hub.notifications.bytes);

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
        const route: ReplyRoute = { nid, from, fromIdentity, actions, expiresAt };
        if (to !== undefined) {
          const peer = hub.peer(to);
          const node = peer ? undefined : hub.cluster?.nodeOf(to);
          if (node) {
            // Cluster mode: the recipient's node checks pair-auth and delivers; the reply route is
            // in the store, which the nodes share when it is Redis.
            return andThen(routes.put({ ...route, to }), () =>
              hub.cluster!.call(node, 'notify/to', self, { to, frame: encoded }).then(() => ({ nid, status: 'delivered' as const })),
            );
          }
          if (!peer) throw new ServiceError('unreachable', `peer ${to} is not connected`);
          if (!peer.accepts(self)) throw new ServiceError('not-paired', `peer ${to} has not accepted you`);
          return andThen(routes.put({ ...route, to }), () => {
            hub.sendEncoded(peer, encoded, 'notify');
            return { nid, status: 'delivered' };
          });
        }
        const n: StoredNotification = {
          nid,
          sender: fromIdentity === undefined ? `address:${self.address}` : `identity:${fromIdentity}`,
          identity: identity!,
          expiresAt,
          frame: encoded,
          bytes: byteLength(encoded),
        };
        // `stored` is said only once the store has it (committed, for a durable store).
        return andThen(hub.notifications.put(n, quotas, now, { ...route, identity }), (full) => {
          if (full) {
            hub.metrics.inc('mwse_dropped_total', `notify-quota-${full}`);
            throw new ServiceError(...quotaError(full, n.bytes, quotas));
          }
          const online = hub.peersOf(identity!);
          for (const peer of online) deliver(peer, encoded);
          if (!hub.cluster) return { nid, status: online.size > 0 ? 'delivered' : 'stored' };
          return elsewhere(self, identity!, encoded).then((shown) => ({ nid, status: online.size + shown > 0 ? 'delivered' : 'stored' }));
        });
      },

      'notify/ack'(self, { nid }) {
        if (self.identity) background(hub, 'notify/ack', hub.notifications.ack(self.identity, nid));
      },

      'notify/reply'(self, { nid, action, data }) {
        return andThen(routes.get(nid), (route) => routeReply(self, route, nid, action, data));
      },
    },

    remote: {
      'notify/to'(ghost, { to, frame }: { to: string; frame: string }) {
        const peer = hub.peer(to);
        if (!peer) throw new ServiceError('unreachable', `peer ${to} is not connected`);
        if (!peer.accepts(ghost)) throw new ServiceError('not-paired', `peer ${to} has not accepted you`);
        hub.sendEncoded(peer, frame, 'notify');
        return null;
      },
      'notify/identity'(_ghost, { identity, frame }: { identity: string; frame: string }) {
        const online = hub.peersOf(identity);
        for (const peer of online) deliver(peer, frame);
        return online.size;
      },
      'notify/reply'(_ghost, { identity, from, frame }: { identity?: string; from: string; frame: string }) {
        const senders = new Set<Peer>(identity ? hub.peersOf(identity) : []);
        const sender = hub.peer(from);
        if (sender) senders.add(sender);
        for (const peer of senders) hub.sendEncoded(peer, frame, 'notify/reply');
      },
    },

    connect(peer) {
      if (!peer.identity) return;
      const waiting = hub.notifications.waiting(peer.identity);
      const send = (stored: StoredNotification[]) => {
        // Each frame was encoded when it was sent: nothing here encodes, and `deliver` contains the rest.
        for (const n of stored) {
          if (peer.closed) return;
          deliver(peer, n.frame);
        }
      };
      if (waiting instanceof Promise) waiting.then(send, (error: unknown) => hub.log.error({ err: error }, 'stored notifications could not be read'));
      else send(waiting);
    },
  };

  /** Cluster mode: show a notification to `identity`'s connections on the other nodes; how many. */
  async function elsewhere(self: Peer, identity: string, frame: WireData): Promise<number> {
    const cluster = hub.cluster!;
    const counts = await Promise.allSettled(
      cluster.nodes.filter((node) => node !== cluster.nodeId).map((node) => cluster.call<number>(node, 'notify/identity', self, { identity, frame })),
    );
    return counts.reduce((sum, c) => sum + (c.status === 'fulfilled' ? c.value : 0), 0);
  }

  /** Route a reply to the sender, the trigger URL and the inbox. */
  function routeReply(self: Peer, route: ReplyRoute | undefined, nid: string, action: string, data: unknown): Awaitable<null> {
    const isRecipient = route && (route.to === self.id || (route.identity !== undefined && route.identity === self.identity));
    if (!route || !isRecipient || route.expiresAt <= Date.now()) {
      throw new ServiceError('not-found', `no notification ${nid} to reply to`);
    }
    if (route.actions && !route.actions.some((a) => a.id === action)) {
      throw new ServiceError('bad-frame', `notification ${nid} has no action "${action}"`);
    }
    const encoded = encodeOrRefuse({
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
    for (const peer of senders) hub.sendEncoded(peer, encoded, 'notify/reply');
    const { cluster } = hub;
    if (cluster) {
      // The sender's connections may be on other nodes: each tells its own.
      for (const node of cluster.nodes) {
        if (node !== cluster.nodeId) cluster.send(node, 'notify/reply', self, { identity: route.fromIdentity, from: route.from, frame: encoded });
      }
    }
    return andThen(
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
      }),
      () => null,
    );
  }
}
