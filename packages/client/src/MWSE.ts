import type {
  PairList,
  RoomSummary,
  ServerFrameOf,
  ServerLimits,
  SessionFlags,
  VirtualAddress,
} from '@mwse/protocol';
import { roomNameError } from '@mwse/protocol/binary';
import { connectFailure, type ConnectFailure } from './ConnectFailure.js';
import { Connection, type CloseInfo, type ConnectionState, type Outgoing } from './Connection.js';
import { Emitter } from './Emitter.js';
import { deliverRequest, IncomingRequest } from './IncomingRequest.js';
import { MWSEError } from './MWSEError.js';
import { defaultOptions, reconnectOption, type MWSEOptions } from './MWSEOptions.js';
import {
  Notification,
  type NotificationReply,
  type NotifyOptions,
  type NotifyResult,
} from './Notification.js';
import { NotificationInbox } from './NotificationInbox.js';
import { Peer } from './Peer.js';
import { PeerRegistry } from './PeerRegistry.js';
import { PairTracker } from './PairTracker.js';
import { PendingCalls } from './PendingCalls.js';
import { protocolVersion } from './protocolConstants.js';
import { encodeBinaryFrame } from './binaryFrames.js';
import { EndpointList } from './EndpointList.js';
import { resolveEndpoints, withBinaryCodec } from './resolveEndpoint.js';
import { Room, type RoomOptions } from './Room.js';
import { routeServerFrame, type RouterContext } from './routeServerFrame.js';
import { defaultWebSocket } from './websocket.node.js';
import type { CallFrame, CallOptions, PairEvent, PostFrame, Wire } from './Wire.js';

/** Measures text frames that may be over the server's `maxMessageSize`. */
const utf8 = new TextEncoder();

/** My pairs and pending requests ({@link MWSE.fetchPairs}). */
export interface Pairs {
  /** Peers I accepted: their direct traffic reaches me. */
  accepted: Peer[];
  /** Peers that accepted me. */
  acceptedBy: Peer[];
  /** Peers that asked to pair with me, not answered yet. */
  incoming: Peer[];
  /** Peers I asked, that have not answered yet. */
  outgoing: Peer[];
}

/** Events of the client. */
export interface MWSEEvents {
  /** Connected and identified: `mwse.me.socketId` is set. Fires again after every reconnect. */
  scope: () => void;
  /**
   * A reconnect succeeded. `resumed: true`: the server kept the session (docs/sessions.md): same
   * socket id, pairs, rooms, info, flags and addresses, every frame missed either way delivered
   * once, in order; nothing to do, and `scope` does not fire again. `resumed: false`: you are a new
   * peer (after its `scope`); join your rooms again. `reason` says why it was not resumed.
   */
  reconnect: (outcome: ReconnectOutcome) => void;
  /** The next connection attempt starts in `delay` ms. */
  reconnecting: (attempt: number, delay: number) => void;
  /** The connection dropped; `info.willReconnect` says whether the SDK reconnects. */
  disconnect: (info: CloseInfo) => void;
  /**
   * A connection attempt failed before the server's hello (Socket.IO's `connect_error`): refused
   * (`status` 403, 429, 503… where the platform shows it: Node, not browsers), unreachable, or
   * timed out. Calls waiting for this attempt have been rejected with `failure.error`. Then
   * `reconnecting` follows, or `close` when the SDK gives up (a 4xx refusal, `maxAttempts`).
   */
  'connect/error': (failure: ConnectFailure) => void;
  /** Closed for good: `close()`, a policy close, or no reconnect attempt left. */
  close: (info: CloseInfo) => void;
  /** A refusal no call waited for, a listener that threw, a protocol mismatch. */
  error: (error: Error) => void;
  /** Every direct message; from the HTTP API, `peer` is `mwse.peer('server')`. */
  // Payload events are methods, so a listener may declare the payload type it expects (see PeerEvents).
  message(pack: unknown, peer: Peer): void;
  /** Every request, from anyone. */
  request(request: IncomingRequest): void;
  /** `peer` asks to pair with you. */
  'request/pair': (peer: Peer) => void;
  /** Pairing with `peer` was accepted, by it or by you: once per pairing (see `Peer`). */
  'accepted/pair': (peer: Peer) => void;
  /** `peer` rejected or ended the pairing. */
  'end/pair': (peer: Peer) => void;
  /** A pair changed one key of its info. */
  'peer/info': (peer: Peer, key: string, value: unknown) => void;
  /** A peer you watch (exchanged messages or requests with, or paired) disconnected. */
  'peer/disconnect': (peer: Peer) => void;
  /** A new `Peer` object was made (extensions hook in here, e.g. to give each peer an `rtc`). */
  peer: (peer: Peer) => void;
  /** `peer` (the owner) invited you into `room`. */
  'room/invited': (room: Room, peer: Peer) => void;
  /** `peer` (the owner) ejected you from `room`. */
  'room/ejected': (room: Room, peer: Peer) => void;
  /**
   * A notification for you, acknowledged to the server as it is shown; duplicates are dropped.
   * Notifications that arrive before any listener (stored ones come right after connecting) wait
   * for the first listener.
   */
  notification: (notification: Notification) => void;
  /** A recipient answered a notification you sent. */
  'notification/reply': (reply: NotificationReply) => void;
}

/** What a reconnect gave back (the `reconnect` event). */
export interface ReconnectOutcome {
  resumed: boolean;
  /**
   * With `resumed: false`: `unknown`, `expired` (away past the server's grace window), `overflow`
   * (more was missed than is kept), `ended`, `identity` (the bridge gave another identity),
   * `codec`, `disabled` (the server keeps no sessions), `state-lost` (a cluster's Redis lost the
   * state the session was kept under), or another a newer server gives.
   */
  reason?: string;
}

/** What the server said about itself in its hello. */
export interface ServerInfo {
  server: string;
  version: string;
  protocol: number;
  limits: ServerLimits;
  features: string[];
  /** The identity the server's bridge gave this connection, if any. */
  identity?: string;
}

interface Waiter {
  resolve(): void;
  reject(error: MWSEError): void;
}

/**
 * The MWSE client. Connects at once; `scope` fires when the server has identified you.
 *
 * Calls made before `scope` (or while reconnecting) are queued and sent once connected, up to
 * `queueLimit` frames. Every call returns a promise that settles once the server applied or refused
 * it, rejecting with an {@link MWSEError}.
 *
 * @example
 * import MWSE from '@mwse/client';
 * const mwse = new MWSE({ endpoint: 'ws://127.0.0.1:7707' });
 * mwse.on('scope', async () => {
 *   const room = mwse.room({ name: 'genel', joinType: 'free', ifexistsJoin: true });
 *   await room.createRoom();
 *   room.send({ text: 'merhaba!' });
 * });
 */
export class MWSE extends Emitter<MWSEEvents> {
  /** Your own peer; `mwse.peer('me')` is the same object, kept across reconnects. */
  readonly me: Peer;
  /** Every endpoint this client may connect to, resolved (one unless `endpoint` was a list). */
  readonly endpoints: readonly string[];
  #endpoints: EndpointList;
  /** Default timeout of every call, in milliseconds. */
  readonly requestTimeout: number;
  #server: ServerInfo | undefined;
  #queueLimit: number;
  #scoped = false;
  #waiters = new Set<Waiter>();
  #calls = new PendingCalls();
  #pairs = new PairTracker();
  #peers = new PeerRegistry();
  #rooms = new Map<string, Room>();
  #inbox = new NotificationInbox((nid) => this.#post({ type: 'notify/ack', nid }));
  #wire: Wire;
  #serverPeer: Peer;
  #connection: Connection;
  /** The server agreed to binary tunnel frames on the current connection. */
  #binary = false;
  /** How the last hello went, for the `reconnect` event. */
  #outcome: ReconnectOutcome = { resumed: false };
  /** The drop left the old session's calls and rooms waiting for a resume's outcome. */
  #awaitingResume = false;

  constructor(options: MWSEOptions = {}) {
    super();
    this.#endpoints = new EndpointList(resolveEndpoints(options.endpoint));
    this.endpoints = this.#endpoints.urls;
    this.requestTimeout = options.requestTimeout ?? defaultOptions.requestTimeout;
    this.#queueLimit = options.queueLimit ?? defaultOptions.queueLimit;
    this.#wire = this.#makeWire();
    this.me = new Peer('', this.#wire, true);
    this.#serverPeer = new Peer('server', this.#wire);
    const router = this.#makeRouter();
    this.#connection = new Connection(
      {
        url: options.codec === 'json' ? () => this.endpoint : () => withBinaryCodec(this.endpoint),
        rotate: (dropped) => (dropped ? this.#endpoints.dropped() : this.#endpoints.failed()),
        WebSocket: options.WebSocket ?? defaultWebSocket(),
        reconnect: reconnectOption(options.reconnect),
        queueLimit: this.#queueLimit,
        connectTimeout: options.connectTimeout ?? defaultOptions.connectTimeout,
        resendFrames: options.resendLimit ?? defaultOptions.resendLimit,
        resendBytes: options.resendBytes ?? defaultOptions.resendBytes,
      },
      {
        hello: (frame, resumed, tried) => this.#hello(frame, resumed, tried),
        ready: () => this.#ready(),
        frame: (frame) => routeServerFrame(frame, router),
        down: (info) => this.#down(info),
        failed: (attempt) => this.#failed(connectFailure(this.endpoint, attempt)),
        retry: (attempt, delay) => this.emit('reconnecting', attempt, delay),
        closed: (info) => this.#closed(info),
      },
    );
  }

  /** The WebSocket URL of the current (or next) connection attempt: one of {@link endpoints}. */
  get endpoint(): string {
    return this.#endpoints.current;
  }

  /** True while connected and identified. */
  get connected(): boolean {
    return this.#scoped;
  }

  /** `connecting` (also: waiting for the hello), `open`, `waiting` (between attempts), `closed`. */
  get state(): ConnectionState {
    return this.#connection.state;
  }

  /** The server's hello of the current (or last) connection. */
  get server(): ServerInfo | undefined {
    return this.#server;
  }

  /**
   * With a callback: runs it once scoped (at once if scoped now). Without: a promise that resolves
   * once scoped and rejects with `disconnected` if the client closes first.
   */
  scope(): Promise<void>;
  scope(callback: () => void): this;
  scope(callback?: () => void): Promise<void> | this {
    if (!callback) return this.#wire.scoped();
    if (!this.#scoped) return this.once('scope', callback);
    try {
      callback();
    } catch (error) {
      this.listenerFailed(error, 'scope');
    }
    return this;
  }

  /**
   * The peer with this socket id; `'me'` (or your own id) is {@link me}, `'server'` the sender of
   * HTTP API messages. The same id gives the same object while you hold it or listen to it.
   */
  peer(socketId: string): Peer {
    if (socketId === 'me' || (socketId === this.me.socketId && socketId !== '')) return this.me;
    if (socketId === 'server') return this.#serverPeer;
    if (typeof socketId !== 'string' || socketId === '') {
      throw new TypeError('MWSE: peer(socketId) needs a non-empty socket id');
    }
    const known = this.#peers.get(socketId);
    if (known) return known;
    const peer = new Peer(socketId, this.#wire);
    this.#peers.add(peer);
    this.emit('peer', peer);
    return peer;
  }

  /**
   * The room with this name (same object for the same name). Options given here are what
   * `createRoom()` and `join()` use; a later call with options updates them.
   *
   * A name is 1 to 128 UTF-8 BYTES (`é` counts 2, `😀` 4), the server's rule for every frame
   * that names a room. Throws an {@link MWSEError} `too-large` for a longer name and `bad-frame`
   * for an empty one or one with a lone surrogate, before anything is sent.
   */
  room(options: RoomOptions | string): Room {
    const opts = typeof options === 'string' ? { name: options } : options;
    const error = roomNameError(opts.name);
    if (error) throw new MWSEError(error.code, error.message);
    return this.#room(opts, typeof options !== 'string');
  }

  /** The room object for `opts.name`; names from the server were checked by the server. */
  #room(opts: RoomOptions, update: boolean): Room {
    const known = this.#rooms.get(opts.name);
    if (known) {
      if (update) known.options = { ...known.options, ...opts };
      return known;
    }
    const room = new Room(opts, this.#wire);
    this.#rooms.set(opts.name, room);
    return room;
  }

  /**
   * Sets session flags: `pairauth` (direct traffic only from accepted peers), `readable` (others may
   * read my info), `writable` (others may message me at all), `pairinfo` (push my info to my
   * pairs). All on by default; a reconnect starts a new session with the defaults. Resolves with
   * all flags after the change.
   */
  setSession(flags: SessionFlags): Promise<Required<SessionFlags>> {
    return this.#wire.call({ type: 'session/set', flags });
  }

  /** Lets any peer message and request you directly. Resolves once the server applied it. */
  async disablePairAuth(): Promise<void> {
    await this.setSession({ pairauth: false });
  }

  /** Only peers you accepted may message and request you directly (the default). */
  async enablePairAuth(): Promise<void> {
    await this.setSession({ pairauth: true });
  }

  /**
   * Sends a notification to a connection, or to an identity (every connection of that person or
   * device; stored until it connects, for `ttl` seconds).
   *
   * @example
   * await mwse.notify({ identity: 'user-42' }, {
   *   title: 'Invoice ready',
   *   actions: [{ id: 'open', title: 'Open' }],
   * });
   */
  notify(target: Peer | { identity: string }, notification: NotifyOptions): Promise<NotifyResult> {
    // Checked by shape, not instanceof, so peers of another copy of the SDK work too.
    if ('identity' in target) {
      return this.#call({ type: 'notify/send', identity: target.identity, ...notification });
    }
    return target.notify(notification);
  }

  /** Takes a virtual address (IPv4 in 10.0.0.0/8, a number, a short code) for this connection. */
  claimAddress(): Promise<VirtualAddress> {
    return this.#call({ type: 'address/claim' });
  }

  /** Gives this connection's virtual address back (it is also released on disconnect). */
  async releaseAddress(): Promise<void> {
    await this.#call({ type: 'address/release' });
  }

  /** The peer holding a virtual address (IP, number or short code); rejects with `not-found`. */
  async resolveAddress(address: string): Promise<Peer> {
    return this.peer(await this.#call<string>({ type: 'address/resolve', address }));
  }

  /**
   * My pairs and pending pair requests as the server holds them now (events tell of changes):
   * `accepted` (I trust them), `acceptedBy` (they trust me), `incoming` (they asked me),
   * `outgoing` (I asked them).
   */
  async fetchPairs(): Promise<Pairs> {
    const list = await this.#call<PairList>({ type: 'pair/list' });
    const peers = (ids: string[]) => ids.map((id) => this.peer(id));
    return {
      accepted: peers(list.accepted),
      acceptedBy: peers(list.acceptedBy),
      incoming: peers(list.incoming),
      outgoing: peers(list.outgoing),
    };
  }

  /** The server's public rooms with their member counts. */
  listRooms(): Promise<RoomSummary[]> {
    return this.#call({ type: 'room/list' });
  }

  /** Closes the connection for good: pending calls reject with `disconnected`; no reconnect. */
  close(): void {
    this.#connection.close();
  }

  /** Listener failures go to the `error` event when something listens to it, else to the console. */
  protected override listenerFailed(error: unknown, event: PropertyKey): void {
    if (event === 'error') {
      // Reporting an `error` listener's failure through `error` again could loop.
      console.error('MWSE: an "error" listener threw', error);
      return;
    }
    this.#report(error instanceof Error ? error : new Error(String(error)));
  }

  #report(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else console.error('MWSE:', error);
  }

  #hello(frame: ServerFrameOf<'hello'>, resumed: boolean, tried: boolean): void {
    this.#outcome = resumed
      ? { resumed: true }
      : { resumed: false, reason: frame.reason ?? (tried ? 'unknown' : 'disabled') };
    if (this.#awaitingResume) {
      this.#awaitingResume = false;
      // The old session is gone: what it had in flight is lost, as after any plain reconnect.
      if (!resumed) this.#forgetSession();
    }
    const { server, version, protocol, limits, features, identity } = frame;
    this.#server = { server, version, protocol, limits, features };
    this.#binary = frame.codec === 'binary';
    if (identity !== undefined) this.#server.identity = identity;
    this.me.rebind(frame.socketId);
    this.#scoped = true;
    if (protocol !== protocolVersion) {
      this.#report(
        new MWSEError(
          'bad-frame',
          `server speaks protocol ${protocol}, this SDK ${protocolVersion}`,
        ),
      );
    }
  }

  #ready(): void {
    for (const waiter of this.#waiters) waiter.resolve();
    this.#waiters.clear();
    const outcome = this.#outcome;
    if (outcome.resumed) {
      this.emit('reconnect', outcome);
      return;
    }
    this.emit('scope');
    if (this.#connection.epoch > 1) this.emit('reconnect', outcome);
  }

  #down(info: CloseInfo): void {
    this.#scoped = false;
    // A session the server keeps may come back whole: calls in flight and rooms wait for it.
    if (info.resuming) this.#awaitingResume = true;
    else this.#forgetSession();
    this.emit('disconnect', info);
  }

  /** The session that dropped will not come back: its written calls fail, its rooms are left. */
  #forgetSession(): void {
    this.#calls.rejectWritten(() => new MWSEError('disconnected'));
    for (const room of this.#rooms.values()) room.disconnected();
  }

  #failed(failure: ConnectFailure): void {
    // The SDK now knows it cannot connect: what waited for this attempt fails at once instead of
    // sitting until its own timeout. Plain sends stay queued for the next attempt. While a kept
    // session may still be resumed, calls wait for it instead (bounded by their own timeout).
    const error = () => new MWSEError(failure.error.code, failure.error.message);
    // With several endpoints one failing says little: calls wait for one pass over the list
    // (failed attempts in a row each take the next endpoint, so `attempt` of them were tried).
    const untried = failure.willReconnect && failure.attempt < this.endpoints.length;
    if (!this.#awaitingResume && !untried) {
      this.#calls.rejectQueued(error);
      for (const waiter of this.#waiters) waiter.reject(error());
      this.#waiters.clear();
    }
    if (this.listenerCount('connect/error') > 0) this.emit('connect/error', failure);
    // Nobody listens: say it once per run of failures rather than staying silent (or spamming).
    else if (failure.attempt === 1) this.#report(failure.error);
  }

  #closed(info: CloseInfo): void {
    this.#scoped = false;
    this.#calls.rejectAll(() => new MWSEError('disconnected', 'the client is closed'));
    for (const waiter of this.#waiters)
      waiter.reject(new MWSEError('disconnected', 'the client is closed'));
    this.#waiters.clear();
    this.emit('close', info);
  }

  #call<T>(frame: CallFrame, options: CallOptions = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#connection.state === 'closed') {
        reject(new MWSEError('disconnected', 'the client is closed'));
        return;
      }
      let out: Outgoing | undefined;
      const id = this.#calls.open({
        resolve: resolve as (data: unknown) => void,
        reject,
        ...(options.to === undefined ? {} : { to: options.to }),
        timeout: options.timeout ?? this.requestTimeout,
        abandon: (written, reason) => {
          if (!written) {
            if (out) this.#connection.unqueue(out);
          } else if (reason.code === 'timeout' && frame.type === 'request/to') {
            // The requester gave up: let the server forget it, so the peer's late answer is dropped.
            this.#post({ type: 'request/cancel', id, to: frame.to });
          }
        },
      });
      try {
        out = { data: this.#encode({ ...frame, id }), written: () => this.#calls.written(id) };
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        this.#calls.reject(
          id,
          error instanceof MWSEError
            ? error
            : new MWSEError('bad-frame', `cannot be sent as JSON: ${reason}`, { cause: error }),
        );
        return;
      }
      if (!this.#connection.send(out)) {
        this.#calls.reject(
          id,
          this.#connection.isClosed()
            ? new MWSEError('disconnected', 'the client is closed')
            : new MWSEError(
                'exhausted',
                `${this.#queueLimit} frames wait for the connection already`,
              ),
        );
      }
    });
  }

  #post(frame: PostFrame): void {
    // Throws for values JSON cannot encode, to the caller of `send`.
    const data = this.#encode(frame);
    if (!this.#connection.send({ data }) && this.#connection.state !== 'closed') {
      this.#report(
        new MWSEError('exhausted', `${this.#queueLimit} frames wait already: message dropped`),
      );
    }
  }

  /**
   * Tunnel frames go binary once the server agreed to it; frames queued before its hello are JSON,
   * which every server reads.
   */
  #encode(frame: object): string | Uint8Array {
    const data = (this.#binary && encodeBinaryFrame(frame as { type: string })) || JSON.stringify(frame);
    const limit = this.#server?.limits.maxMessageSize;
    // Refused here rather than by the server, which closes the connection (1009) for it, or on
    // uWebSockets.js past its buffer bound drops it without a close frame. A text frame is at
    // most three bytes per UTF-16 unit, so only large ones are measured.
    if (limit !== undefined && data.length * (typeof data === 'string' ? 3 : 1) > limit) {
      const bytes = typeof data === 'string' ? utf8.encode(data).length : data.length;
      if (bytes > limit) {
        throw new MWSEError('too-large', `the frame is ${bytes} bytes; the server takes at most ${limit}`);
      }
    }
    return data;
  }

  #whenScoped(): Promise<void> {
    if (this.#scoped) return Promise.resolve();
    if (this.#connection.state === 'closed') {
      return Promise.reject(new MWSEError('disconnected', 'the client is closed'));
    }
    return new Promise((resolve, reject) => this.#waiters.add({ resolve, reject }));
  }

  #firePair(event: PairEvent, peer: Peer): void {
    if (!this.#pairs.admit(event, peer.socketId, this.#connection.epoch)) return;
    peer.emit(event, peer);
    if (peer !== this.me) this.me.emit(event, peer);
    this.emit(event, peer);
  }

  #deliverRequest(frame: ServerFrameOf<'request'>): void {
    const peer = this.peer(frame.from);
    const epoch = this.#connection.epoch;
    const request = new IncomingRequest(frame.body, peer, (answer) => {
      // After a reconnect the requester knew our old socket: it already got `peer-disconnected`.
      // While a resume may bring the session back, the answer waits for it.
      if (this.#connection.epoch !== epoch) return;
      if (this.#connection.state !== 'open' && !this.#connection.resuming) return;
      this.#post({ type: 'response/to', id: frame.id, to: frame.from, ...answer });
    });
    deliverRequest(request, [peer, this]);
  }

  #deliverNotification(frame: ServerFrameOf<'notify'>): void {
    const shown = this.#inbox.receive(frame, this.listenerCount('notification') > 0);
    if (shown) this.#showNotification(shown);
  }

  #showNotification(frame: ServerFrameOf<'notify'>): void {
    this.emit('notification', new Notification(frame, this.peer(frame.from), this.#wire));
  }

  /** Show held notifications one by one while someone listens (a `once` listener takes one). */
  #flushHeldNotifications(): void {
    while (this.listenerCount('notification') > 0) {
      const frame = this.#inbox.takeHeld();
      if (!frame) return;
      this.#showNotification(frame);
    }
  }

  protected override listenersChanged(): void {
    // Deferred so `on()` returns before its listener runs, and further listeners added in the same
    // tick see the held notifications too.
    if (this.#inbox.holding && this.listenerCount('notification') > 0) {
      queueMicrotask(() => this.#flushHeldNotifications());
    }
  }

  #makeWire(): Wire {
    // Getters and arrows read the client's fields when called, not now: most are not set yet.
    const client = this;
    return {
      call: (frame, options) => this.#call(frame, options),
      post: (frame) => this.#post(frame),
      scoped: () => this.#whenScoped(),
      get isScoped() {
        return client.#scoped;
      },
      get me() {
        return client.me;
      },
      peer: (socketId) => this.peer(socketId),
      firePair: (event, peer) => this.#firePair(event, peer),
      forgetPair: (peer) => this.#pairs.forget(peer.socketId),
      pin: (peer, pinned) => this.#peers.pin(peer, pinned),
      reportListenerError: (error, event) => this.listenerFailed(error, event),
    };
  }

  #makeRouter(): RouterContext {
    return {
      client: this,
      calls: this.#calls,
      peer: (socketId) => this.peer(socketId),
      room: (name) => this.#room({ name }, false),
      deliverRequest: (frame) => this.#deliverRequest(frame),
      deliverNotification: (frame) => this.#deliverNotification(frame),
      firePair: (event, peer) => this.#firePair(event, peer),
      forgetPair: (peer) => this.#pairs.forget(peer.socketId),
      reportError: (error) => this.#report(error),
    };
  }
}
