import type { CloseCode, PROTOCOL_VERSION } from '@mwse/protocol';

// Values copied from @mwse/protocol instead of imported: importing any value from it pulls its zod
// schemas into browser bundles (its schema constructors are not side-effect free). The `typeof`
// annotations make `tsc` fail here if the protocol changes one of them.

/** The wire protocol version this SDK speaks. */
export const protocolVersion: typeof PROTOCOL_VERSION = 1;

/** Client asked to close. */
export const closeNormal: typeof CloseCode.Normal = 1000;

/**
 * Close codes after which the SDK does not reconnect: the server refused this client on purpose
 * (policy: refused by the bridge, or over its outbound queue) or for a frame that was too big, and
 * reconnecting would repeat the same refusal; or another connection resumed this session (4001),
 * and reconnecting would take it back and forth.
 */
export const closeCodesWithoutReconnect: ReadonlySet<number> = new Set<
  typeof CloseCode.PolicyViolation | typeof CloseCode.MessageTooBig | typeof CloseCode.SessionTaken
>([1008, 1009, 4001]);
