/** A `session/ack` exactly as the SDK writes it, up to its count. */
const ACK_PREFIX = '{"type":"session/ack","seq":';
/** Digits of `Number.MAX_SAFE_INTEGER`, the largest count the schema takes. */
const MAX_DIGITS = 16;

/**
 * The count of a `session/ack` written exactly as the SDK writes it, `{"type":"session/ack","seq":N}`
 * with `N` a plain decimal integer (no sign, no leading zero, no exponent, no space) of at most
 * `Number.MAX_SAFE_INTEGER`, read without JSON or the schema: a resumable room member sends one
 * every few hundred frames it receives, so a busy room brings back more of them than it sends
 * frames. Anything else is undefined, for the ordinary decoder to accept or refuse: whatever this
 * reads, the schema reads the same.
 */
export function readAck(data: string): number | undefined {
  const last = data.length - 1;
  const first = ACK_PREFIX.length;
  const digits = last - first;
  if (digits < 1 || digits > MAX_DIGITS || data.charCodeAt(last) !== 125 /* } */ || !data.startsWith(ACK_PREFIX)) return undefined;
  // A leading zero is not JSON, except for 0 itself.
  if (digits > 1 && data.charCodeAt(first) === 48) return undefined;
  let seq = 0;
  for (let i = first; i < last; i++) {
    const digit = data.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return undefined;
    seq = seq * 10 + digit;
  }
  // Exact up to 15 digits; past 2^53 the last step rounds, but never to a safe integer.
  return seq <= Number.MAX_SAFE_INTEGER ? seq : undefined;
}
