export { createEngine, Engine } from './Engine.js';
export { ENGINE_DEFAULTS, type EngineOptions, type TlsOptions, type TransportName } from './EngineOptions.js';
export type { ClusterOptions } from './cluster/ClusterOptions.js';
export { ENGINE_VERSION } from './version.js';
export { ListenError } from './transports/ListenError.js';
export { readTlsFiles, TlsConfigError, type TlsCredentials, type TlsField } from './transports/readTlsFiles.js';
export {
  HttpBodyTooLarge,
  type HttpHandler,
  type HttpRequest,
  type HttpResponse,
} from './http/HttpTypes.js';
export { consoleLogger, type Logger, type LogLevel } from './log/Logger.js';
export { MemoryStore } from './store/MemoryStore.js';
export { SqliteStore, type SqliteStoreOptions } from './store/SqliteStore.js';
export { RedisStore, RedisUnavailableError, type RedisStoreOptions } from './store/RedisStore.js';
export type { StoreOption } from './store/openStore.js';
export type {
  Awaitable,
  Inbox,
  KeyRecord,
  KeyRecords,
  NotificationBox,
  ReplyRoute,
  ReplyRoutes,
  Store,
  StoredEvent,
  WebhookJob,
  WebhookQueue,
} from './store/Store.js';
export type { NotificationQuotas, QuotaRefusal, StoredNotification } from './services/NotificationStore.js';
export { createWhipBackend, type WhipBackendOptions, type WhipTokenContext } from './broadcast/backends/whip.js';
export { createSrsBackend, srsStreamName, SRS_HOOK_EVENTS, type SrsBackendOptions } from './broadcast/backends/srs.js';
export type { WhipProbeOptions } from './broadcast/backends/whipSessions.js';
export { MediaError, type MediaBackend, type MediaErrorCode, type MediaHookResult, type MediaSession, type PublishRequest, type WatchRequest } from './broadcast/MediaBackend.js';
export type { MediaOptions, TurnOptions } from './broadcast/MediaOptions.js';
export { createMediaBackend, registerMediaBackend, mediaBackendNames, type MediaBackendFactory } from './broadcast/createMediaBackend.js';
export { JanusBackend, type JanusBackendOptions } from './broadcast/backends/JanusBackend.js';
export { StubBackend, type StubBackendOptions } from './broadcast/backends/StubBackend.js';
export { withDeadline } from './broadcast/withDeadline.js';
