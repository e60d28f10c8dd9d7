import type { ServerFrameOf } from '@mwse/protocol';
import { BinaryKind } from '@mwse/protocol/binary';
import type { Hub } from '../Hub.js';
import type { Peer } from '../Peer.js';
import type { Service } from '../Service.js';
import { ServiceError } from '../ServiceError.js';
import type { RawPayload } from '../tunnelEncoding.js';

type TunnelFrames = 'pack/to' | 'signal/to' | 'request/to' | 'response/to' | 'request/cancel';

/**
 * Direct messages, signalling and request/response between peers (SPEC §4, tunnels), from JSON
 * frames and from binary ones alike; a binary frame's payload is forwarded without decoding. The
 * server remembers each request in flight on its requester, so only the asked peer can answer
 * it, once.
 */
export function createTunnelService(hub: Hub): Service<TunnelFrames> {
  function direct(type: 'pack' | 'signal', from: Peer, to: string, value: unknown, raw?: RawPayload): void {
    const peer = hub.peer(to);
    if (!peer) return;
    from.watch(peer);
    if (!peer.accepts(from)) return;
    const frame = type === 'pack' ? { type, from: from.id, pack: value } : { type, from: from.id, data: value };
    hub.sendTunnel(peer, frame, raw, from);
  }

  function request(from: Peer, to: string, id: number, body: unknown, raw?: RawPayload): void {
    const peer = hub.peer(to);
    if (!peer) throw new ServiceError('unreachable', `peer ${to} is not connected`);
    from.watch(peer);
    if (!peer.flags.writable) throw new ServiceError('forbidden', `peer ${to} takes no direct traffic`);
    if (!peer.accepts(from)) throw new ServiceError('not-paired', `peer ${to} has not accepted you`);
    const pending = (from.pendingRequests ??= new Map());
    if (pending.size >= hub.options.maxPendingRequests && !pending.has(id)) {
      throw new ServiceError('exhausted', 'too many requests in flight');
    }
    pending.set(id, { target: peer, at: performance.now() });
    hub.sendTunnel(peer, { type: 'request', id, from: from.id, body }, raw, from);
  }

  function response(
    from: Peer,
    to: string,
    id: number,
    body: unknown,
    error: ServerFrameOf<'response'>['error'],
    raw?: RawPayload,
  ): void {
    const requester = hub.peer(to);
    const pending = requester?.pendingRequests?.get(id);
    if (!requester || pending?.target !== from) return;
    requester.pendingRequests!.delete(id);
    hub.metrics.observeLatency((performance.now() - pending.at) / 1000);
    hub.sendTunnel(requester, { type: 'response', id, from: from.id, body, error }, raw, from);
  }

  return {
    handlers: {
      'pack/to': (from, { to, pack }) => direct('pack', from, to, pack),
      'signal/to': (from, { to, data }) => direct('signal', from, to, data),
      'request/to': (from, { id, to, body }) => request(from, to, id, body),
      'response/to': (from, { id, to, body, error }) => response(from, to, id, body, error),
      'request/cancel'(from, { id, to }) {
        if (from.pendingRequests?.get(id)?.target.id === to) from.pendingRequests.delete(id);
      },
    },

    rawTunnels: {
      [BinaryKind.Pack]: (from, header, raw) => direct('pack', from, header.target, undefined, raw),
      [BinaryKind.Signal]: (from, header, raw) => direct('signal', from, header.target, undefined, raw),
      [BinaryKind.Request]: (from, header, raw) => request(from, header.target, header.id, undefined, raw),
      [BinaryKind.Response]: (from, header, raw) => response(from, header.target, header.id, undefined, undefined, raw),
    },

    disconnect(peer) {
      // Every peer with a request in flight to `peer` watches it.
      for (const watcher of peer.watchers) {
        for (const [id, pending] of watcher.pendingRequests ?? []) {
          if (pending.target === peer) watcher.pendingRequests!.delete(id);
        }
      }
      peer.pendingRequests?.clear();
    },
  };
}
