import { randomBytes } from 'node:crypto';
import { availableParallelism, hostname } from 'node:os';
import { ConfigError } from './ConfigError.js';
import { parseChoice, parseFlag, parseInteger, type Parsed } from './parseValues.js';
import type { ReadVariable } from './readVariable.js';
import { parseRedisUrl, type StoreConfig } from './storeConfig.js';

/** How the server runs alongside others (docs/cluster.md, Configuration). */
export interface ClusterConfig {
  /**
   * Cluster mode: every server on this Redis acts as one (`MWSE_REDIS_URL` set and `MWSE_CLUSTER`
   * not `off`). Undefined: a single node.
   */
  cluster: { redis: string; nodeId: string } | undefined;
  /** Share the port with other cluster nodes on this host (`MWSE_REUSE_PORT`, cluster mode only). */
  reusePort: boolean;
  /** Processes `mwse-server` forks on one port (`MWSE_WORKERS`, `--workers`; more than 1 needs cluster mode). */
  workers: number;
  /** `allow`: start on a Redis that keeps nothing on disk, with a warning; `refuse` (default) stops start-up. */
  redisVolatile: 'refuse' | 'allow';
}

/** Node ids go into Redis keys and channel names: short, plain characters. */
const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
/** Enough processes for any machine this runs on, few enough that a typo does not fork a thousand. */
export const MAX_WORKERS = 256;

/**
 * Read {@link ClusterConfig}; `store` is what `readStore` gave. Throws a
 * `ConfigError` naming `MWSE_CLUSTER`, `MWSE_NODE_ID`, `MWSE_STORE`, `MWSE_REUSE_PORT`,
 * `MWSE_WORKERS` or `MWSE_REDIS_VOLATILE`.
 */
export function readCluster(read: ReadVariable, store: StoreConfig['store']): ClusterConfig {
  const redisUrl = read<string | undefined>('MWSE_REDIS_URL', undefined, parseRedisUrl);
  const on = read('MWSE_CLUSTER', redisUrl !== undefined, parseFlag);
  const nodeId = read('MWSE_NODE_ID', defaultNodeId(), parseNodeId);
  const reusePort = read('MWSE_REUSE_PORT', false, parseFlag);
  const workers = read('MWSE_WORKERS', 1, parseWorkers);
  const redisVolatile = read('MWSE_REDIS_VOLATILE', 'refuse', (text) => parseChoice(text.toLowerCase(), ['refuse', 'allow'] as const));
  if (!on) {
    // Sharing a port without sharing state would split users between servers that cannot reach each other.
    if (reusePort) throw new ConfigError('MWSE_REUSE_PORT', 'needs cluster mode (set MWSE_REDIS_URL): without it the servers on the port would not know each other');
    if (workers > 1) throw new ConfigError('MWSE_WORKERS', 'more than 1 needs cluster mode (set MWSE_REDIS_URL): without it the workers would not know each other');
    return { cluster: undefined, reusePort, workers, redisVolatile };
  }
  if (redisUrl === undefined) throw new ConfigError('MWSE_CLUSTER', 'cluster mode needs MWSE_REDIS_URL (for example redis://127.0.0.1:6379/0)');
  if (typeof store !== 'object' || !('redis' in store)) {
    // Each node would keep its own notifications and keys: a user would see different ones per node.
    throw new ConfigError('MWSE_STORE', 'must be redis in cluster mode (every node reads the same store); set MWSE_CLUSTER=off to run one server with this store');
  }
  return { cluster: { redis: redisUrl, nodeId }, reusePort, workers, redisVolatile };
}

/**
 * The host name (so logs and Redis say where a node runs) and 8 random hex digits (so two
 * processes on one host, or a restarted one, never share an id).
 */
export function defaultNodeId(host: string = hostname()): string {
  const base = host.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 40);
  const random = randomBytes(4).toString('hex');
  return base ? `${base}-${random}` : `node-${random}`;
}

function parseNodeId(text: string): Parsed<string> {
  const value = text.trim();
  if (NODE_ID.test(value)) return { ok: true, value };
  return { ok: false, reason: `"${text}" is not a node id (1–100 of A-Z a-z 0-9 . _ -, starting with a letter or digit)` };
}

/** A count, or `auto` for one per core this process may use. */
function parseWorkers(text: string): Parsed<number> {
  if (text.trim().toLowerCase() === 'auto') return { ok: true, value: Math.min(availableParallelism(), MAX_WORKERS) };
  return parseInteger(text, 1, MAX_WORKERS);
}
