import { readFileSync } from 'node:fs';

/**
 * The kernel's count of connections dropped because a listen backlog was full
 * (`TcpExt: ListenOverflows` in /proc/net/netstat). Each such drop costs the client a SYN
 * retry, one second or more, so a reconnect storm that overflows shows up here. The counter is
 * machine-wide (other processes count too); NaN where /proc is not readable.
 */
export function listenOverflows(): number {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
    for (let i = 0; i + 1 < lines.length; i += 2) {
      const names = lines[i]!.split(/\s+/);
      if (names[0] !== 'TcpExt:') continue;
      const values = lines[i + 1]!.split(/\s+/);
      const at = names.indexOf('ListenOverflows');
      return at === -1 ? Number.NaN : Number(values[at]);
    }
  } catch {
    // Not Linux, or no /proc: the figure is just not shown.
  }
  return Number.NaN;
}
