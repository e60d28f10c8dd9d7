import { Emitter } from './Emitter.js';
import type { IncomingRequest } from './IncomingRequest.js';
import type { NotifyOptions, NotifyResult } from './Notification.js';
import { PeerInfo } from './PeerInfo.js';
import type { Sendable } from './Sendable.js';
import type { CallFrame, Wire } from './Wire.js';

/** Events of a {@link Peer}. */
export interface PeerEvents {
  // Payload events are methods, so a listener may declare the payload type it expects
  // (`(pack: Chat) => …`, `(req: IncomingRequest<Query>) => …`): a claim the SDK cannot check.
  /** A direct message from this peer (`peer.send`). Never room traffic. */
  message(pack: unknown): void;
  /** A request from this peer; answer with `request.response(value)`. */
  request(request: IncomingRequest): void;
  /** This peer left the server (told for peers you exchanged messages or requests with, or paired). */
  disconnect: () => void;
  /** A pair changed one key of its info; `value` is `undefined` when the key was removed. */
  info: (key: string, value: unknown) => void;
  /** This peer asks to pair with you. On `mwse.me`: anyone does. */
  'request/pair': (peer: Peer) => void;
  /**
   * Pairing with this peer was accepted, by it or by you: once per pairing, however many times
   * either side accepts, until `end/pair` or a disconnect. On `mwse.me`: with anyone.
   */
  'accepted/pair': (peer: Peer) => void;
  /** This peer rejected or ended the pairing. On `mwse.me`: anyone did. */
  'end/pair': (peer: Peer) => void;
  /**
   * Signalling from this peer for a library built on MWSE (`@mwse/webrtc`): a channel apart from
   * `message`, so application listeners never see it.
   */
  signal(data: unknown): void;
}

/** Options of {@link Peer.request}. */
export interface RequestOptions {
  /** Milliseconds to wait for the answer (default: the client's `requestTimeout`, 30 s). */
  timeout?: number;
}

/**
 * Another connection on the server, or yourself (`mwse.me`, `mwse.peer('me')`). Get one with
 * `mwse.peer(socketId)`: the same id always gives the same object while you hold it or listen to
 * it.
 *
 * @example
 * const other = mwse.peer('fa9b039e-29bf-4861-8bee-54c2c64ded19');
 * other.on('message', (data) => console.log(data));
 * other.send('Hi!');
 * const answer = await other.request({ type: 'addition', number1: 1, number2: 5 }); // 6
 */
export class Peer extends Emitter<PeerEvents> {
  /** True for `mwse.me`. */
  readonly isMe: boolean;
  /** This peer's public metadata; `info.set` always writes yours. */
  readonly info: PeerInfo;
  readonly #wire: Wire;
  #socketId: string;
  #gone = false;

  /** Made by `mwse.peer(id)`; not meant to be called directly. */
  constructor(socketId: string, wire: Wire, isMe = false) {
    super((error, event) => wire.reportListenerError(error, event));
    this.#socketId = socketId;
    this.#wire = wire;
    this.isMe = isMe;
    this.info = new PeerInfo(this, wire);
  }

  /**
   * The id the server gave this connection (UUID v4); `'server'` for messages from the HTTP API.
   * For `mwse.me` it is `''` until the first `scope`, and changes on every reconnect.
   */
  get socketId(): string {
    return this.#socketId;
  }

  /** Sends `pack` (any JSON value) to this peer. Fire and forget: dropped if pair-auth refuses it. */
  send<T>(pack: T & Sendable<T>): void {
    if (this.isMe && !this.#wire.isScoped) {
      void this.#wire.scoped().then(
        () => this.send(pack),
        () => {}, // closed before scope: dropped like any send on a closed client
      );
      return;
    }
    this.#wire.post({ type: 'pack/to', to: this.#socketId, pack });
  }

  /**
   * Sends signalling `data` to this peer's `signal` listeners (pair-auth applies, as for `send`).
   * For libraries such as `@mwse/webrtc`; applications use `send`.
   */
  signal<T>(data: T & Sendable<T>): void {
    this.#wire.post({ type: 'signal/to', to: this.#socketId, data });
  }

  /**
   * Sends `body` and resolves with the peer's answer. Never hangs: rejects with an `MWSEError`
   * whose code is `timeout` (then the server is told to forget it), `peer-disconnected`,
   * `not-paired`, `unreachable`, `forbidden`, `no-handler`, `remote-error` or `disconnected`.
   */
  request<Res = unknown, Body = unknown>(body: Body & Sendable<Body>, options: RequestOptions = {}): Promise<Res> {
    return this.#call((to) => ({ type: 'request/to', to, body }), {
      to: this.#socketId,
      ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
    });
  }

  /** True while this peer is connected. */
  isReachable(): Promise<boolean> {
    return this.#call((peer) => ({ type: 'peer/reachable', peer }));
  }

  /** Asks this peer to pair; it gets `request/pair`. Resolves once the server delivered the ask. */
  async requestPair(): Promise<void> {
    await this.#call((to) => ({ type: 'pair/request', to }));
  }

  /**
   * Trusts this peer: its direct messages and requests reach you. Works without a prior request.
   * Once the server applied it, `accepted/pair` fires here too (on the client, `mwse.me` and this
   * peer), as it does on the other side, unless this pairing fired it already: it fires once per
   * pairing, also when both sides accept each other.
   */
  async acceptPair(): Promise<void> {
    await this.#call((to) => ({ type: 'pair/accept', to }));
    this.#wire.firePair('accepted/pair', this);
  }

  /** Refuses this peer's pending pair request; it gets `end/pair`. */
  async rejectPair(): Promise<void> {
    await this.#call((to) => ({ type: 'pair/reject', to }));
  }

  /** Ends the pairing both ways; this peer gets `end/pair`. A later acceptance fires again. */
  async endPair(): Promise<void> {
    await this.#call((to) => ({ type: 'pair/end', to }));
    this.#wire.forgetPair(this);
  }

  /**
   * Sends this connection a notification (see `mwse.on('notification')`); pair-auth applies.
   * Rejects with `unreachable` when it is offline: notify an identity to store and forward.
   */
  notify(notification: NotifyOptions): Promise<NotifyResult> {
    return this.#call((to) => ({ type: 'notify/send', to, ...notification }));
  }

  /** @internal The client gives `me` its new id on every hello. */
  rebind(socketId: string): void {
    this.#socketId = socketId;
  }

  /** @internal The server said this peer disconnected: its id will never be used again. */
  markGone(): void {
    this.#gone = true;
    this.listenersChanged();
  }

  protected override listenersChanged(): void {
    if (!this.isMe) this.#wire.pin(this, !this.#gone && this.listenerCount() > 0);
  }

  #call<T>(
    build: (id: string) => CallFrame,
    options?: { to?: string; timeout?: number },
  ): Promise<T> {
    // `me` has no id before the hello: wait for it instead of sending an empty one.
    if (this.isMe && !this.#wire.isScoped) {
      return this.#wire.scoped().then(() => this.#wire.call<T>(build(this.#socketId), options));
    }
    return this.#wire.call<T>(build(this.#socketId), options);
  }
}
