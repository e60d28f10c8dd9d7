import { Connection } from './Connection.js';
import type { Source } from './connectionLimits.js';
import type { Dialect } from './Dialect.js';
import { openWebSocket } from './openWebSocket.js';

export interface OpenManyOptions {
  /**
   * Handshakes in progress at once: enough to be quick, few enough that the server is never
   * flooded (and the listen backlog never overflows into SYN retries, which cost a second each).
   */
  parallel?: number;
  /** What completes a connection: `greet` (ids learnt, direct traffic allowed) or just `hello`. */
  step?: 'greet' | 'hello';
  /** Picks each connection's source address and port (see connectionLimits.ts); default 127.0.0.1. */
  source?: () => Source;
  /** Per connection, handshake and greeting each. */
  timeoutMs?: number;
  /** Give up (close everything, reject) when opening all of them takes longer than this. */
  totalTimeoutMs?: number;
}

/** An explicit source port may be taken by some server: try the next few. */
const SOURCE_TRIES = 20;

async function openFrom(source: () => Source, port: number, path: string, timeoutMs: number) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await openWebSocket(port, path, { timeoutMs, ...source() });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= SOURCE_TRIES || (code !== 'EADDRINUSE' && code !== 'EADDRNOTAVAIL')) throw error;
    }
  }
}

/**
 * Open `count` connections to 127.0.0.1:`port` and set each up. A fixed number of workers each
 * open one connection after another, so `parallel` handshakes stay in flight until `count` is
 * reached. Any failure closes every connection opened so far and rejects.
 */
export async function openConnections(
  port: number,
  dialect: Dialect,
  count: number,
  { parallel = 50, step = 'greet', source = () => ({}), timeoutMs = 5000, totalTimeoutMs = 120_000 }: OpenManyOptions = {},
): Promise<Connection[]> {
  const conns: Connection[] = [];
  let next = 0;
  let error: unknown;
  const deadline = performance.now() + totalTimeoutMs;
  const worker = async () => {
    // Stops at `count`, or at the first failure anywhere (the others finish what is in flight).
    while (next < count && error === undefined) {
      next++;
      if (performance.now() > deadline) {
        error ??= new Error(`opened ${conns.length} of ${count} connections in ${totalTimeoutMs / 1000} s, gave up`);
        break;
      }
      try {
        const conn = new Connection(await openFrom(source, port, dialect.path, timeoutMs));
        conns.push(conn);
        conn.id = await (step === 'greet' ? dialect.greet(conn) : dialect.hello(conn));
      } catch (e) {
        error ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  if (error !== undefined) {
    for (const conn of conns) conn.close();
    throw error;
  }
  return conns;
}
