import type { IceServer } from '@mwse/protocol';
import type { MediaBackend } from './MediaBackend.js';

/** TURN REST credentials MWSE mints for each peer (coturn `use-auth-secret`). */
export interface TurnOptions {
  /** The shared secret (coturn `static-auth-secret`). */
  secret: string;
  /** The TURN URLs the credentials are for, e.g. `turn:turn.example.com:3478?transport=udp`. */
  urls: string[];
  /** Seconds a credential stays valid (default 3600). */
  ttl?: number;
}

/** Broadcast rooms' media (docs/broadcast.md); without it broadcast calls fail `media-unavailable`. */
export interface MediaOptions {
  /** A backend, or the name of a registered one (`janus`, `stub`, …) made with `options`. */
  backend: MediaBackend | string;
  /** The named backend's options (for `janus`: `{ url }`). */
  options?: Record<string, unknown>;
  /** Milliseconds every media-server call may take, connecting included (default 5000). */
  timeout?: number;
  /** ICE servers browsers make their offers with (STUN, static TURN). */
  iceServers?: IceServer[];
  /** TURN servers MWSE mints short-lived credentials for. */
  turn?: TurnOptions;
  /** Most live broadcasts in one room (default 16). */
  maxBroadcastsPerRoom?: number;
  /** Most sessions (publishes and watches) of one peer (default 8). */
  maxSessionsPerPeer?: number;
}
