/**
 * Version of the MWSE wire protocol. Sent in the server's `hello`; bumped on any change a peer
 * of the previous version could misread.
 */
export const PROTOCOL_VERSION = 1;
