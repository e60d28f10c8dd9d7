/**
 * The contract between the broadcast service and a media server. MWSE never touches a media
 * packet: a backend takes one complete browser offer (SDP, ICE candidates gathered) per session
 * and returns the media server's answer. The service authorizes, keeps the session ↔ peer maps
 * and counts; a backend only talks to its media server.
 *
 * Every call gets an `AbortSignal` carrying the deadline (`MWSE_MEDIA_TIMEOUT`). A backend must
 * stop waiting when it fires; the service also races each call against it, so a backend that
 * forgets still cannot hang a client.
 */

/** Why a media call failed, as the client sees it (`MWSEError.code`). */
export type MediaErrorCode = 'media-unavailable' | 'media-refused' | 'not-live';

/** A failure a backend reports on purpose; anything else it throws counts as `media-unavailable`. */
export class MediaError extends Error {
  constructor(
    readonly code: MediaErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MediaError';
  }
}

/** One publish or one watch, as the media server knows it. */
export interface MediaSession {
  /** The backend's own handle (opaque to the service; passed back to `stop`). */
  id: string;
  /** The media server's SDP answer, ready for `setRemoteDescription`. */
  answer: string;
  /** URLs a player may use instead of WebRTC (HLS, HTTP-FLV), when the backend offers them. */
  urls?: Record<string, string>;
}

export interface PublishRequest {
  /** The MWSE room and stream name; a backend maps them to its own names. */
  room: string;
  name: string;
  /** The publisher's socket id (for the backend's logs and tokens; never trusted from the client). */
  peer: string;
  offer: string;
  signal: AbortSignal;
}

export interface WatchRequest {
  room: string;
  name: string;
  peer: string;
  offer: string;
  /** The publish this watch is for (its `MediaSession.id`). */
  publish: string;
  signal: AbortSignal;
}

/** A request a media server makes to MWSE (SRS `http_hooks`): the answer goes back as JSON. */
export interface MediaHookResult {
  status: number;
  body: unknown;
}

export interface MediaBackend {
  /** `janus`, `whip`, `srs`, `stub`… (shown in logs, `/metrics` and `GET /api/rooms`). */
  readonly kind: string;
  publish(request: PublishRequest): Promise<MediaSession>;
  watch(request: WatchRequest): Promise<MediaSession>;
  /** Free a session's resources; resolves when the media server confirmed or the signal fired. */
  stop(session: string, signal: AbortSignal): Promise<void>;
  /** Resolves when the media server answers, rejects otherwise (`/readyz`, start-up check). */
  health(signal: AbortSignal): Promise<void>;
  /**
   * The media server dropped a session on its own (it crashed, the connection to it was lost, it
   * timed the session out): the service ends the broadcast with `media-lost`.
   */
  onHangup(listener: (session: string) => void): void;
  /**
   * A hook call from the media server to `POST /api/media/hooks/:event` (SRS `http_hooks`); a
   * backend without hooks leaves it out and such calls are answered 404.
   */
  hook?(event: string, body: unknown): Promise<MediaHookResult>;
  /** Release every resource and connection (engine shutdown). */
  close(): Promise<void>;
}
