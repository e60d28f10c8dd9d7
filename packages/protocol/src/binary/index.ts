// Entry of `@mwse/protocol/binary`: the binary framing, free of zod so browser bundles stay small.
export { BinaryKind, RESPONSE_ERROR_FLAG, isBinaryKind } from './BinaryKind.js';
export { readClientHeader, type ClientHeader } from './header.js';
export { encodeServerBinary, decodeServerBinary, type FrameAllocator, type ServerBinaryFrame } from './serverBinary.js';
export { encodeClientBinary } from './clientBinary.js';
export { MAX_BINARY_ID, fitsBinaryId } from './headerFields.js';
// The name rules are zod-free, so they are exported here for the SDK as well as from the main entry.
export { roomNameError, peerIdError, type NameError } from '../nameErrors.js';
export { utf8Length } from '../utf8Length.js';
