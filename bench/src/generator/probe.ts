import type { Connection } from './Connection.js';
import type { Dialect } from './Dialect.js';

/**
 * Before counting: send one real message on each route and wait until it arrives, decoded and
 * checked. Counting mode cannot tell a delivery from an error frame, so this proves the server
 * delivers what the workload sends (pair-auth off, rooms joined, ids right) before any number
 * is taken from it.
 */
export async function probeDirect(dialect: Dialect, from: Connection, to: Connection, pack: string): Promise<void> {
  const arrived = to.waitFor((msg) => dialect.isDelivery(msg, from.id));
  from.send(dialect.packTo(to.id, pack));
  await arrived;
}

export async function probeRoom(dialect: Dialect, room: string, members: Connection[], pack: string): Promise<void> {
  const [sender, ...others] = members;
  const arrived = others.map((m) => m.waitFor((msg) => dialect.isDelivery(msg, sender!.id, room)));
  sender!.send(dialect.packRoom(room, pack));
  await Promise.all(arrived);
}
