import type { Connection } from '../generator/Connection.js';
import type { Dialect } from '../generator/Dialect.js';
import { openConnections } from '../generator/openConnections.js';
import { makePack } from '../generator/payload.js';
import { probeRoom } from '../generator/probe.js';
import { measure, type Meter } from './measure.js';
import type { Workload } from './Workload.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function joinRooms(dialect: Dialect, groups: Connection[][]): Promise<void> {
  await Promise.all(
    groups.map(async (members, k) => {
      // The first member creates the room; the others join it together.
      await dialect.joinRoom(members[0]!, `bench-${k}`);
      await Promise.all(members.slice(1).map((m) => dialect.joinRoom(m, `bench-${k}`)));
    }),
  );
}

/**
 * Fan-out: the connections split into rooms of `size`; every member sends packs to its room.
 * Each message reaches size − 1 members, so a member sends one more message for every size − 1
 * it receives (closed loop), and starts with `window / (size − 1)` in flight: every connection
 * then has about `window` messages coming to it, as in the pairs workload.
 */
export function rooms(size: number): Workload {
  return async ({ server, dialect, options }) => {
    const conns = await openConnections(server.port, dialect, options.connections);
    try {
      const groups: Connection[][] = [];
      for (let i = 0; i + size <= conns.length; i += size) groups.push(conns.slice(i, i + size));
      if (groups.length === 0) throw new Error(`room of ${size} needs at least ${size} connections`);
      await joinRooms(dialect, groups);
      const pack = makePack();
      await Promise.all(groups.map((g, k) => probeRoom(dialect, `bench-${k}`, g, pack)));
      // Let late join notices (room/joined) arrive while frames are still decoded, not counted.
      await sleep(200);
      const meter: Meter = { delivered: 0 };
      const perMember = Math.max(1, Math.round(options.window / (size - 1)));
      const members = groups.flatMap((g, k) => g.map((conn) => ({ conn, room: `bench-${k}` })));
      for (const { conn, room } of members) {
        conn.load(dialect.packRoom(room, pack), perMember);
        conn.countOnly(dialect.keepAliveBytes);
        let credit = 0;
        conn.onCount = (n) => {
          meter.delivered += n;
          credit += n;
          const k = Math.floor(credit / (size - 1));
          credit -= k * (size - 1);
          if (k > 0) conn.sendLoaded(k);
        };
      }
      for (const { conn } of members) conn.sendLoaded(perMember);
      return await measure(server, meter, options.warmup, options.duration);
    } finally {
      for (const conn of conns) conn.close();
    }
  };
}
