import { randomUUID } from 'node:crypto';
import {
  PROTOCOL_VERSION,
  CloseCode,
  type ClientFrame,
  type Codec,
  type DecodeError,
  type ErrorCode,
  type ResumeRefusal,
  type ServerFrame,
  type ServerFrameOf,
  type WireData,
} from '@mwse/protocol';
import { MAX_JSON_DEPTH, exceedsJsonDepth } from '@mwse/protocol';
import { BinaryKind, RESPONSE_ERROR_FLAG, isBinaryKind, readClientHeader, type ClientHeader } from '@mwse/protocol/binary';
import { readJsonTunnel } from './jsonTunnel.js';
import type { Admitted } from './admission/Admission.js';
import { RateLimiter } from './admission/RateLimiter.js';
import { refusedFrameId } from './admission/refusedFrameId.js';
import { AddressBook } from './addressing/AddressBook.js';
import { Bridge } from './bridge/Bridge.js';
import type { Cluster, RemoteHandler } from './cluster/Cluster.js';
import type { SessionMirror } from './cluster/SessionMirror.js';
import { Epoch } from './cluster/Epoch.js';
import type { ResolvedEngineOptions } from './EngineOptions.js';
import { encodeTunnel, type RawPayload, type TunnelFrame } from './tunnelEncoding.js';
import { Metrics } from './metrics/Metrics.js';
import { ProcessMetrics } from './metrics/ProcessMetrics.js';
import { consoleLogger, type Logger } from './log/Logger.js';
import { RateLimitedLogger } from './log/RateLimitedLogger.js';
import { FlushScheduler, OutboundQueue, type QueueStats } from './OutboundQueue.js';
import { Peer } from './Peer.js';
import type { FrameHandler, FrameHandlers, RawTunnelHandler, Service } from './Service.js';
import { ServiceError } from './ServiceError.js';
import type { Link } from './session/Link.js';
import { readAck } from './session/readAck.js';
import { Sessions } from './session/Sessions.js';
import { createAddressService } from './services/addresses.js';
import { createInfoService } from './services/info.js';
import { InfoPool } from './services/InfoPool.js';
import { MemoryStore } from './store/MemoryStore.js';
import type { NotificationBox, Store } from './store/Store.js';
import { createNotifyService } from './services/notify.js';
import type { Room } from './services/Room.js';
import { createPairingService } from './services/pairing.js';
import { createRoomService } from './services/rooms.js';
import { createSessionService } from './services/sessions.js';
import { createTunnelService } from './services/tunnels.js';
import { BroadcastService } from './broadcast/BroadcastService.js';

/** Frames whose `id` correlates peers with each other rather than asking the server for a result. */
const PEER_CORRELATED = new Set<ClientFrame['type']>(['request/to', 'response/to', 'request/cancel']);

/** The code a transport reports for a connection that ended without a close frame (RFC 6455). */
const ABNORMAL_CLOSURE = 1006;

/** Client frame type of each binary kind, for the metrics. */
const BINARY_TYPE = ['', 'pack/to', 'pack/room', 'request/to', 'response/to', 'signal/to'] as const;
/** Frames that only carry something to a peer or a room: they leave the session record as it is. */
const TUNNEL_TYPES = new Set<ClientFrame['type']>(['pack/to', 'pack/room', 'request/to', 'response/to', 'signal/to', 'request/cancel']);

/**
 * How session control frames start as the SDK writes them (`session/ack`, `session/end`,
 * `session/resume`): routed before counting and rate limits. A pattern rather than `startsWith`,
 * for the reason `readAck` gives.
 */
const SESSION_CONTROL = /^\{"type":"session\/(?:ack|end|resume)"/;

/** A session control frame (not `session/set`, an ordinary frame), read by its first bytes. */
function isSessionControl(data: WireData): data is string {
  // `{"type":"s…`: every JSON frame of a resumable session is asked this, and the pattern is
  // run only for the few whose type starts with an s (character 9).
  return typeof data === 'string' && data.charCodeAt(9) === 115 && data.charCodeAt(0) === 123 && SESSION_CONTROL.test(data);
}

/** Features announced in the hello. */
const FEATURES = ['tunnels', 'pairs', 'session', 'info', 'rooms', 'room-info', 'notify', 'addresses', 'signal', 'binary', 'presence', 'broadcast'];

/**
 * The connection registry and router. Transports hand it sockets and raw frames; it decodes each
 * frame once, routes it to the service that owns its type, and queues what services send.
 */
export class Hub {
  /**
   * Peers connected to this node. This is the seam for scale-out: a cluster adapter resolves ids
   * that are not here to another node (see `peer()`); only the local case exists today.
   */
  private readonly peers = new Map<string, Peer>();
  /** Rooms on this node, by name; shared by the room service and the control plane. */
  readonly rooms = new Map<string, Room>();
  /** Connected peers by identity (a person or device may have several connections). */
  private readonly identities = new Map<string, Set<Peer>>();
  readonly metrics = new Metrics();
  readonly processMetrics = new ProcessMetrics();
  readonly addresses: AddressBook;
  readonly notifications: NotificationBox;
  readonly bridge: Bridge;
  /** Resumable sessions (docs/sessions.md). */
  readonly sessions: Sessions;
  /** Broadcast rooms' media sessions (docs/broadcast.md). */
  readonly broadcasts: BroadcastService;
  /** Rate-limited: clients can make the server log, and must not flood it. */
  readonly log: Logger;
  private readonly scheduler = new FlushScheduler();
  /** Most any outbound queue has held, closed connections included. */
  private readonly queueStats: QueueStats = { highWater: 0, highWaterBytes: 0 };
  private readonly services: Service<ClientFrame['type']>[];
  private readonly handlers: FrameHandlers;
  private readonly rawTunnelHandlers: Partial<Record<BinaryKind, RawTunnelHandler>>;
  /** Cluster mode: the remote halves of the services' operations, by name. */
  private readonly remoteHandlers: Record<string, RemoteHandler>;
  /** Cluster mode with resume: sessions mirrored into Redis for takeover (set by the cluster). */
  mirror: SessionMirror | undefined;

  constructor(
    readonly options: ResolvedEngineOptions,
    readonly codec: Codec,
    /** Durable state (docs/storage.md); memory unless the engine was given another. */
    readonly store: Store = new MemoryStore(),
    /** Cluster mode (docs/cluster.md); undefined on a single node, where no cluster code runs. */
    readonly cluster?: Cluster,
  ) {
    this.log = new RateLimitedLogger(options.logger ?? consoleLogger);
    this.addresses = new AddressBook(options.peersNetwork, options.roomsNetwork);
    this.notifications = store.notifications;
    this.bridge = new Bridge(
      {
        triggerUrl: options.triggerUrl,
        secret: options.bridgeSecret,
        inbox: options.inbox,
        inboxSize: options.inboxSize,
        maxAttempts: options.triggerMaxAttempts,
        retryDelay: options.triggerRetryDelay,
        timeout: options.triggerTimeout,
        maxInFlight: options.triggerMaxInFlight,
      },
      store,
      this.metrics,
      this.log,
    );
    this.sessions = new Sessions(this, options.resumeGrace, {
      frames: options.replayFrames ?? options.outboundBuffer,
      bytes: options.replayBytes ?? options.outboundBufferBytes,
    });
    const tunnels = createTunnelService(this);
    const pairing = createPairingService(this);
    const info = createInfoService(this);
    const rooms = createRoomService(this);
    const notify = createNotifyService(this);
    const addresses = createAddressService(this);
    const sessions = createSessionService(this);
    this.broadcasts = new BroadcastService(this, options.media);
    const broadcasts = this.broadcasts.service();
    this.handlers = {
      ...broadcasts.handlers,
      ...sessions.handlers,
      ...tunnels.handlers,
      ...pairing.handlers,
      ...info.handlers,
      ...rooms.handlers,
      ...notify.handlers,
      ...addresses.handlers,
    };
    this.rawTunnelHandlers = { ...tunnels.rawTunnels, ...rooms.rawTunnels };
    // Rooms leave first (members are told while relations still exist), pairing last (it
    // sends the disconnect notices and drops the watch relation the others read).
    this.services = [rooms, broadcasts, tunnels, info, notify, addresses, pairing] as Service<ClientFrame['type']>[];
    this.remoteHandlers = Object.assign({}, ...this.services.map((service) => service.remote ?? {})) as Record<string, RemoteHandler>;
    this.metrics.gauge('mwse_connections', 'Open WebSocket connections.', () => this.peers.size);
    this.metrics.gauge('mwse_away_sessions', 'Sessions kept for a client to resume, with no socket.', () => this.sessions.awayCount);
    this.metrics.gauge('mwse_rooms', 'Rooms that exist.', () => this.rooms.size);
    this.metrics.gauge('mwse_stored_notifications', 'Notifications waiting for an ack.', () => this.notifications.size);
    if (cluster) {
      this.metrics.gauge('mwse_cluster_ghosts', 'Peers of other nodes this node holds relations with.', () => cluster.ghostCount);
      this.metrics.gauge('mwse_cluster_bus_recovered', 'Batches from other nodes read back from the bus log (pub/sub lost them).', () => cluster.bus.recovered);
      this.metrics.gauge('mwse_cluster_state_lost', 'Times this node found that Redis lost the cluster’s state (the epoch changed).', () => cluster.epoch.lost);
      this.metrics.gauge('mwse_cluster_bus_state_lost', 'Times batches between this node and another were lost for good.', () => cluster.bus.stateLost);
    }
    const { queueStats } = this;
    this.metrics.gauge('mwse_outbound_queue_high_water', 'Most messages one outbound queue has held.', () => queueStats.highWater);
    this.metrics.gauge('mwse_outbound_queue_high_water_bytes', 'Most bytes one outbound queue has held.', () => queueStats.highWaterBytes);
  }

  /** Number of connected peers. */
  get size(): number {
    return this.peers.size;
  }

  /** Find a connected peer by socket id. */
  peer(id: string): Peer | undefined {
    return this.peers.get(id);
  }

  allPeers(): IterableIterator<Peer> {
    return this.peers.values();
  }

  /** Connected peers of an identity (empty when none). */
  peersOf(identity: string): ReadonlySet<Peer> {
    return this.identities.get(identity) ?? new Set();
  }

  /** Public rooms with their member counts (`room/list`, `GET /api/rooms`). */
  publicRooms() {
    return [...this.rooms.values()]
      .filter((room) => room.settings.visibility === 'public')
      .map((room) => room.summary());
  }

  /**
   * A transport accepted a socket the admission let in: start a session on it and greet it.
   * `refusal` says why a resume it asked for was refused, for its hello.
   */
  open(link: Link, refusal?: string): Peer {
    const { options } = this;
    const { admitted } = link;
    const info = new InfoPool(options.maxInfoKeys, options.maxInfoBytes);
    const peer = new Peer(this.cluster ? this.cluster.mintId() : randomUUID(), link, admitted.address, info, admitted.identity, admitted.binary);
    link.peer = peer;
    for (const [key, value] of Object.entries(admitted.info ?? {})) {
      try {
        info.set(key, value);
      } catch {
        // The approver's initial info is trimmed to the pool's limits rather than refused.
      }
    }
    this.attach(peer, link);
    if (options.rateLimit > 0) peer.limiter = new RateLimiter(options.rateLimit, options.rateBurst);
    this.peers.set(peer.id, peer);
    let resume: { token: string; grace: number } | undefined;
    if (this.sessions.enabled) {
      const minted = this.sessions.mint();
      peer.session = minted.session;
      minted.session.carry(peer.queue);
      resume = { token: minted.token, grace: this.sessions.grace };
      this.mirror?.track(peer);
    }
    try {
      this.greet(peer, {
        ...(resume ? { resume } : {}),
        ...(refusal === undefined ? {} : { resumed: false, reason: refusal }),
      });
    } catch (error) {
      this.contain(peer, 'open', error);
    }
    return peer;
  }

  /** Give `peer` the socket of `link` and a fresh outbound queue for it. */
  attach(peer: Peer, link: Link): void {
    const { options } = this;
    peer.link = link;
    link.peer = peer;
    const limits = { messages: options.outboundBuffer, bytes: options.outboundBufferBytes };
    peer.queue = new OutboundQueue(
      link.socket,
      limits,
      this.scheduler,
      () => {
        this.metrics.inc('mwse_dropped_total', 'slow-consumer');
        this.log.warn({ peer: peer.id, address: peer.address }, 'slow consumer closed');
        if (peer.session) peer.session.endReason ??= 'overflow';
        this.disconnect(peer, CloseCode.PolicyViolation, 'outbound queue overflow');
      },
      this.queueStats,
    );
    peer.queue.textBytes = !peer.binary;
    // A resume's new socket: its queue keeps what it writes for the session.
    peer.session?.carry(peer.queue);
  }

  /**
   * The first frame of a socket opened to resume (`?resume=1`): a `session/resume` that takes its
   * session over, or else a new session (whose hello says why), which then handles the frame.
   */
  resumeLink(link: Link, data: WireData): Peer | undefined {
    const decoded = isSessionControl(data) ? this.codec.decodeClient(data) : undefined;
    const frame = decoded?.ok && decoded.frame.type === 'session/resume' ? decoded.frame : undefined;
    if (!frame) {
      const peer = this.open(link);
      this.message(peer, data);
      return peer;
    }
    const outcome = this.sessions.resume(link, frame);
    if (outcome === 'unknown' && this.cluster?.takeover && !this.peers.has(frame.socketId)) {
      // No session here: perhaps one of a dead node, to take over (cluster/Takeover.ts).
      this.cluster.takeover.take(link, frame).then(
        (taken) => {
          if (typeof taken === 'string') this.refuseResume(link, frame.token, taken);
        },
        (error: unknown) => {
          this.log.warn({ err: error }, 'cluster: a takeover failed');
          this.refuseResume(link, frame.token, 'unknown');
        },
      );
      return undefined;
    }
    if ((outcome === 'unknown' || outcome === 'ended') && this.cluster) {
      this.refuseResume(link, frame.token, outcome);
      return undefined;
    }
    if (typeof outcome === 'string') {
      this.log.debug({ address: link.admitted.address, reason: outcome }, 'resume refused');
      this.metrics.inc('mwse_resumes_total', outcome);
      return this.open(link, outcome);
    }
    const { peer, missed } = outcome;
    this.metrics.inc('mwse_resumes_total', 'resumed');
    this.mirror?.mark(peer, true);
    this.sendControl(peer, {
      ...this.helloOf(peer),
      resume: this.sessions.rotate(peer.session!),
      resumed: true,
      seq: peer.session!.applied,
    });
    for (const frame of missed) peer.queue.push(frame);
    // Written now, in the callback that read the resume frame, rather than at the end of the
    // event loop's turn: in a reconnect storm that turn also accepts and upgrades every other
    // socket that arrived, and the client would wait for all of them (docs/performance.md).
    peer.queue.flush();
    this.log.debug({ peer: peer.id, replayed: missed.length }, 'resumed');
    return peer;
  }

  /**
   * Cluster mode: a resume found no session (`unknown`), or one that ended (`ended`, as when its
   * node lost Redis). When its token names an epoch the cluster no longer has, Redis lost the
   * state it was kept under: the hello says `state-lost` instead (cluster/Epoch.ts).
   */
  private refuseResume(link: Link, token: string, reason: ResumeRefusal): void {
    const named = Epoch.of(token);
    const epoch = this.cluster!.epoch;
    const told = (why: ResumeRefusal) => {
      this.log.debug({ address: link.admitted.address, reason: why }, 'resume refused');
      this.metrics.inc('mwse_resumes_total', why);
      if (link.open && !link.peer) this.open(link, why);
    };
    if (named === undefined || (reason !== 'unknown' && reason !== 'ended')) {
      told(reason);
      return;
    }
    // Read now, not only on lease ticks: a resume may come before this node's next tick.
    epoch.check().then(
      () => told(named === epoch.value ? reason : 'state-lost'),
      () => told(named === epoch.value ? reason : 'state-lost'),
    );
  }

  /**
   * Cluster takeover: `peer` (its session, relations and state rebuilt from Redis) is on this
   * node now, on `link`, and hears its resumed hello. A link that closed meanwhile leaves the
   * session away, to be resumed here.
   */
  adopt(peer: Peer, link: Link): void {
    const { options } = this;
    this.attach(peer, link);
    if (options.rateLimit > 0) peer.limiter = new RateLimiter(options.rateLimit, options.rateBurst);
    this.peers.set(peer.id, peer);
    if (peer.identity) {
      const set = this.identities.get(peer.identity);
      if (set) set.add(peer);
      else this.identities.set(peer.identity, new Set([peer]));
    }
    this.mirror?.track(peer);
    this.metrics.inc('mwse_resumes_total', 'taken-over');
    peer.lastSeen = Date.now();
    this.sendControl(peer, { ...this.helloOf(peer), resume: this.sessions.rotate(peer.session!), resumed: true, seq: peer.session!.applied });
    if (!link.open) this.sessions.away(peer);
  }

  /**
   * Cluster mode: `peer`'s session was handed over to another node (its client resumed there).
   * It is forgotten here without being undone (its relations stay, for the ghost it becomes), and
   * its socket, if still open, is closed with 4001.
   */
  release(peer: Peer): void {
    this.sessions.release(peer);
    this.mirror?.untrack(peer);
    if (peer.socketOpen) {
      const old = peer.link;
      old.peer = undefined;
      old.close(CloseCode.SessionTaken, 'session resumed on another node');
    }
    peer.queue.close();
    peer.session = undefined;
    peer.limiter = undefined;
    this.peers.delete(peer.id);
    if (peer.identity) {
      const set = this.identities.get(peer.identity);
      set?.delete(peer);
      if (set?.size === 0) this.identities.delete(peer.identity);
    }
  }

  /** Queue a frame outside the session's count (hello, acks): never replayed. */
  sendControl(peer: Peer, frame: ServerFrame): void {
    if (peer.closed || !peer.socketOpen) return;
    const data = this.codec.encode(frame);
    this.metrics.countOut(frame.type, data.length);
    peer.queue.pushControl(data);
  }

  /**
   * The transport saw the session's socket close. A socket closed with a close frame, whatever
   * its code (1000 `mwse.close()`, 1001 a page going away, 1005 a bare `close()`, 1009 a frame
   * too big), was closed on purpose, and its session ends now, as does one that cannot be kept.
   * Only a connection that died without one (1006: a dropped network, a cut proxy) waits for its
   * client to resume.
   */
  socketClosed(peer: Peer, code: number): void {
    if (peer.closed) return;
    if (peer.closing || !peer.session || code !== ABNORMAL_CLOSURE) {
      this.close(peer);
      return;
    }
    this.sessions.away(peer);
  }

  /**
   * Close `peer`'s socket because the connection looks dead (heartbeat): a resumable session goes
   * away and waits for its client; otherwise this is a disconnect.
   */
  drop(peer: Peer, code: number, reason: string): void {
    if (!peer.session || peer.closing || peer.closed) {
      this.disconnect(peer, code, reason);
      return;
    }
    const { link } = peer;
    this.sessions.away(peer);
    link.close(code, reason);
  }

  /** Index a registered peer, send its hello, and let every service greet it. */
  private greet(peer: Peer, session: Partial<ServerFrameOf<'hello'>>): void {
    if (peer.identity) {
      const set = this.identities.get(peer.identity);
      if (set) set.add(peer);
      else this.identities.set(peer.identity, new Set([peer]));
    }
    this.sendControl(peer, { ...this.helloOf(peer), ...session });
    this.log.debug({ peer: peer.id, address: peer.address, identity: peer.identity }, 'connected');
    for (const service of this.services) {
      try {
        service.connect?.(peer);
      } catch (error) {
        // One service failing a greeting (a stored notification, say) must not undo the rest.
        this.log.error({ err: error, peer: peer.id }, 'a service failed to greet a connection');
      }
    }
  }

  private helloOf(peer: Peer): ServerFrameOf<'hello'> {
    const { maxMessageSize, outboundBuffer, pingInterval, maxInfoKeys, maxInfoBytes } = this.options;
    return {
      type: 'hello',
      server: 'mwse',
      version: this.options.version,
      protocol: PROTOCOL_VERSION,
      socketId: peer.id,
      identity: peer.identity,
      limits: { maxMessageSize, outboundBuffer, pingInterval, maxInfoKeys, maxInfoBytes },
      features: FEATURES,
      codec: peer.binary ? 'binary' : 'json',
    };
  }

  /**
   * One inbound frame: decode once, route, answer. `utf8`: a text frame's bytes, when the
   * transport has them (valid only during the call): a JSON pack may be relayed as a copy of them.
   */
  message(peer: Peer, data: WireData, utf8?: ArrayBuffer): void {
    if (peer.closed || peer.closing) return;
    const now = Date.now();
    peer.lastSeen = now;
    // Cluster mode: nothing is handled while this node cannot trust its Redis (cluster/Cluster.ts).
    if (this.cluster !== undefined && !this.cluster.admits(now)) {
      this.cluster.park(peer, data);
      return;
    }
    const { session } = peer;
    if (session) {
      // The client got its resumed hello (it speaks on the new socket): the old token is done.
      session.previousHash = undefined;
      if (isSessionControl(data)) {
        this.sessionFrame(peer, data);
        return;
      }
      // Counted before handling: a frame refused below was still applied (it got its answer).
      session.applied += 1;
      this.sessions.applied(peer, session, data.length);
      this.mirror?.mark(peer, false);
    }
    const verdict = peer.limiter?.take(now);
    if (verdict !== undefined && verdict !== 'ok') {
      this.metrics.inc('mwse_dropped_total', 'rate-limited');
      if (verdict === 'abusive') {
        this.log.warn({ peer: peer.id, address: peer.address }, 'closed for going on past the rate limit');
        this.disconnect(peer, CloseCode.PolicyViolation, 'rate limit');
      }
      else this.refuse(peer, refusedFrameId(data, this.codec), 'rate-limited', 'too many frames; slow down');
      return;
    }
    if (typeof data !== 'string' && isBinaryKind(data[0])) {
      this.routeBinary(peer, data);
      return;
    }
    // The fast path leaves deep packs to the decoder below, which refuses them.
    const tunnel = typeof data === 'string' ? readJsonTunnel(data) : undefined;
    if (tunnel) {
      this.metrics.countIn(BINARY_TYPE[tunnel.header.kind], data.length);
      this.routeTunnel(peer, tunnel.header, { text: tunnel.packText, frame: utf8, textAt: tunnel.packAt, error: false });
      return;
    }
    const decoded = this.codec.decodeClient(data);
    if (!decoded.ok) {
      this.refuseUndecodable(peer, decoded.error);
      return;
    }
    const frame = decoded.frame;
    this.metrics.countIn(frame.type, data.length);
    const handler = this.handlers[frame.type] as FrameHandler<typeof frame.type>;
    // Any frame but the tunnels may change what the session record holds (flags, info, rooms);
    // a tunnel frame that relates two peers marks them through `Peer.changed`.
    if (!TUNNEL_TYPES.has(frame.type)) this.mirror?.mark(peer, true);
    try {
      const result = handler(peer, frame);
      if (result instanceof Promise) {
        result
          .then(
            (data) => this.answer(peer, frame, data),
            (error: unknown) => this.fail(peer, frame, error),
          )
          .catch((error: unknown) => this.contain(peer, frame.type, error));
      } else {
        this.answer(peer, frame, result);
      }
    } catch (error) {
      this.fail(peer, frame, error);
    }
  }

  /** A session control frame (ack, end): neither counted nor rate limited. */
  private sessionFrame(peer: Peer, data: string): void {
    // The SDK's own acks, read without the decoder; any other spelling is decoded (or refused) below.
    const seq = readAck(data);
    if (seq !== undefined) {
      peer.session!.ack(seq);
      return;
    }
    const decoded = this.codec.decodeClient(data);
    if (!decoded.ok) {
      this.refuseUndecodable(peer, decoded.error);
      return;
    }
    const { frame } = decoded;
    if (frame.type === 'session/ack') peer.session!.ack(frame.seq);
    else if (frame.type === 'session/end') this.sessions.end(peer, 'ended');
    else this.refuse(peer, undefined, 'bad-frame', `${frame.type} is not a session control frame here`);
  }

  /**
   * A binary tunnel frame: read the header, route on it, and hand the payload bytes on without
   * decoding them (zod and JSON stay off this path).
   */
  private routeBinary(peer: Peer, bytes: Uint8Array): void {
    const header = readClientHeader(bytes);
    if ('code' in header) {
      this.refuseUndecodable(peer, header);
      return;
    }
    const payload = bytes.subarray(header.payloadOffset);
    // The frame is level 1 in JSON; a binary payload gets the same levels as a JSON one.
    if (exceedsJsonDepth(payload, MAX_JSON_DEPTH - 1)) {
      this.refuseUndecodable(peer, {
        code: 'too-large',
        message: `payload nests deeper than ${MAX_JSON_DEPTH - 1} levels`,
        ...(header.kind === BinaryKind.Request ? { id: header.id } : {}),
      });
      return;
    }
    this.metrics.countIn(BINARY_TYPE[header.kind], bytes.length);
    this.routeTunnel(peer, header, { bytes: payload, error: (header.flags & RESPONSE_ERROR_FLAG) !== 0 });
  }

  /** Answer a frame the codec could not read (JSON or binary header) and count the drop. */
  private refuseUndecodable(peer: Peer, { id, code, message, issues }: DecodeError): void {
    this.metrics.inc('mwse_dropped_total', code);
    this.log.debug({ peer: peer.id, code, reason: message }, 'refused a frame');
    this.send(peer, { type: 'error', id, code, message, issues });
  }

  /** Route a tunnel frame whose payload stays raw (binary frames and the JSON fast path). */
  private routeTunnel(peer: Peer, header: ClientHeader, raw: RawPayload): void {
    try {
      this.rawTunnelHandlers[header.kind]!(peer, header, raw);
    } catch (error) {
      const id = header.kind === BinaryKind.Request ? header.id : undefined;
      if (error instanceof ServiceError) this.refuse(peer, id, error.code, error.message);
      else this.contain(peer, BINARY_TYPE[header.kind], error);
    }
  }

  /** The transport saw the socket close: undo everything the peer had. */
  close(peer: Peer): void {
    if (peer.closed) return;
    peer.closed = true;
    peer.queue.close();
    this.sessions.forget(peer);
    this.mirror?.end(peer);
    this.log.debug({ peer: peer.id }, 'disconnected');
    this.undoServices(peer);
    this.peers.delete(peer.id);
    this.cluster?.peerClosed(peer);
    if (peer.identity) {
      const set = this.identities.get(peer.identity);
      set?.delete(peer);
      if (set?.size === 0) this.identities.delete(peer.identity);
    }
  }

  /**
   * Close a peer's socket and forget the peer. Nothing more is queued for it from now on (a slow
   * or abusive peer may never complete the close handshake, and its queue must stop growing),
   * but the teardown waits for the current operation to finish: a disconnect can be triggered
   * from inside a service's fan-out (a member's queue overflowing while a room is told of a
   * leave), and undoing the peer there would change the sets the service is iterating. A socket
   * still open `CLOSE_GRACE` ms later is dropped.
   */
  disconnect(peer: Peer, code: number, reason: string): void {
    if (peer.closed || peer.closing) return;
    peer.closing = true;
    peer.queue.close();
    queueMicrotask(() => {
      if (peer.socketOpen) peer.link.close(code, reason);
      this.close(peer);
    });
  }

  /**
   * An unexpected error while handling `peer` (a bug, never bad input, which services refuse):
   * logged, and contained to that connection, which is closed with 1011.
   */
  contain(peer: Peer, where: string, error: unknown): void {
    this.metrics.inc('mwse_dropped_total', 'internal');
    this.log.error({ err: error, peer: peer.id, where }, 'internal error; closing the connection');
    this.disconnect(peer, CloseCode.InternalError, 'internal error');
  }

  send(peer: Peer, frame: ServerFrame): void {
    this.sendEncoded(peer, this.codec.encode(frame), frame.type);
  }

  /** Queue already-encoded data (one encode for a fan-out); `type` labels the metrics. */
  sendEncoded(peer: Peer, data: WireData, type: ServerFrame['type']): void {
    if (peer.closed) return;
    if (peer.remote !== undefined) {
      // A ghost: the frame travels to the node the peer is on, which counts it.
      this.cluster!.deliver(peer, data, type);
      return;
    }
    // Cluster takeover: a session's frame is in Redis before it is sent (`Cluster.throughLog`).
    if (this.mirror !== undefined && peer.session && this.cluster!.throughLog(peer, data, type)) return;
    // A byte array's `length` is its size, and unlike `byteLength` V8 reads it inline.
    this.metrics.countOut(type, data.length);
    this.deliver(peer, data);
  }

  /**
   * Queue `data` for `peer`, a peer of this node that is not closed, as `sendEncoded` does once
   * it has counted the frame. A fan-out on one node calls this for each of its peers and counts
   * them all at once (`PackFanOut`). A session's frame is kept by the queue that writes it, so
   * only an away session keeps it here.
   */
  deliver(peer: Peer, data: WireData): void {
    const { session } = peer;
    // Compared rather than tested for truth: V8 tests the truth of a value it has no type for
    // (an object, or a call's result) in a dozen instructions, and this runs for every member of
    // a room.
    if (session !== undefined && session.away === true) {
      if (peer.closing) return;
      if (session.record(data) === false) {
        // Away, and more is missed than is kept: the session ends as a slow consumer would.
        this.metrics.inc('mwse_dropped_total', 'away-overflow');
        this.sessions.end(peer, 'overflow');
        return;
      }
    } else {
      peer.queue.push(data);
    }
    // Cluster takeover: the count of frames sent is mirrored with the node's log position.
    if (session !== undefined) this.mirror?.mark(peer, false);
  }

  /**
   * Cluster mode: the peer a ghost stands for is gone from its node (or its node is). Undo here
   * what the ghost held, as a disconnect would: its rooms, the requests to it, its relations,
   * and the watchers here are told `peer/disconnect`.
   */
  forgetRemote(ghost: Peer): void {
    if (ghost.closed) return;
    ghost.closed = true;
    this.undoServices(ghost);
  }

  /** Every service undoes what it holds for `peer`, in order; one that fails does not stop the others. */
  private undoServices(peer: Peer): void {
    for (const service of this.services) {
      try {
        service.disconnect?.(peer);
      } catch (error) {
        this.log.error({ err: error, peer: peer.id, remote: peer.remote !== undefined }, 'a service failed to undo a peer');
      }
    }
  }

  /** Cluster mode: run the remote half `name` of an operation another node started for `ghost`. */
  runRemote(name: string, ghost: Peer, args: unknown): unknown {
    const handler = this.remoteHandlers[name];
    if (!handler) throw new ServiceError('bad-frame', `no remote operation "${name}"`);
    return handler(ghost, args as never);
  }

  encode(frame: ServerFrame): WireData {
    return this.codec.encode(frame);
  }

  /** Encode a tunnel frame `sender` sent, for a target of either codec (see `tunnelEncoding.ts`). */
  encodeTunnel(frame: TunnelFrame, raw: RawPayload | undefined, binary: boolean, sender: Peer): WireData {
    return encodeTunnel(frame, raw, binary, this.codec, sender.idBytes);
  }

  /** Queue a tunnel frame from `sender` to `target` in the target's codec. */
  sendTunnel(target: Peer, frame: TunnelFrame, raw: RawPayload | undefined, sender: Peer): void {
    if (target.closed) return;
    const { session } = target;
    // A session on this node: the frame is written into its ring while a socket carries it,
    // where it stays until acked: a binary frame, or a JSON pack copied from its sender's bytes,
    // as it is encoded (`Session.allocate`), another JSON one as UTF-8 (`Session.text`). A
    // cluster takeover's log holds its frames first.
    const into = session !== undefined && this.mirror === undefined && target.remote === undefined ? session : undefined;
    const data = encodeTunnel(frame, raw, target.binary, this.codec, sender.idBytes, into);
    this.sendEncoded(target, into !== undefined && target.binary === false && typeof data === 'string' ? into.text(data) : data, frame.type);
  }

  private answer(peer: Peer, frame: ClientFrame, data: unknown): void {
    if (!('id' in frame) || PEER_CORRELATED.has(frame.type)) return;
    try {
      this.send(peer, { type: 'result', id: frame.id, data });
    } catch (error) {
      // A result the codec cannot encode is the server's fault: the caller still gets an answer.
      this.fail(peer, frame, error);
    }
  }

  private fail(peer: Peer, frame: ClientFrame, error: unknown): void {
    const id = 'id' in frame && frame.type !== 'response/to' ? frame.id : undefined;
    if (error instanceof ServiceError) {
      this.refuse(peer, id, error.code, error.message);
      return;
    }
    this.log.error({ err: error, peer: peer.id, frame: frame.type }, `"${frame.type}" handler failed`);
    this.refuse(peer, id, 'internal', 'the server failed to handle this frame');
  }

  refuse(peer: Peer, id: number | undefined, code: ErrorCode, message: string): void {
    this.send(peer, { type: 'error', id, code, message });
  }
}
