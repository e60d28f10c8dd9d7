/**
 * The address a request came from. Behind reverse proxies every socket comes from the nearest
 * proxy, which appends the address it saw to `x-forwarded-for`. With `trustProxy` set to the
 * number of proxies you run in front (as Express's `trust proxy` hop count), the client is the
 * entry that many places from the right: each of your proxies appended one, and whatever stands
 * further left was written by the client and is never read. `0` ignores the header.
 *
 * @example
 * // client → nginx → MWSE: one proxy, the rightmost entry is what nginx saw.
 * clientAddress({ 'x-forwarded-for': '6.6.6.6, 203.0.113.9' }, '127.0.0.1', 1); // '203.0.113.9'
 */
export function clientAddress(
  headers: Record<string, string>,
  remoteAddress: string,
  trustProxy: number | boolean,
): string {
  const hops = trustedHops(trustProxy);
  const header = headers['x-forwarded-for'];
  if (hops > 0 && header !== undefined) {
    const entries = header
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
    // Fewer entries than proxies (a client that reached an inner proxy directly): every entry
    // there was still appended by one of yours, so the leftmost is the farthest known address.
    const entry = entries[Math.max(0, entries.length - hops)];
    if (entry !== undefined) return normalise(entry);
  }
  return normalise(remoteAddress);
}

/** `trustProxy` as a hop count; `true` from before it was one means one proxy. */
export function trustedHops(trustProxy: number | boolean): number {
  if (typeof trustProxy === 'boolean') return trustProxy ? 1 : 0;
  return Number.isFinite(trustProxy) && trustProxy > 0 ? Math.floor(trustProxy) : 0;
}

/** True when a proxy handled the request: it carries a forwarding header (nginx often sets only `x-real-ip`). */
export function isForwarded(headers: Record<string, string>): boolean {
  return headers['x-forwarded-for'] !== undefined || headers.forwarded !== undefined || headers['x-real-ip'] !== undefined;
}

/** uWS writes IPv4 peers as IPv4-mapped IPv6 (`::ffff:127.0.0.1`); ws may too. */
function normalise(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** True for 127.0.0.0/8 and ::1. */
export function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address === 'localhost';
}
