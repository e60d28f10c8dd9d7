import { openConnections } from '../generator/openConnections.js';
import { makePack } from '../generator/payload.js';
import { probeDirect } from '../generator/probe.js';
import { measure, type Meter } from './measure.js';
import type { Workload } from './Workload.js';

/**
 * The main workload: connections in pairs, each sending small packs to its partner with a
 * fixed window in flight. Closed loop: every message a connection receives lets it send one
 * more, so the offered load follows what the server delivers and never piles up.
 */
export const pairs: Workload = async ({ server, dialect, options }) => {
  const conns = await openConnections(server.port, dialect, options.connections);
  try {
    const meter: Meter = { delivered: 0 };
    const pack = makePack();
    const probes: Promise<void>[] = [];
    for (let i = 0; i < conns.length; i += 2) {
      const [a, b] = [conns[i]!, conns[i + 1]!];
      a.load(dialect.packTo(b.id, pack), options.window);
      b.load(dialect.packTo(a.id, pack), options.window);
      probes.push(probeDirect(dialect, a, b, pack), probeDirect(dialect, b, a, pack));
    }
    await Promise.all(probes);
    for (const conn of conns) {
      conn.countOnly(dialect.keepAliveBytes);
      conn.onCount = (n) => {
        meter.delivered += n;
        conn.sendLoaded(n);
      };
    }
    for (const conn of conns) conn.sendLoaded(options.window);
    return await measure(server, meter, options.warmup, options.duration);
  } finally {
    for (const conn of conns) conn.close();
  }
};
