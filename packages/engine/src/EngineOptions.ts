import type { MediaOptions } from './broadcast/MediaOptions.js';
import type { HttpHandler } from './http/HttpTypes.js';
import type { Logger } from './log/Logger.js';
import type { ClusterOptions } from './cluster/ClusterOptions.js';
import type { StoreOption } from './store/openStore.js';

/** Which WebSocket library carries the connections. `auto` picks uWebSockets.js when it loads. */
export type TransportName = 'auto' | 'uws' | 'ws';

/**
 * TLS on the engine's own port, as PEM file paths (uWebSockets.js reads its files itself, so
 * paths are what both transports can take). WebSocket clients then use `wss://` and the HTTP
 * routes answer over `https://`; plain `ws://` and `http://` are no longer served there.
 */
export interface TlsOptions {
  /** PEM certificate; the intermediates follow the server's own certificate in the same file. */
  certFile: string;
  /** PEM private key of that certificate. */
  keyFile: string;
  /** Passphrase of an encrypted key. */
  passphrase?: string;
}

/** Options of {@link createEngine}. Durations are in milliseconds unless named otherwise. */
export interface EngineOptions {
  /** Bind address (default `0.0.0.0`). */
  host?: string;
  /** Port; `0` picks a free one, read it back from `engine.port` (default 7707). */
  port?: number;
  transport?: TransportName;
  /** Serve `wss://` and `https://` instead of `ws://` and `http://` (default: off). */
  tls?: TlsOptions;
  /**
   * Messages that may wait for one connection once its transport stopped taking more; past it
   * the connection is a slow consumer, closed with 1008 (default 1024).
   */
  outboundBuffer?: number;
  /** Bytes that may wait likewise (default 8 MiB); a single larger message still goes. */
  outboundBufferBytes?: number;
  /**
   * Milliseconds a session outlives its WebSocket: a client that reconnects within it gets the
   * same socket id, relations and rooms back, and every frame it missed (docs/sessions.md).
   * 0 turns resume off: a dropped socket ends its session at once (default 0 in the library, so
   * an engine behaves as before unless asked; `mwse-server` defaults to 120 s, `MWSE_RESUME_GRACE`).
   */
  resumeGrace?: number;
  /**
   * Frames and bytes kept for one session that its client has not acknowledged yet, and kept for
   * it while it is away; past them an away session ends (defaults: `outboundBuffer` and
   * `outboundBufferBytes`).
   */
  replayFrames?: number;
  replayBytes?: number;
  /** Largest inbound frame in bytes; larger ones close the connection with 1009 (default 16 MiB). */
  maxMessageSize?: number;
  /** Heartbeat ping interval; silent past two intervals means dead (default 10 s). */
  pingInterval?: number;
  /** How long `close()` waits for connections to finish closing (default 10 s). */
  shutdownTimeout?: number;
  /** Info pool limits per peer (defaults 64 keys, 16 KiB of JSON). */
  maxInfoKeys?: number;
  maxInfoBytes?: number;
  /** Room info pool limits per room (defaults 64 keys, 64 KiB of JSON). */
  maxRoomInfoKeys?: number;
  maxRoomInfoBytes?: number;
  /** Requests one peer may have in flight (default 4096). */
  maxPendingRequests?: number;
  /** Rooms one peer may be in (default 256). */
  maxRoomsPerPeer?: number;

  /** Origins allowed to connect; empty allows all (default []). Clients without Origin pass. */
  allowedOrigins?: string[];
  /** Open connections per client address (default 128). */
  maxConnectionsPerAddress?: number;
  /**
   * Reverse proxies of yours in front of the engine (default 0: `x-forwarded-for` is ignored).
   * With N, the client address is the Nth `x-forwarded-for` entry from the right, as Express's
   * `trust proxy` hop count; `true` means 1. Forwarded requests never count as loopback.
   */
  trustProxy?: number | boolean;
  /** Frames per second per connection; 0 turns the limit off (default 5000). */
  rateLimit?: number;
  /** Frames a connection may send in a burst above the rate (default 10000). */
  rateBurst?: number;

  /** Virtual IPv4 range for peers (default 10.0.0.0/9). */
  peersNetwork?: string;
  /** Virtual IPv4 range carved into /24s for rooms (default 10.128.0.0/9). */
  roomsNetwork?: string;

  /** Seconds a notification waits for an offline identity unless it says otherwise (default 1 day). */
  notifyDefaultTtl?: number;
  /**
   * Stored notifications per recipient identity, per sender (its identity, else its client
   * address), and in all (defaults 100, 1000, 100 000).
   */
  notifyMaxPerIdentity?: number;
  notifyMaxPerSender?: number;
  notifyMaxStored?: number;
  /**
   * The same bounds in bytes of stored (encoded) notification frames: per recipient identity, per
   * sender, and in all (defaults 4 MiB, 16 MiB, 256 MiB). A notification larger than the smallest
   * of them is refused with `too-large`.
   */
  notifyMaxBytesPerIdentity?: number;
  notifyMaxBytesPerSender?: number;
  notifyMaxBytesStored?: number;
  /**
   * Room password checks (scrypt) running at once, in all and per connection (defaults 2 and 1).
   * scrypt runs on libuv's thread pool (4 threads unless `UV_THREADPOOL_SIZE` says otherwise),
   * which file reads and DNS lookups share: keep the global bound below the pool's size.
   */
  maxPasswordChecks?: number;
  maxPasswordChecksPerPeer?: number;

  /** The app server's approval endpoint; every handshake is POSTed there (fail-closed). */
  approveUrl?: string;
  approveTimeout?: number;
  maxPendingApprovals?: number;
  /** Handshake headers forwarded to the approver (default user-agent, cookie, authorization). */
  approveHeaders?: string[];
  /** Where notification replies are POSTed, signed with `bridgeSecret`. */
  triggerUrl?: string;
  bridgeSecret?: string;
  triggerMaxAttempts?: number;
  triggerRetryDelay?: number;
  triggerTimeout?: number;
  triggerMaxInFlight?: number;
  /** Queue bridge events for `POST /api/bridge/inbox` (default false), at most `inboxSize`. */
  inbox?: boolean;
  inboxSize?: number;

  /**
   * Where stored notifications, reply routes, API keys, the bridge inbox and webhook retries are
   * kept (docs/storage.md): `memory` (default; an embedded engine writes no files),
   * `{ sqlite: path }` for a durable file, `{ redis: url }` for a Redis shared by engines (needs
   * `ioredis`), or a `Store` instance.
   */
  store?: StoreOption;
  /** Act as one server with every engine on the same Redis (docs/cluster.md). Default: a single node. */
  cluster?: ClusterOptions;
  /**
   * Share the port with other processes that ask for it too (SO_REUSEPORT; the kernel spreads new
   * connections between them), so the cluster nodes of one machine can use all its cores
   * (docs/cluster.md). Needs `cluster`: engines that do not share state must not share a port.
   * uWebSockets.js does it anywhere; ws only inside `node:cluster` workers on Node 20 (Node's own
   * sharing), or on Node 22.12 and later. Default `false`: a taken port fails with `EADDRINUSE`.
   */
  reusePort?: boolean;

  /** Bearer token that allows minting API keys from non-loopback addresses. */
  adminToken?: string;
  /** Largest HTTP API request body in bytes (default 64 KiB). */
  apiBodyLimit?: number;

  /** Answers plain HTTP requests the control plane does not own, on the same port. */
  http?: HttpHandler;
  /** Version announced in the hello (default: the engine's own). */
  version?: string;
  /**
   * Where the engine logs (pino's method shape; a pino logger fits). Repeated identical
   * messages are rate-limited before they reach it. Default: one line each on stderr.
   */
  logger?: Logger;
  /**
   * Broadcast rooms' media server (docs/broadcast.md): a backend (or its registered name and
   * options), the deadline of every call, ICE servers and TURN credentials for browsers. Without
   * it, `broadcast/publish` and `broadcast/watch` fail with `media-unavailable`.
   */
  media?: MediaOptions;
}

type OptionalKeys =
  | 'tls'
  | 'http'
  | 'approveUrl'
  | 'triggerUrl'
  | 'bridgeSecret'
  | 'adminToken'
  | 'logger'
  | 'replayFrames'
  | 'replayBytes'
  | 'cluster'
  | 'media';

/** {@link EngineOptions} with every default filled in. */
export type ResolvedEngineOptions = Required<Omit<EngineOptions, OptionalKeys>> &
  Pick<EngineOptions, OptionalKeys>;

/** Default values of {@link EngineOptions}, as SPEC §6 gives them where it does. */
export const ENGINE_DEFAULTS = {
  host: '0.0.0.0',
  port: 7707,
  transport: 'auto',
  outboundBuffer: 1024,
  outboundBufferBytes: 8 * 1024 * 1024,
  resumeGrace: 0,
  maxMessageSize: 16 * 1024 * 1024,
  pingInterval: 10_000,
  shutdownTimeout: 10_000,
  maxInfoKeys: 64,
  maxInfoBytes: 16 * 1024,
  maxRoomInfoKeys: 64,
  maxRoomInfoBytes: 64 * 1024,
  maxPendingRequests: 4096,
  maxRoomsPerPeer: 256,
  allowedOrigins: [],
  maxConnectionsPerAddress: 128,
  trustProxy: 0,
  rateLimit: 5000,
  rateBurst: 10_000,
  peersNetwork: '10.0.0.0/9',
  roomsNetwork: '10.128.0.0/9',
  notifyDefaultTtl: 24 * 3600,
  notifyMaxPerIdentity: 100,
  notifyMaxPerSender: 1000,
  notifyMaxStored: 100_000,
  notifyMaxBytesPerIdentity: 4 * 1024 * 1024,
  notifyMaxBytesPerSender: 16 * 1024 * 1024,
  notifyMaxBytesStored: 256 * 1024 * 1024,
  maxPasswordChecks: 2,
  maxPasswordChecksPerPeer: 1,
  approveTimeout: 3000,
  maxPendingApprovals: 64,
  approveHeaders: ['user-agent', 'cookie', 'authorization'],
  triggerMaxAttempts: 5,
  triggerRetryDelay: 500,
  triggerTimeout: 5000,
  triggerMaxInFlight: 1000,
  inbox: false,
  inboxSize: 10_000,
  apiBodyLimit: 64 * 1024,
  store: 'memory',
  reusePort: false,
} as const satisfies Omit<ResolvedEngineOptions, 'version' | OptionalKeys>;
