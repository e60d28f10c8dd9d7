import type { Dialect } from './Dialect.js';
import { allowDirect } from './mwseDialect.js';

/**
 * The same MWSE dialect against a server that keeps sessions (`resumeGrace` > 0): after the
 * hello the connection acks what it received as the SDK does, and the server's acks (about 35
 * bytes, so still decoded in count mode) are not counted as deliveries.
 */
export function withSessionAcks(dialect: Dialect): Dialect {
  const hello: Dialect['hello'] = async (conn) => {
    const id = await dialect.hello(conn);
    conn.ackSession();
    return id;
  };
  return {
    ...dialect,
    name: `${dialect.name}-resume`,
    keepAliveBytes: Math.max(dialect.keepAliveBytes, 48),
    hello,
    greet: async (conn) => {
      const id = await hello(conn);
      await allowDirect(conn);
      return id;
    },
  };
}
