/** A `session/ack` exactly as the SDK writes it, up to its count. */
const ACK_PREFIX = '{"type":"session/ack","seq":';
/**
 * The whole of such an ack: a count of 1 to 16 digits (those of `Number.MAX_SAFE_INTEGER`), no
 * leading zero. One match of a compiled pattern costs less than `startsWith`, which V8 inlines
 * as a comparison per character, each a dispatch on how the string is stored.
 */
const ACK = /^\{"type":"session\/ack","seq":(?:0|[1-9][0-9]{0,15})\}$/;

/**
 * The count of a `session/ack` written exactly as the SDK writes it, `{"type":"session/ack","seq":N}`
 * with `N` a plain decimal integer (no sign, no leading zero, no exponent, no space) of at most
 * `Number.MAX_SAFE_INTEGER`, read without JSON or the schema: a resumable room member sends one
 * every few hundred frames it receives, so a busy room brings back more of them than it sends
 * frames. Anything else is undefined, for the ordinary decoder to accept or refuse: whatever this
 * reads, the schema reads the same.
 */
export function readAck(data: string): number | undefined {
  if (!ACK.test(data)) return undefined;
  const last = data.length - 1;
  let seq = 0;
  for (let i = ACK_PREFIX.length; i < last; i++) seq = seq * 10 + (data.charCodeAt(i) - 48);
  // Exact up to 15 digits; past 2^53 the last step rounds, but never to a safe integer.
  return seq <= Number.MAX_SAFE_INTEGER ? seq : undefined;
}
