import { createHmac, randomUUID } from 'node:crypto';
import type { BroadcastEndReason, BroadcastSession, ClientFrameOf, IceServer } from '@mwse/protocol';
import type { Hub } from '../Hub.js';
import type { Peer } from '../Peer.js';
import type { Service } from '../Service.js';
import { ServiceError } from '../ServiceError.js';
import type { Room } from '../services/Room.js';
import { Broadcast, type BroadcastSessionState, type Watch } from './Broadcast.js';
import { createMediaBackend } from './createMediaBackend.js';
import { MediaError, type MediaBackend, type MediaHookResult } from './MediaBackend.js';
import type { MediaOptions } from './MediaOptions.js';
import { withDeadline } from './withDeadline.js';

type BroadcastFrames = 'broadcast/ice' | 'broadcast/publish' | 'broadcast/watch' | 'broadcast/stop' | 'broadcast/list' | 'broadcast/grant';

/** Least time between two `broadcast/viewers` updates to one publisher. */
export const VIEWERS_UPDATE_INTERVAL = 1000;
const DEFAULT_TIMEOUT = 5000;

/**
 * Broadcast rooms' media (docs/broadcast.md): authorizes publishes and watches by the room's
 * policy, relays each browser offer to the media backend under a deadline and returns its answer,
 * keeps the session ↔ peer maps, counts viewers, and tears sessions down on stop, leave,
 * disconnect and backend hang-up. It never touches a media packet.
 */
export class BroadcastService {
  readonly backend: MediaBackend | undefined;
  private readonly timeout: number;
  private readonly sessions = new Map<string, BroadcastSessionState>();
  private readonly byMedia = new Map<string, BroadcastSessionState>();
  private readonly byPeer = new Map<Peer, Set<string>>();
  /** Publishes and watches waiting for the media server, per peer (they count against its quota). */
  private readonly inFlight = new Map<Peer, number>();
  /** Room → name → broadcast; names being published are reserved with `null`. */
  private readonly live = new Map<Room, Map<string, Broadcast | null>>();

  constructor(
    private readonly hub: Hub,
    private readonly options: MediaOptions | undefined,
  ) {
    const backend = options?.backend;
    this.backend = typeof backend === 'string' ? createMediaBackend(backend, options?.options) : backend;
    this.timeout = options?.timeout ?? DEFAULT_TIMEOUT;
    this.backend?.onHangup((media) => this.hungUp(media));
    hub.metrics.gauge('mwse_broadcasts', 'Live broadcasts, all rooms together.', () => {
      let n = 0;
      for (const names of this.live.values()) for (const b of names.values()) if (b) n += 1;
      return n;
    });
    hub.metrics.gauge('mwse_broadcast_viewers', 'Viewers watching broadcasts, all rooms together.', () => {
      let n = 0;
      for (const s of this.sessions.values()) if (s.kind === 'watch') n += 1;
      return n;
    });
  }

  /** Sessions open now, publishes and watches (tests check that nothing is left). */
  get size(): number {
    return this.sessions.size;
  }

  /** The frame handlers. */
  service(): Service<BroadcastFrames> {
    const handlers: Service<BroadcastFrames>['handlers'] = {
      'broadcast/ice': (peer, { room }) => this.iceServers(peer, this.inRoom(peer, room)),
      'broadcast/publish': (peer, frame) => this.publish(peer, frame),
      'broadcast/watch': (peer, frame) => this.watch(peer, frame),
      'broadcast/stop': (peer, { session }) => this.stopOwn(peer, session),
      'broadcast/list': (peer, { room }) => {
        const found = this.inRoom(peer, room);
        return [...(this.live.get(found)?.values() ?? [])]
          .filter((b): b is Broadcast => b !== null)
          .map((b) => ({ name: b.name, publisher: b.peer.id, viewers: b.viewerCount, since: b.since }));
      },
      'broadcast/grant': (peer, { room: name, peer: id, allow }) => {
        const room = this.broadcastRoom(name);
        if (room.owner !== peer) throw new ServiceError('forbidden', `only the owner of "${name}" grants publishing`);
        const guest = this.hub.peer(id) ?? this.hub.cluster?.ghost(id);
        if (!guest || !room.members.has(guest)) throw new ServiceError('not-found', `peer ${id} is not on the stage of "${name}"`);
        if (allow) room.publishers.add(guest);
        else {
          room.publishers.delete(guest);
          if (room.settings.publish === 'owner' && guest !== room.owner) this.endPublishesOf(guest, room, 'revoked');
        }
        return null;
      },
    };
    return {
      handlers: this.hub.cluster ? this.routed(handlers) : handlers,
      remote: {
        // A frame of a peer of another node, about a room homed here: run for its ghost.
        'broadcast/frame': (ghost, frame: ClientFrameOf<BroadcastFrames>) =>
          (handlers[frame.type] as (peer: Peer, frame: ClientFrameOf<BroadcastFrames>) => unknown)(ghost, frame),
      },
      disconnect: (peer) => {
        // Rooms were left first (publishes ended there); what remains is in flight or stray.
        for (const id of [...(this.byPeer.get(peer) ?? [])]) this.endSession(id, 'publisher-gone');
        this.byPeer.delete(peer);
      },
    };
  }

  /**
   * Cluster mode: a broadcast lives on its room's home node, with the media sessions and the
   * session ↔ peer maps. A frame from a peer of this node about a room homed elsewhere runs there,
   * for a ghost of the peer (its answer comes back as the result); `broadcast/stop` names a session,
   * whose id carries its home's node tag as socket ids do.
   */
  private routed(handlers: Service<BroadcastFrames>['handlers']): Service<BroadcastFrames>['handlers'] {
    const cluster = this.hub.cluster!;
    const out = { ...handlers } as Record<BroadcastFrames, (peer: Peer, frame: ClientFrameOf<BroadcastFrames>) => unknown>;
    for (const type of Object.keys(handlers) as BroadcastFrames[]) {
      const local = handlers[type] as (peer: Peer, frame: ClientFrameOf<BroadcastFrames>) => unknown;
      out[type] = async (peer, frame) => {
        if (peer.remote !== undefined) return local(peer, frame);
        let home: string | undefined;
        if (frame.type === 'broadcast/stop') {
          if (!this.sessions.has(frame.session)) home = cluster.nodeOf(frame.session);
        } else if (!this.hub.rooms.has(frame.room)) {
          home = await cluster.rooms.home(frame.room);
        }
        if (home === undefined || home === cluster.nodeId) return local(peer, frame);
        return cluster.call(home, 'broadcast/frame', peer, frame);
      };
    }
    return out as Service<BroadcastFrames>['handlers'];
  }

  /** A session id: in cluster mode routed to this node by its tag, like a socket id. */
  private sessionId(): string {
    return this.hub.cluster ? this.hub.cluster.mintId() : randomUUID();
  }

  /** `peer` is leaving `room` (leave, eject, disconnect): its publishes end, its watches close. */
  left(room: Room, peer: Peer): void {
    room.publishers.delete(peer);
    const ids = this.byPeer.get(peer);
    if (!ids) return;
    for (const id of [...ids]) {
      const session = this.sessions.get(id);
      if (!session) continue;
      const inRoom = session.kind === 'publish' ? session.room === room : session.broadcast.room === room;
      if (inRoom) this.endSession(id, 'publisher-gone', false);
    }
  }

  /** `room` is gone: everything live in it ends. */
  closed(room: Room): void {
    for (const b of [...(this.live.get(room)?.values() ?? [])]) if (b) this.end(b, 'room-closed');
    this.live.delete(room);
  }

  /** True when the backend answers media-server hooks (SRS `http_hooks`). */
  get takesHooks(): boolean {
    return typeof this.backend?.hook === 'function';
  }

  /** A media server's hook call (`POST /api/media/hooks/:event`); undefined when the backend has none. */
  hook(event: string, body: unknown): Promise<MediaHookResult> | undefined {
    return this.backend?.hook?.(event, body);
  }

  async close(): Promise<void> {
    await this.backend?.close().catch((error: unknown) => this.hub.log.warn({ err: error }, 'the media backend failed to close'));
  }

  private media(): MediaBackend {
    if (!this.backend) throw new ServiceError('media-unavailable', 'this server has no media backend (MWSE_MEDIA)');
    return this.backend;
  }

  private broadcastRoom(name: string): Room {
    const room = this.hub.rooms.get(name);
    if (!room) throw new ServiceError('room-not-found', `room "${name}" does not exist`);
    if (!room.broadcast) throw new ServiceError('forbidden', `room "${name}" is not a broadcast room`);
    return room;
  }

  private inRoom(peer: Peer, name: string): Room {
    const room = this.broadcastRoom(name);
    if (!room.has(peer)) throw new ServiceError('forbidden', `you are not in room "${name}"`);
    return room;
  }

  private mayPublish(room: Room, peer: Peer): void {
    if (!room.members.has(peer)) throw new ServiceError('forbidden', `only the stage of "${room.name}" may publish`);
    if (room.settings.publish === 'owner' && room.owner !== peer && !room.publishers.has(peer)) {
      throw new ServiceError('forbidden', `only the owner of "${room.name}" (or whom it grants) may publish`);
    }
  }

  private quota(peer: Peer): void {
    const max = this.options?.maxSessionsPerPeer ?? 8;
    if ((this.byPeer.get(peer)?.size ?? 0) + (this.inFlight.get(peer) ?? 0) >= max) {
      throw new ServiceError('exhausted', `a peer may have at most ${max} broadcast sessions`);
    }
  }

  private iceServers(peer: Peer, _room: Room): { iceServers: IceServer[] } {
    const servers: IceServer[] = [...(this.options?.iceServers ?? [])];
    const turn = this.options?.turn;
    if (turn && turn.urls.length > 0) {
      const expiry = Math.floor(Date.now() / 1000) + (turn.ttl ?? 3600);
      const username = `${expiry}:${peer.id}`;
      const credential = createHmac('sha1', turn.secret).update(username).digest('base64');
      servers.push({ urls: turn.urls, username, credential });
    }
    return { iceServers: servers };
  }

  /**
   * Run a backend call with the deadline; its failures become the client's error codes. A session
   * the backend makes after the deadline gave up on it is freed when it comes.
   */
  private async call<T extends { id: string }>(peer: Peer, what: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    this.inFlight.set(peer, (this.inFlight.get(peer) ?? 0) + 1);
    let started: Promise<T> | undefined;
    try {
      return await withDeadline(this.timeout, what, (signal) => (started = run(signal)));
    } catch (error) {
      started?.then((late) => this.release(late.id), () => {});
      const code = error instanceof MediaError ? error.code : 'media-unavailable';
      this.hub.metrics.inc('mwse_media_errors_total', code);
      if (!(error instanceof MediaError)) this.hub.log.warn({ err: error }, `the media backend failed ${what}`);
      throw new ServiceError(code, error instanceof Error ? error.message : String(error));
    } finally {
      const left = (this.inFlight.get(peer) ?? 1) - 1;
      if (left > 0) this.inFlight.set(peer, left);
      else this.inFlight.delete(peer);
    }
  }

  private async publish(peer: Peer, { room: name, name: stream, offer }: ClientFrameOf<'broadcast/publish'>): Promise<BroadcastSession> {
    const room = this.broadcastRoom(name);
    this.mayPublish(room, peer);
    const backend = this.media();
    let names = this.live.get(room);
    if (names?.has(stream)) throw new ServiceError('forbidden', `"${stream}" is live in "${name}" already`);
    const max = this.options?.maxBroadcastsPerRoom ?? 16;
    if ((names?.size ?? 0) >= max) throw new ServiceError('exhausted', `a room may have at most ${max} live broadcasts`);
    this.quota(peer);
    if (!names) this.live.set(room, (names = new Map()));
    names.set(stream, null);
    let session;
    try {
      session = await this.call(peer, 'a publish', (signal) => backend.publish({ room: name, name: stream, peer: peer.id, offer, signal }));
    } catch (error) {
      if (this.live.get(room)?.get(stream) === null) this.unreserve(room, stream);
      throw error;
    }
    // The publisher may have left while the media server answered: free what it made.
    if (peer.closed || !room.members.has(peer) || this.hub.rooms.get(name) !== room || this.live.get(room)?.get(stream) !== null) {
      if (this.live.get(room)?.get(stream) === null) this.unreserve(room, stream);
      this.release(session.id);
      throw new ServiceError('forbidden', `you left "${name}" before the broadcast started`);
    }
    const broadcast = new Broadcast(this.sessionId(), room, stream, peer, session.id);
    names.set(stream, broadcast);
    room.broadcasts.set(stream, broadcast);
    this.track(broadcast);
    this.toRoom(room, { type: 'broadcast/started', room: name, name: stream, publisher: peer.id });
    return { session: broadcast.id, answer: session.answer, ...(session.urls ? { urls: session.urls } : {}) };
  }

  private async watch(peer: Peer, { room: name, name: stream, offer }: ClientFrameOf<'broadcast/watch'>): Promise<BroadcastSession> {
    const room = this.inRoom(peer, name);
    const broadcast = this.live.get(room)?.get(stream);
    if (!broadcast) throw new ServiceError('not-live', `nobody broadcasts "${stream}" in "${name}" now`);
    const backend = this.media();
    this.quota(peer);
    const session = await this.call(peer, 'a watch', (signal) =>
      backend.watch({ room: name, name: stream, peer: peer.id, offer, publish: broadcast.media, signal }),
    );
    if (peer.closed || !room.has(peer) || !this.sessions.has(broadcast.id)) {
      this.release(session.id);
      throw new ServiceError('not-live', `"${stream}" ended before the watch started`);
    }
    const watch: Watch = { kind: 'watch', id: this.sessionId(), peer, broadcast, media: session.id };
    broadcast.watches.set(watch.id, watch);
    this.track(watch);
    this.viewersChanged(broadcast);
    return { session: watch.id, answer: session.answer, ...(session.urls ? { urls: session.urls } : {}) };
  }

  private stopOwn(peer: Peer, id: string): null {
    const session = this.sessions.get(id);
    if (!session || session.peer !== peer) throw new ServiceError('not-found', `you have no broadcast session ${id}`);
    this.endSession(id, 'stopped', false);
    return null;
  }

  private track(session: BroadcastSessionState): void {
    this.sessions.set(session.id, session);
    this.byMedia.set(session.media, session);
    let ids = this.byPeer.get(session.peer);
    if (!ids) this.byPeer.set(session.peer, (ids = new Set()));
    ids.add(session.id);
  }

  private untrack(session: BroadcastSessionState): void {
    this.sessions.delete(session.id);
    this.byMedia.delete(session.media);
    const ids = this.byPeer.get(session.peer);
    ids?.delete(session.id);
    if (ids?.size === 0) this.byPeer.delete(session.peer);
  }

  /**
   * End one session: a publish ends its broadcast for everyone with `reason`; a watch just
   * closes (`tell`: its viewer did not ask, so it is told with its session id).
   */
  private endSession(id: string, reason: BroadcastEndReason, tell = true): void {
    const session = this.sessions.get(id);
    if (!session) return;
    if (session.kind === 'publish') {
      this.end(session, reason);
      return;
    }
    const { broadcast } = session;
    this.untrack(session);
    broadcast.watches.delete(id);
    this.release(session.media);
    if (tell && !session.peer.closed) {
      this.hub.send(session.peer, { type: 'broadcast/ended', room: broadcast.room.name, name: broadcast.name, reason, session: id });
    }
    this.viewersChanged(broadcast);
  }

  /** The broadcast is over: everyone in the room is told once, every session is freed. */
  private end(broadcast: Broadcast, reason: BroadcastEndReason): void {
    if (!this.sessions.has(broadcast.id)) return;
    const { room } = broadcast;
    this.untrack(broadcast);
    clearTimeout(broadcast.timer);
    this.unreserve(room, broadcast.name);
    room.broadcasts.delete(broadcast.name);
    for (const watch of broadcast.watches.values()) {
      this.untrack(watch);
      this.release(watch.media);
    }
    broadcast.watches.clear();
    this.release(broadcast.media);
    this.toRoom(room, { type: 'broadcast/ended', room: room.name, name: broadcast.name, reason });
  }

  private endPublishesOf(peer: Peer, room: Room, reason: BroadcastEndReason): void {
    for (const id of [...(this.byPeer.get(peer) ?? [])]) {
      const session = this.sessions.get(id);
      if (session?.kind === 'publish' && session.room === room) this.end(session, reason);
    }
  }

  private unreserve(room: Room, name: string): void {
    const names = this.live.get(room);
    names?.delete(name);
    if (names?.size === 0) this.live.delete(room);
  }

  /** The media server dropped a session on its own. */
  private hungUp(media: string): void {
    const session = this.byMedia.get(media);
    if (!session) return;
    this.byMedia.delete(media);
    this.endSession(session.id, 'media-lost');
  }

  /** Free a session on the media server, in the background, under the deadline. */
  private release(media: string): void {
    const backend = this.backend;
    if (!backend) return;
    this.byMedia.delete(media);
    withDeadline(this.timeout, 'a stop', (signal) => backend.stop(media, signal)).catch((error: unknown) =>
      this.hub.log.warn({ err: error }, 'the media backend did not free a session'),
    );
  }

  /** The stage and the audience, one encoding. */
  private toRoom(room: Room, frame: Parameters<Hub['encode']>[0]): void {
    if (this.hub.rooms.get(room.name) !== room) return;
    const data = this.hub.encode(frame);
    for (const member of room.members) this.hub.sendEncoded(member, data, frame.type);
    for (const viewer of room.audience) this.hub.sendEncoded(viewer, data, frame.type);
  }

  /** Tell the publisher its viewer count, at most once per {@link VIEWERS_UPDATE_INTERVAL}. */
  private viewersChanged(broadcast: Broadcast): void {
    if (broadcast.timer || !this.sessions.has(broadcast.id)) return;
    const wait = Math.max(0, broadcast.toldAt + VIEWERS_UPDATE_INTERVAL - Date.now());
    broadcast.timer = setTimeout(() => {
      broadcast.timer = undefined;
      const count = broadcast.viewerCount;
      if (!this.sessions.has(broadcast.id) || count === broadcast.told) return;
      broadcast.told = count;
      broadcast.toldAt = Date.now();
      this.hub.send(broadcast.peer, { type: 'broadcast/viewers', room: broadcast.room.name, name: broadcast.name, count });
    }, wait);
    broadcast.timer.unref();
  }
}
