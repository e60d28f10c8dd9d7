// Entry of `@mwse/protocol/binary`: the binary framing, free of zod so browser bundles stay small.
export { BinaryKind, RESPONSE_ERROR_FLAG, isBinaryKind } from './BinaryKind.js';
export { readClientHeader, type ClientHeader } from './header.js';
export { encodeServerBinary, decodeServerBinary, type ServerBinaryFrame } from './serverBinary.js';
export { encodeClientBinary } from './clientBinary.js';
