/**
 * The address a request came from. Behind a reverse proxy every socket comes from the proxy, so
 * when `trustProxy` is set the first `x-forwarded-for` entry is used instead. Only set it when a
 * proxy you run always overwrites that header: otherwise clients can claim any address.
 */
export function clientAddress(
  headers: Record<string, string>,
  remoteAddress: string,
  trustProxy: boolean,
): string {
  if (trustProxy) {
    const forwarded = headers['x-forwarded-for']?.split(',')[0]?.trim();
    if (forwarded) return forwarded;
  }
  return normalise(remoteAddress);
}

/** uWS writes IPv4 peers as IPv4-mapped IPv6 (`::ffff:127.0.0.1`); ws may too. */
function normalise(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** True for 127.0.0.0/8 and ::1. */
export function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address === 'localhost';
}
