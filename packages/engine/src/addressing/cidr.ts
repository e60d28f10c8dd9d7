/** An IPv4 range as numbers: `base` is the network address, `size` the count of addresses. */
export interface Ipv4Range {
  base: number;
  size: number;
}

export function parseCidr(cidr: string): Ipv4Range {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  const octets = match?.slice(1, 5).map(Number);
  const bits = Number(match?.[5]);
  if (!octets || octets.some((o) => o > 255) || bits > 30) throw new Error(`not an IPv4 CIDR of /30 or wider: ${cidr}`);
  const size = 2 ** (32 - bits);
  const address = ((octets[0]! << 24) >>> 0) + (octets[1]! << 16) + (octets[2]! << 8) + octets[3]!;
  return { base: address - (address % size), size };
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
