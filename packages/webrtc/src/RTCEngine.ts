import { Emitter, type Peer } from '@mwse/client';
import { FileReceiver } from './FileReceiver.js';
import { FileSender, type SendFileOptions } from './FileSender.js';
import { parseFileChannelLabel, type FileTransfer } from './FileTransfer.js';
import { IceWatchdog } from './IceWatchdog.js';
import { Negotiator } from './Negotiator.js';
import { PRIMARY_LABEL, PrimaryChannel } from './PrimaryChannel.js';
import { RemoteStreams } from './RemoteStreams.js';
import type { RTCCloseReason, RTCEngineEvents, RTCState } from './RTCEngineEvents.js';
import { parseSignal, type SignalMessage } from './SignalMessage.js';
import { SignalSession } from './SignalSession.js';
import { StreamManager, type AddStreamOptions, type EncodingChange } from './StreamManager.js';

/** Options of {@link RTCEngine.connect}. */
export interface ConnectOptions {
  /**
   * The polite side yields when both sides offer at once. The two sides must differ; the default,
   * `mwse.me.socketId < peer.socketId`, gives that without agreeing on anything.
   */
  polite?: boolean;
  /** STUN/TURN servers (default: one public STUN server). `[]` for a LAN or one machine. */
  iceServers?: RTCIceServer[];
  /** Anything else for `new RTCPeerConnection(…)` (e.g. `iceTransportPolicy: 'relay'`). */
  configuration?: Omit<RTCConfiguration, 'iceServers'>;
  /** Milliseconds `disconnected` may last before an ICE restart (default 4000). */
  disconnectedTimeout?: number;
}

/** What an engine needs from the client it belongs to (given by `attachRTC`). */
export interface RTCEngineContext {
  /** Our own socket id, for the default role. */
  me(): string;
  /** Defaults under every `connect()`'s options. */
  defaults: ConnectOptions;
  /** Errors no `error` listener took, and listener failures. */
  report(error: unknown): void;
}

/** Used when neither `connect()` nor `attachRTC` names ICE servers. */
export const DEFAULT_ICE_SERVERS: RTCIceServer[] = [{ urls: 'stun:stun.l.google.com:19302' }];

const STATES: Record<RTCPeerConnectionState, RTCState> = {
  new: 'connecting',
  connecting: 'connecting',
  connected: 'connected',
  disconnected: 'disconnected',
  failed: 'failed',
  closed: 'closed',
};

interface Connection {
  pc: RTCPeerConnection;
  session: SignalSession;
  negotiator: Negotiator;
  watchdog: IceWatchdog;
}

/**
 * WebRTC with one peer, as `peer.rtc`: a peer connection signalled over MWSE (perfect
 * negotiation, ICE restarts), named streams, a primary data channel and file transfer. Made for
 * you by `attachRTC(mwse)` (or the served `/sdk/index.js`); one per peer, the same object each time.
 *
 * @example
 * mwse.on('accepted/pair', async (peer) => {
 *   peer.rtc.connect();
 *   peer.rtc.addStream('cam', await MediaSources.cameraAndMic());
 *   peer.rtc.on('stream', (stream, name) => show(stream, name));
 *   peer.rtc.on('data', (data) => console.log(data));
 *   peer.rtc.send({ hello: 'over WebRTC' });
 * });
 */
export class RTCEngine extends Emitter<RTCEngineEvents> {
  /** The peer this engine talks to. */
  readonly peer: Peer;
  readonly #context: RTCEngineContext;
  #options: ConnectOptions = {};
  #polite = false;
  #state: RTCState = 'idle';
  #connection: Connection | undefined;
  /** A remote's hello that arrived while we had no connection; `connect()` answers it. */
  #pendingHello: SignalMessage | undefined;
  readonly #streams = new StreamManager();
  readonly #remote: RemoteStreams;
  readonly #channel: PrimaryChannel;
  readonly #files: FileReceiver;
  readonly #senders = new Set<FileSender>();

  /** Made by `attachRTC`; use `peer.rtc`. */
  constructor(peer: Peer, context: RTCEngineContext) {
    super((error) => context.report(error));
    this.peer = peer;
    this.#context = context;
    this.#remote = new RemoteStreams({
      track: (track, streams, name) => this.emit('track', track, streams, name),
      stream: (stream, name) => this.emit('stream', stream, name),
      removed: (stream, name) => this.emit('stream/removed', stream, name),
    });
    this.#channel = new PrimaryChannel({
      data: (data) => this.emit('data', data),
      open: () => this.emit('channel/open'),
      close: () => this.emit('channel/close'),
      error: (error) => this.#error(error),
    });
    this.#files = new FileReceiver({
      incoming: (transfer) => this.emit('file/incoming', transfer),
      progress: (transfer) => this.emit('file/progress', transfer),
      file: (file, transfer) => this.emit('file', file, transfer),
      cancel: (error) => this.emit('file/cancel', error),
    });
    peer.on('signal', (data) => this.#signal(data));
    peer.on('disconnect', () => this.abort('peer-gone'));
  }

  /** Where the connection is. */
  get state(): RTCState {
    return this.#state;
  }

  /** This side's role in the current (or last) connection. */
  get polite(): boolean {
    return this.#polite;
  }

  /** The `RTCPeerConnection` while connected or connecting, for anything this API does not cover. */
  get connection(): RTCPeerConnection | undefined {
    return this.#connection?.pc;
  }

  /** The primary data channel while one exists. */
  get channel(): RTCDataChannel | undefined {
    return this.#channel.channel;
  }

  /** Our streams by name. */
  get localStreams(): Map<string, MediaStream> {
    return new Map(this.#streams.entries());
  }

  /** The other side's streams by name. */
  get remoteStreams(): Map<string, MediaStream> {
    return new Map(this.#remote.entries());
  }

  /** Transfers under way, both directions. */
  get transfers(): FileTransfer[] {
    return [...this.#senders, ...this.#files.active];
  }

  /**
   * Starts (or answers) a connection with this peer. Both sides call it, typically on
   * `accepted/pair`; whichever is first waits for the other. Does nothing while already connected.
   */
  connect(options: ConnectOptions = {}): this {
    if (this.#connection) return this;
    if (this.peer.isMe || this.peer.socketId === 'server') {
      throw new TypeError('rtc.connect: WebRTC needs another peer');
    }
    this.#options = { ...this.#context.defaults, ...options };
    this.#polite = this.#options.polite ?? this.#context.me() < this.peer.socketId;
    this.#open();
    const hello = this.#pendingHello;
    this.#pendingHello = undefined;
    if (hello) this.#dispatch(hello);
    return this;
  }

  /** Ends the connection on both sides; streams added are forgotten (their tracks are yours). */
  close(): void {
    this.#connection?.session.bye();
    this.abort('local');
  }

  /** Resolves once connected; rejects if the engine closes first or after `timeout` ms. */
  whenConnected(timeout = 30_000): Promise<void> {
    if (this.#state === 'connected') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (error?: Error) => {
        clearTimeout(timer);
        this.off('connected', onConnected).off('close', onClose);
        if (error) reject(error);
        else resolve();
      };
      const onConnected = () => done();
      const onClose = (reason: RTCCloseReason) => done(new Error(`rtc: closed (${reason}) before connecting`));
      const timer = setTimeout(() => done(new Error(`rtc: not connected after ${timeout} ms`)), timeout);
      this.on('connected', onConnected).on('close', onClose);
    });
  }

  /** Restarts ICE now (new candidates, same connection); it also happens by itself on failure. */
  restartIce(): void {
    if (!this.#connection) return;
    this.emit('icerestart', 'manual');
    this.#connection.negotiator.restartIce();
  }

  /**
   * Sends `stream` to the other side under `name`; renegotiates. The same stream again changes
   * nothing; a different one under a known name replaces it (in place while connected: the other
   * side keeps one stream of that name).
   */
  addStream(name: string, stream: MediaStream, options?: AddStreamOptions): this {
    this.#streams.add(name, stream, options);
    return this;
  }

  /** Stops sending the stream `name`; renegotiates. False if there was none. */
  removeStream(name: string): boolean {
    return this.#streams.remove(name);
  }

  /** Sends `track` in place of the stream's track of the same kind, without renegotiating. */
  replaceTrack(name: string, track: MediaStreamTrack): Promise<void> {
    return this.#streams.replaceTrack(name, track);
  }

  /**
   * Changes bitrate, scale, framerate or `active` of a stream's track (video by default), per
   * layer with an array. No renegotiation.
   *
   * @example
   * await peer.rtc.setEncodings('cam', { maxBitrate: 300_000, scaleResolutionDownBy: 2 });
   */
  setEncodings(name: string, change: EncodingChange | EncodingChange[], kind?: 'audio' | 'video'): Promise<void> {
    return this.#streams.setEncodings(name, change, kind);
  }

  /** The encodings the browser uses now for a stream's track (video by default). */
  getEncodings(name: string, kind?: 'audio' | 'video'): RTCRtpEncodingParameters[] {
    return this.#streams.getEncodings(name, kind);
  }

  /** Sends on the primary data channel: JSON values, or binary (ArrayBuffer, typed array, Blob). */
  send(data: unknown): void {
    this.#channel.send(data);
  }

  /**
   * Sends a file over several data channels in parallel. Resolves once the other side has all of
   * it (it gets `file`); rejects with a `FileTransferError` if either side cancels, or the
   * connection breaks.
   *
   * @example
   * const controller = new AbortController();
   * await peer.rtc.sendFile(file, {
   *   onProgress: (t) => (bar.value = t.transferred / t.size),
   *   signal: controller.signal,
   * });
   */
  async sendFile(file: Blob, options: SendFileOptions = {}): Promise<void> {
    const pc = this.#connection?.pc;
    if (!pc) throw new Error('rtc.sendFile: not connected; call peer.rtc.connect() first');
    const sender = new FileSender(file, options, {
      progress: (transfer) => this.emit('file/progress', transfer),
      cancel: (error) => this.emit('file/cancel', error),
    });
    this.#senders.add(sender);
    try {
      await sender.run(pc);
    } finally {
      this.#senders.delete(sender);
    }
  }

  /** Statistics of the connection (`RTCPeerConnection.getStats`). */
  async getStats(): Promise<RTCStatsReport | undefined> {
    return this.#connection?.pc.getStats();
  }

  /** Tracks and streams that arrived before a late `track` or `stream` listener are replayed to it. */
  override on<K extends keyof RTCEngineEvents>(event: K, listener: RTCEngineEvents[K]): this {
    super.on(event, listener);
    if (event === 'track' || event === 'stream') this.#replay(event, listener);
    return this;
  }

  /** @internal Closes without telling the other side (it is gone, or we cannot reach it). */
  abort(reason: RTCCloseReason): void {
    if (reason === 'peer-gone') this.#pendingHello = undefined;
    if (!this.#connection) return;
    this.#teardown();
    this.#streams.clear();
    this.#setState('closed');
    this.emit('close', reason);
  }

  #open(): void {
    const options = this.#options;
    const pc = new RTCPeerConnection({
      ...options.configuration,
      iceServers: options.iceServers ?? DEFAULT_ICE_SERVERS,
    });
    const session = new SignalSession((message) => this.peer.signal(message));
    const negotiator = new Negotiator(pc, {
      polite: this.#polite,
      send: (body) => session.send(body),
      localStreams: () => this.#streams.names(),
      remoteStreams: (names) => this.#remote.setNames(names),
      described: (description, origin) => {
        // Every track a remote description brings has arrived once it is applied.
        if (origin === 'remote') this.#remote.flush();
        this.emit('negotiation', description, origin);
      },
      failed: (error) => this.#error(error),
    });
    const watchdog = new IceWatchdog(pc, {
      ...(options.disconnectedTimeout === undefined ? {} : { disconnectedTimeout: options.disconnectedTimeout }),
      restart: (reason) => {
        this.emit('icerestart', reason);
        negotiator.restartIce();
      },
    });
    this.#connection = { pc, session, negotiator, watchdog };
    pc.addEventListener('track', (event) => this.#remote.addTrack(event));
    pc.addEventListener('datachannel', ({ channel }) => this.#route(channel));
    pc.addEventListener('connectionstatechange', () => {
      if (this.#connection?.pc === pc) this.#setState(STATES[pc.connectionState]);
    });
    this.#streams.attach(pc);
    this.#channel.attach(pc, !this.#polite);
    session.start(this.#polite);
    this.#setState('connecting');
  }

  #teardown(): void {
    const connection = this.#connection;
    if (!connection) return;
    this.#connection = undefined;
    connection.session.close();
    connection.negotiator.close();
    connection.watchdog.close();
    this.#channel.detach();
    this.#streams.detach();
    for (const sender of this.#senders) sender.abandon();
    this.#files.abandonAll();
    for (const [name, stream] of this.#remote.entries()) this.emit('stream/removed', stream, name);
    this.#remote.clear();
    connection.pc.close();
  }

  #signal(data: unknown): void {
    const message = parseSignal(data);
    if (!message) return;
    if (this.#connection) {
      this.#dispatch(message);
    } else if (message.kind === 'hello' && message.to === undefined) {
      const fresh = this.#pendingHello?.from !== message.from;
      this.#pendingHello = message;
      if (fresh) this.emit('incoming');
    } else if (message.kind === 'bye' && this.#pendingHello?.from === message.from) {
      this.#pendingHello = undefined;
    }
  }

  #dispatch(message: SignalMessage): void {
    let connection = this.#connection!;
    const fit = connection.session.classify(message);
    if (fit === 'stale') return;
    if (fit === 'restarted') {
      if (message.kind === 'bye') return;
      // The other side made a new peer connection: ours belongs to its old one. Start over,
      // keeping our streams.
      this.#teardown();
      this.#open();
      connection = this.#connection!;
    }
    connection.session.receive(message, this.#polite);
    switch (message.kind) {
      case 'hello':
        if (message.polite === this.#polite) {
          const role = this.#polite ? 'polite' : 'impolite';
          this.#error(new Error(`rtc: both sides are ${role}; give exactly one side polite: true`));
        }
        return;
      case 'description':
      case 'candidate':
        connection.negotiator.receive(message);
        return;
      case 'bye':
        this.abort('remote');
        return;
    }
  }

  #route(channel: RTCDataChannel): void {
    if (channel.label === PRIMARY_LABEL) {
      this.#channel.adopt(channel);
      return;
    }
    const file = parseFileChannelLabel(channel.label);
    if (file) this.#files.adopt(channel, file.header);
    else this.emit('datachannel', channel);
  }

  #setState(state: RTCState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.emit('state', state);
    if (state === 'connected') this.emit('connected');
  }

  #error(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
    else this.#context.report(error);
  }

  #replay<K extends keyof RTCEngineEvents>(event: K, listener: RTCEngineEvents[K]): void {
    const call = listener as (...args: unknown[]) => void;
    const pending: unknown[][] =
      event === 'track'
        ? this.#remote.reported().map(([track, streams]) => [track, streams, streams[0] && this.#remote.nameOf(streams[0].id)])
        : this.#remote.entries().map(([name, stream]) => [stream, name]);
    if (pending.length === 0) return;
    queueMicrotask(() => {
      for (const args of pending) {
        // Only while it still listens (a `once` listener is gone after the first).
        if (!this.listeners(event).some((l) => l === listener || (l as { listener?: unknown }).listener === listener)) return;
        try {
          call(...args);
        } catch (error) {
          this.listenerFailed(error, event);
        }
      }
    });
  }
}
