import { readFileSync } from 'node:fs';

/**
 * What the machine allows one process to hold open, for workloads with thousands of connections.
 * Node cannot raise its own limits, so the runner checks them first and says what to change.
 */

/** File descriptors besides the connections: stdio, the server pipes, libuv, node's own. */
const FD_MARGIN = 200;

/** The soft limit on open files of this process (`ulimit -n`), inherited by the servers. */
export function openFileLimit(): number {
  const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'latin1'));
  return !line || line[1] === 'unlimited' ? Infinity : Number(line[1]);
}

/**
 * Throws, saying what to raise, when `connections` sockets would not fit. The runner holds one
 * descriptor per connection and so does the server (a child of the runner, same limit).
 */
export function checkFileLimit(connections: number): void {
  const limit = openFileLimit();
  if (connections + FD_MARGIN <= limit) return;
  throw new Error(
    `${connections} connections need ${connections + FD_MARGIN} open files per process, ulimit -n is ${limit}: ` +
      `raise it (e.g. \`ulimit -n ${connections + 1000}\` in the shell that runs pnpm bench; the hard limit ` +
      `is in /etc/security/limits.conf or LimitNOFILE) or lower --idle-connections`,
  );
}

/** The kernel's range of ephemeral ports for outgoing connections (net.ipv4.ip_local_port_range). */
function ephemeralRange(): { low: number; high: number } {
  try {
    const range = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'latin1');
    const [low, high] = range.trim().split(/\s+/).map(Number);
    if (low! > 0 && high! >= low!) return { low: low!, high: high! };
  } catch {
    // not Linux, or no procfs: assume its defaults
  }
  return { low: 32_768, high: 60_999 };
}

/** Where one connection comes from; empty = 127.0.0.1 and a port the kernel picks. */
export interface Source {
  localAddress?: string;
  localPort?: number;
}

/** Lowest explicit source port: above the usual fixed service ports. */
const FIRST_PORT = 10_000;

/**
 * Source addresses and ports for `connections` connections to one server port. Each connection
 * from one address to one port needs its own port, and the kernel hands out ephemeral ports
 * slowly once they run short (bind() scans for a free one), so:
 * - up to half the ephemeral range (~14k by default) connections come from 127.0.0.1 and the
 *   kernel picks the port (connect() without bind: fast, and the rest is left to other programs);
 * - past that, every connection gets an explicit source: 127.0.0.2, 127.0.0.3, … (all of 127/8
 *   is loopback on Linux, nothing to set up) and a port *below* the ephemeral range, from 10000
 *   up, so the run never uses up the ports other programs on the machine connect from. A port
 *   some server listens on fails with EADDRINUSE and the caller takes the next one.
 * Returns the picker to call once per connection attempt, and how many addresses it uses.
 */
export function loopbackSources(connections: number): { next: () => Source; addresses: number } {
  const { low, high } = ephemeralRange();
  if (connections <= Math.floor((high - low + 1) / 2)) return { next: () => ({}), addresses: 1 };
  const portsPerAddress = Math.max(1, low - FIRST_PORT);
  // A few spare ports per address for the ones that turn out to be taken.
  const addresses = Math.ceil((connections * 1.05) / portsPerAddress);
  if (addresses > 250) throw new Error(`${connections} connections need more than 250 loopback source addresses`);
  let i = 0;
  return {
    addresses,
    next: () => {
      const port = FIRST_PORT + Math.floor(i / addresses);
      if (port >= low) throw new Error('out of explicit source ports: too many taken or retried');
      return { localAddress: `127.0.0.${(i++ % addresses) + 2}`, localPort: port };
    },
  };
}
