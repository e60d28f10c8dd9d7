import type { ServerFrameOf } from '@mwse/protocol';
import { BinaryKind } from '@mwse/protocol/binary';
import type { Hub } from '../Hub.js';
import type { Peer } from '../Peer.js';
import type { Service } from '../Service.js';
import { ServiceError } from '../ServiceError.js';
import type { RawPayload } from '../tunnelEncoding.js';

type TunnelFrames = 'pack/to' | 'signal/to' | 'request/to' | 'response/to' | 'request/cancel';

/** A tunnel frame between nodes: the payload as the sender wrote it (`text`) or as a value. */
interface RemoteTunnel {
  to: string;
  id?: number;
  type?: 'pack' | 'signal';
  text?: string;
  value?: unknown;
  error?: ServerFrameOf<'response'>['error'];
  rawError?: boolean;
}

const utf8 = new TextDecoder();

/** `tunnel` with the payload of its frame as it crosses to another node (set on it, not copied). */
function carried(tunnel: RemoteTunnel, value: unknown, raw: RawPayload | undefined): RemoteTunnel {
  if (!raw) tunnel.value = value;
  else {
    tunnel.text = raw.text ?? utf8.decode(raw.bytes);
    tunnel.rawError = raw.error;
  }
  return tunnel;
}

/** The payload a remote tunnel frame carried, back as a raw payload (or none). */
function rawOf(t: RemoteTunnel): RawPayload | undefined {
  return t.text === undefined ? undefined : { text: t.text, error: t.rawError ?? false };
}

/**
 * Direct messages, signalling and request/response between peers (SPEC §4, tunnels), from JSON
 * frames and from binary ones alike; a binary frame's payload is forwarded without decoding. The
 * server remembers each request in flight on its requester, so only the asked peer can answer
 * it, once.
 */
export function createTunnelService(hub: Hub): Service<TunnelFrames> {
  const { cluster } = hub;

  function direct(type: 'pack' | 'signal', from: Peer, to: string, value: unknown, raw?: RawPayload): void {
    const peer = hub.peer(to);
    if (!peer) {
      // Cluster mode: the target's node checks and delivers; the watch is kept on both sides.
      const ghost = cluster?.ghostFor(to);
      if (!ghost) return;
      // Watching each other already: the target's node holds a ghost of `from` (the mirror).
      const known = from.watchers.has(ghost);
      from.watch(ghost);
      const tunnel = carried({ to, type }, value, raw);
      if (known) cluster!.sendKnown(ghost.remote!, 'tunnel/direct', from, tunnel);
      else cluster!.send(ghost.remote!, 'tunnel/direct', from, tunnel);
      return;
    }
    from.watch(peer);
    if (!peer.accepts(from)) return;
    const frame = type === 'pack' ? { type, from: from.id, pack: value } : { type, from: from.id, data: value };
    hub.sendTunnel(peer, frame, raw, from);
  }

  function request(from: Peer, to: string, id: number, body: unknown, raw?: RawPayload): void {
    const peer = hub.peer(to) ?? cluster?.ghostFor(to);
    if (!peer) throw new ServiceError('unreachable', `peer ${to} is not connected`);
    if (peer.remote !== undefined) {
      // Recorded here (only the asked peer may answer, once); checked on the target's node,
      // which sends back a refusal (`tunnel/refused`) instead of delivering.
      checkPending(from, id);
      from.watch(peer);
      from.pendingRequests!.set(id, { target: peer, at: performance.now() });
      cluster!.send(peer.remote, 'tunnel/request', from, carried({ to, id }, body, raw));
      return;
    }
    from.watch(peer);
    if (!peer.flags.writable) throw new ServiceError('forbidden', `peer ${to} takes no direct traffic`);
    if (!peer.accepts(from)) throw new ServiceError('not-paired', `peer ${to} has not accepted you`);
    checkPending(from, id);
    from.pendingRequests!.set(id, { target: peer, at: performance.now() });
    hub.sendTunnel(peer, { type: 'request', id, from: from.id, body }, raw, from);
  }

  function checkPending(from: Peer, id: number): void {
    const pending = (from.pendingRequests ??= new Map());
    if (pending.size >= hub.options.maxPendingRequests && !pending.has(id)) {
      throw new ServiceError('exhausted', 'too many requests in flight');
    }
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
    if (!requester && cluster) {
      // The request is recorded on the requester's node, which settles it.
      const node = cluster.nodeOf(to);
      if (node) cluster.send(node, 'tunnel/response', from, carried({ to, id, error }, body, raw));
      return;
    }
    const pending = requester?.pendingRequests?.get(id);
    if (!requester || pending?.target !== from) return;
    requester.pendingRequests!.delete(id);
    hub.metrics.observeLatency((performance.now() - pending.at) / 1000);
    hub.sendTunnel(requester, { type: 'response', id, from: from.id, body, error }, raw, from);
  }

  /** A ghost of an id its node never had: undone without telling anyone it left. */
  function forgetQuietly(ghost: Peer): void {
    for (const watcher of ghost.watchers) {
      watcher.unrelate('watchers', ghost);
      for (const [id, pending] of watcher.pendingRequests ?? []) if (pending.target === ghost) watcher.pendingRequests!.delete(id);
    }
    (ghost as { watchers: ReadonlySet<Peer> }).watchers = new Set();
    cluster!.forgetIfIdle(ghost);
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

    remote: {
      /** A direct message from the ghost to a peer here. */
      'tunnel/direct'(from, t: RemoteTunnel) {
        const peer = hub.peer(t.to);
        if (!peer) {
          cluster!.send(from.remote!, 'tunnel/absent', from, { peer: t.to });
          return;
        }
        from.watch(peer);
        if (!peer.accepts(from)) return;
        const frame = t.type === 'signal' ? { type: 'signal' as const, from: from.id, data: t.value } : { type: 'pack' as const, from: from.id, pack: t.value };
        hub.sendTunnel(peer, frame, rawOf(t), from);
      },

      /** A request from the ghost: refused back to its node, or delivered. */
      'tunnel/request'(from, t: RemoteTunnel) {
        const refuse = (code: string, message: string) =>
          cluster!.send(from.remote!, 'tunnel/refused', from, { peer: t.to, id: t.id, code, message });
        const peer = hub.peer(t.to);
        if (!peer) return refuse('unreachable', `peer ${t.to} is not connected`);
        from.watch(peer);
        if (!peer.flags.writable) return refuse('forbidden', `peer ${t.to} takes no direct traffic`);
        if (!peer.accepts(from)) return refuse('not-paired', `peer ${t.to} has not accepted you`);
        hub.sendTunnel(peer, { type: 'request', id: t.id!, from: from.id, body: t.value }, rawOf(t), from);
      },

      /** The ghost answers a request of a peer here. */
      'tunnel/response'(from, t: RemoteTunnel) {
        response(from, t.to, t.id!, t.value, t.error, rawOf(t));
      },

      /** The target's node refused a request of `requester`, a peer here. */
      'tunnel/refused'(requester, r: { peer: string; id: number; code: string; message: string }) {
        const target = cluster!.ghost(r.peer);
        if (requester.remote !== undefined || !target || requester.pendingRequests?.get(r.id)?.target !== target) return;
        requester.pendingRequests.delete(r.id);
        hub.refuse(requester, r.id, r.code as never, r.message);
        if (r.code === 'unreachable') forgetQuietly(target);
      },

      /** A direct message of `sender`, a peer here, went to an id its node does not have. */
      'tunnel/absent'(sender, a: { peer: string }) {
        const target = cluster!.ghost(a.peer);
        if (target && sender.remote === undefined) forgetQuietly(target);
      },
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
