export { PROTOCOL_VERSION } from './version.js';
export { ErrorCode, isErrorCode } from './errorCodes.js';
export { CloseCode } from './closeCodes.js';
export { FieldLimits } from './limits.js';
export { roomNameError, peerIdError, type NameError } from './nameErrors.js';
export { utf8Length } from './utf8Length.js';
export {
  CorrelationId,
  PeerId,
  RoomName,
  InfoKey,
  Payload,
  JoinType,
  RoomMode,
  RoomRole,
  SessionFlags,
} from './primitives.js';
export {
  ClientFrame,
  CLIENT_FRAME_TYPES,
  ResponseError,
  type ClientFrameInput,
  type ClientFrameType,
  type ClientFrameOf,
} from './ClientFrame.js';
export {
  ServerFrame,
  ServerLimits,
  RoomDescription,
  PairList,
  RoomSummary,
  type ServerFrameType,
  type ServerFrameOf,
} from './ServerFrame.js';
export { Identity, NotifyAction, VirtualAddress } from './features.js';
export type { Codec, DecodeError, DecodeResult, WireData } from './Codec.js';
export { MAX_JSON_DEPTH, exceedsJsonDepth } from './jsonDepth.js';
export { jsonCodec, decodeClientFrame, decodeServerFrame } from './jsonCodec.js';
export { ApiBodies, type ApiError } from './api.js';
export { ResumeRefusal, MAX_RESUME_TOKEN_LENGTH } from './sessionFrames.js';
export {
  BroadcastName,
  BroadcastEndReason,
  BroadcastSession,
  BroadcastSummary,
  IceServer,
  PublishPolicy,
  MAX_SDP_LENGTH,
  MAX_BROADCAST_NAME,
} from './broadcastFrames.js';
