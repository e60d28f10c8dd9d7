import { randomInt } from 'node:crypto';
import { MediaError, type MediaBackend, type MediaSession, type PublishRequest, type WatchRequest } from '../MediaBackend.js';
import { JanusConnection, type JanusMessage } from './JanusConnection.js';
import { alignExtmapIds, fixAnswerSetup, mediaOf } from './janusSdp.js';

export interface JanusBackendOptions {
  /** Janus's WebSocket API, e.g. `ws://127.0.0.1:8188`. */
  url: string;
  /** Address Janus forwards RTP to for its own Streaming plugin (itself): default 127.0.0.1. */
  forwardHost?: string;
  /** Milliseconds between keepalives; a keepalive unanswered for two intervals loses the connection. */
  keepalive?: number;
  /** VideoRoom/Streaming `admin_key`, when Janus is configured with one. */
  adminKey?: string;
  /** Most video bitrate a publisher may send, in bit/s (VideoRoom `bitrate`). */
  bitrate?: number;
}

interface Publish {
  kind: 'publish';
  id: string;
  room: number;
  mountpoint: number;
  /** The VideoRoom publisher handle. */
  handle: number;
  /** The Streaming handle that made the mountpoint (and destroys it). */
  streaming: number;
}

interface Watch {
  kind: 'watch';
  id: string;
  handle: number;
}

const VIDEOROOM = 'janus.plugin.videoroom';
const STREAMING = 'janus.plugin.streaming';
/** Payload types the forwarders rewrite to and the mountpoints announce. */
const PT = { video: 96, audio: 111 } as const;

/**
 * Janus 1.x (`janus-protocol` over WebSocket). A publish is a VideoRoom room with one publisher
 * (the browser's offer), `rtp_forward`ed into a Streaming mountpoint; a watch is a Streaming
 * handle that takes the viewer's offer. The video forwarder carries RTCP back (`rtcp_port` ↔ the
 * mountpoint's `rtcpport`), so a new viewer's PLI reaches the publisher and its first frame
 * comes at the next requested keyframe (~0.2 s), not the next periodic one (~6 s).
 */
export class JanusBackend implements MediaBackend {
  readonly kind = 'janus';
  private connection: JanusConnection | undefined;
  private connecting: Promise<JanusConnection> | undefined;
  private readonly sessions = new Map<string, Publish | Watch>();
  private readonly byHandle = new Map<number, string>();
  private readonly hangupListeners: ((session: string) => void)[] = [];
  private closed = false;

  constructor(private readonly options: JanusBackendOptions) {
    if (!/^wss?:\/\//.test(options.url)) throw new TypeError(`the Janus URL must be ws:// or wss://, not "${options.url}"`);
  }

  onHangup(listener: (session: string) => void): void {
    this.hangupListeners.push(listener);
  }

  async health(signal: AbortSignal): Promise<void> {
    const connection = await this.connect(signal);
    await connection.request({ janus: 'keepalive' }, signal, true);
  }

  async publish(request: PublishRequest): Promise<MediaSession> {
    const { signal } = request;
    const janus = await this.connect(signal);
    const tracks = mediaOf(request.offer).filter((m) => m.kind === 'audio' || m.kind === 'video');
    if (!tracks.some((t) => t.kind === 'video')) throw new MediaError('media-refused', 'the offer has no video');
    const id = `p${randomInt(2 ** 47)}`;
    const admin = this.admin();
    const made: Omit<Publish, 'kind' | 'id'> = { handle: 0, streaming: 0, room: 0, mountpoint: 0 };
    try {
      made.handle = await janus.attach(VIDEOROOM, signal, (m) => this.event(m));
      this.byHandle.set(made.handle, id);
      const room = randomInt(1, 2 ** 47);
      await janus.pluginRequest(made.handle, {
        request: 'create', room, publishers: 1, is_private: true, description: `${request.room}/${request.name}`,
        ...(this.options.bitrate ? { bitrate: this.options.bitrate } : {}), ...admin,
      }, signal);
      made.room = room;
      const joined = await janus.pluginEvent(made.handle, { request: 'join', ptype: 'publisher', room, display: request.peer }, signal);
      const published = await janus.pluginEvent(made.handle, { request: 'publish', audio: true, video: true }, signal, { type: 'offer', sdp: request.offer });
      if (!published.jsep) throw new MediaError('media-refused', 'Janus answered the publish without an SDP');
      const publisherId = joined.data.id;
      if (typeof publisherId !== 'number') throw new MediaError('media-unavailable', 'Janus gave the publisher no id');
      // The mountpoint, with its media ports picked by Janus (port 0) and read back.
      made.streaming = await janus.attach(STREAMING, signal, () => {});
      const mountpoint = randomInt(1, 2 ** 47);
      // Video first, then audio: the order Janus answers viewers in, and the order their offers have.
      const ordered = [...tracks].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'video' ? -1 : 1));
      const media = ordered.map((t) => ({
        type: t.kind, mid: t.mid, port: 0, pt: PT[t.kind as 'audio' | 'video'],
        codec: t.kind === 'video' ? 'vp8' : 'opus', ...(t.kind === 'video' ? { rtcpport: 0 } : {}),
      }));
      const created = await janus.pluginRequest(made.streaming, {
        request: 'create', type: 'rtp', id: mountpoint, is_private: true, name: `${request.room}/${request.name}`, media, ...admin,
      }, signal);
      made.mountpoint = mountpoint;
      const ports = new Map(
        ((created.stream as { ports?: { mid: string; port: number; rtcp_port?: number }[] } | undefined)?.ports ?? []).map((p) => [p.mid, p]),
      );
      await janus.pluginRequest(made.handle, {
        request: 'rtp_forward', room, publisher_id: publisherId, host: this.options.forwardHost ?? '127.0.0.1', ...admin,
        streams: tracks.map((t) => {
          const p = ports.get(t.mid);
          if (!p) throw new MediaError('media-unavailable', `Janus gave the mountpoint no port for mid ${t.mid}`);
          return { mid: t.mid, port: p.port, pt: PT[t.kind as 'audio' | 'video'], ...(p.rtcp_port ? { rtcp_port: p.rtcp_port } : {}) };
        }),
      }, signal);
      this.sessions.set(id, { kind: 'publish', id, ...made });
      return { id: `${id}.${mountpoint}`, answer: published.jsep.sdp };
    } catch (error) {
      this.byHandle.delete(made.handle);
      void this.undo(janus, made);
      throw error;
    }
  }

  async watch(request: WatchRequest): Promise<MediaSession> {
    const { signal } = request;
    const mountpoint = Number(request.publish.split('.')[1]);
    const janus = await this.connect(signal);
    const id = `w${randomInt(2 ** 47)}`;
    let handle = 0;
    try {
      handle = await janus.attach(STREAMING, signal, (m) => this.event(m));
      this.byHandle.set(handle, id);
      const watched = await janus.pluginEvent(handle, { request: 'watch', id: mountpoint }, signal, { type: 'offer', sdp: request.offer });
      if (!watched.jsep) throw new MediaError('media-refused', 'Janus answered the watch without an SDP');
      this.sessions.set(id, { kind: 'watch', id, handle });
      return { id, answer: alignExtmapIds(fixAnswerSetup(watched.jsep.sdp), request.offer) };
    } catch (error) {
      this.byHandle.delete(handle);
      if (handle) void janus.detach(handle, AbortSignal.timeout(2000));
      throw error;
    }
  }

  async stop(session: string, signal: AbortSignal): Promise<void> {
    const local = this.sessions.get(session.split('.')[0]!);
    if (!local) return;
    this.sessions.delete(local.id);
    this.byHandle.delete(local.handle);
    const janus = this.connection;
    if (!janus?.alive) return;
    if (local.kind === 'watch') {
      await janus.detach(local.handle, signal);
      return;
    }
    await this.undo(janus, local, signal);
  }

  async close(): Promise<void> {
    this.closed = true;
    const janus = this.connection;
    this.connection = undefined;
    if (janus?.alive) {
      const signal = AbortSignal.timeout(1000);
      await Promise.all([...this.sessions.keys()].map((id) => this.stop(id, signal).catch(() => {})));
      janus.close();
    }
    this.sessions.clear();
  }

  private admin(): Record<string, string> {
    return this.options.adminKey === undefined ? {} : { admin_key: this.options.adminKey };
  }

  /** Destroy a publish's mountpoint, its room (which stops the forwarders) and its handles. */
  private async undo(janus: JanusConnection, made: Omit<Publish, 'kind' | 'id'>, signal = AbortSignal.timeout(2000)): Promise<void> {
    if (!janus.alive) return;
    const admin = this.admin();
    if (made.mountpoint && made.streaming) await janus.pluginRequest(made.streaming, { request: 'destroy', id: made.mountpoint, ...admin }, signal).catch(() => {});
    if (made.room && made.handle) await janus.pluginRequest(made.handle, { request: 'destroy', room: made.room, ...admin }, signal).catch(() => {});
    if (made.streaming) await janus.detach(made.streaming, signal);
    if (made.handle) await janus.detach(made.handle, signal);
  }

  private event(message: JanusMessage): void {
    if (message.janus !== 'hangup' && message.janus !== 'detached') return;
    const id = message.sender === undefined ? undefined : this.byHandle.get(message.sender);
    if (id === undefined || !this.sessions.has(id)) return;
    this.hangUp(id);
  }

  /**
   * Janus dropped a session (or the connection to it is gone): the service is told, and what is
   * left of it on a Janus that still answers (a publish's room and mountpoint) is destroyed here,
   * since the service's later `stop` finds nothing to free.
   */
  private hangUp(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    this.byHandle.delete(session.handle);
    const name = session.kind === 'publish' ? `${id}.${session.mountpoint}` : id;
    const janus = this.connection;
    if (janus?.alive) {
      if (session.kind === 'publish') void this.undo(janus, session);
      else void janus.detach(session.handle, AbortSignal.timeout(2000));
    }
    for (const listener of this.hangupListeners) listener(name);
  }

  private connect(signal: AbortSignal): Promise<JanusConnection> {
    if (this.closed) return Promise.reject(new MediaError('media-unavailable', 'the Janus backend is closed'));
    if (this.connection?.alive) return Promise.resolve(this.connection);
    this.connecting ??= JanusConnection.open(this.options.url, signal, this.options.keepalive ?? 2000, (reason) => this.lost(reason))
      .then((connection) => {
        this.connection = connection;
        return connection;
      })
      .finally(() => {
        this.connecting = undefined;
      });
    return this.connecting;
  }

  /** The socket to Janus is gone: every session on it is gone too. */
  private lost(reason: string): void {
    void reason;
    this.connection = undefined;
    for (const id of [...this.sessions.keys()]) this.hangUp(id);
  }
}
