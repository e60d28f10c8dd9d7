export { MWSE, MWSE as default } from './MWSE.js';
export type { MWSEEvents, Pairs, ReconnectOutcome, ServerInfo } from './MWSE.js';
export type { MWSEOptions } from './MWSEOptions.js';
export { MWSEError } from './MWSEError.js';
export { Peer } from './Peer.js';
export type { PeerEvents, RequestOptions } from './Peer.js';
export { PeerInfo } from './PeerInfo.js';
export { Room } from './Room.js';
export type { BroadcastCall, BroadcastFrame, JoinOptions, RoomEvents, RoomOptions } from './Room.js';
export { IncomingRequest } from './IncomingRequest.js';
export type { Sendable } from './Sendable.js';
export { Notification } from './Notification.js';
export type {
  NotificationAction,
  NotificationReply,
  NotifyOptions,
  NotifyResult,
} from './Notification.js';
export { RoomInfo } from './RoomInfo.js';
export { Emitter } from './Emitter.js';
export type { EventMap, ListenerErrorHandler } from './Emitter.js';
export type { BackoffOptions } from './Backoff.js';
export type { CloseInfo, ConnectionState } from './Connection.js';
export type { ConnectFailure } from './ConnectFailure.js';
export type { WebSocketConstructor, WebSocketLike } from './WebSocketLike.js';
export type {
  BroadcastEndReason,
  BroadcastSession,
  BroadcastSummary,
  IceServer,
  PublishPolicy,
  ErrorCode,
  JoinType,
  RoomDescription,
  RoomMode,
  RoomRole,
  RoomSummary,
  ServerLimits,
  SessionFlags,
  VirtualAddress,
} from '@mwse/protocol';
