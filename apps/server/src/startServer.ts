import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createEngine, RedisUnavailableError, type Engine, type Logger } from '@mwse/engine';
import { ConfigError } from './ConfigError.js';
import type { ServerConfig } from './config.js';
import { defaultDemosDir } from './defaultDemosDir.js';
import { engineOptions } from './engineOptions.js';
import { createHttpHandler } from './http/createHttpHandler.js';
import { createLogger } from './logging/createLogger.js';
import { checkRedisPersistence, describePersistence } from './redisPersistence.js';
import { VERSION } from './version.js';

/** A running server, as {@link startServer} gives it back. */
export interface RunningServer {
  /** The engine underneath, for embedding (e.g. `sendFromServer`). */
  readonly engine: Engine;
  /** Bound address and port (the real one when the config asked for port 0). */
  readonly host: string;
  readonly port: number;
  /** The WebSocket library actually carrying connections. */
  readonly transport: 'uws' | 'ws';
  /** This node's id in cluster mode (`MWSE_NODE_ID`); undefined for a single node. */
  readonly nodeId: string | undefined;
  /** `ws://host:port` (`wss://` with TLS), for clients and logs. */
  readonly url: string;
  /**
   * `http://host:port/` (`https` with TLS), the landing page with links to the demos and Studio, for people. A
   * wildcard bind address (`0.0.0.0`, `::`) is shown as `localhost`, which a browser can open.
   */
  readonly pageUrl: string;
  /** Stop accepting and close every connection with 1001; resolves once all are closed or after `shutdownTimeout`. */
  close(): Promise<void>;
}

/**
 * Start the MWSE server: the engine with the WebSocket endpoint, the control plane (`/api/*`,
 * `/healthz`, `/readyz`, `/metrics`) and the file routes (`/sdk.js`, `/sdk/*`, `/demos/*`, static
 * files) on one port.
 *
 * @example
 * import { loadConfig, startServer } from '@mwse/server';
 * const server = await startServer({ ...loadConfig(process.env), port: 0 });
 * console.log(server.url);
 * await server.close();
 */
export async function startServer(config: ServerConfig): Promise<RunningServer> {
  if (typeof config.store === 'object' && 'sqlite' in config.store) makeDataDir(dirname(config.store.sqlite));
  const root = createLogger(config.logLevel, config.logFormat);
  // Lines of several nodes end up in one place: each says which node wrote it.
  const logger = config.cluster ? root.child({ node: config.cluster.nodeId }) : root;
  await checkRedis(config, logger);
  const engine = await createEngine({
    ...engineOptions(config),
    version: VERSION,
    logger,
    http: createHttpHandler({ publicDir: config.publicDir, sdkDir: config.sdkDir, demosDir: defaultDemosDir() }),
  }).catch((error: unknown) => {
    // A Redis that refuses at start is the operator's to fix: name the variable that points at it.
    if (error instanceof RedisUnavailableError) throw new ConfigError('MWSE_REDIS_URL', error.message);
    throw error;
  });
  const host = config.host;
  const port = engine.port;
  return {
    engine,
    host,
    port,
    transport: engine.transport,
    nodeId: config.cluster?.nodeId,
    url: `${config.tls ? 'wss' : 'ws'}://${hostPart(host)}:${port}`,
    pageUrl: `${config.tls ? 'https' : 'http'}://${hostPart(host === '0.0.0.0' || host === '::' ? 'localhost' : host)}:${port}/`,
    close: () => engine.close(),
  };
}

/** A host as it goes in a URL: IPv6 addresses in brackets. */
function hostPart(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** The data folder, made on first start (its parent was checked writable by the config). */
function makeDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new ConfigError('MWSE_DATA_DIR', `${dir} cannot be created: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The Redis the server uses, if any: the cluster's, else the store's. */
function redisUrlOf(config: ServerConfig): string | undefined {
  if (config.cluster) return config.cluster.redis;
  return typeof config.store === 'object' && 'redis' in config.store ? config.store.redis : undefined;
}

/**
 * Ask the Redis what it keeps on disk before using it (docs/cluster.md, Redis persistence). Without
 * the append-only file a Redis restart loses acknowledged state: cluster mode refuses to start
 * unless `MWSE_REDIS_VOLATILE=allow`, and then (and for a Redis used only as the store) warns.
 */
async function checkRedis(config: ServerConfig, logger: Logger): Promise<void> {
  const url = redisUrlOf(config);
  if (url === undefined) return;
  let persistence;
  try {
    persistence = await checkRedisPersistence(url);
  } catch (error) {
    throw new ConfigError('MWSE_REDIS_URL', `cannot use Redis at ${redacted(url)}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (persistence.aof) {
    if (persistence.fsync === 'no') logger.warn({ redis: redacted(url) }, 'Redis has appendfsync no: a crash of its machine may lose up to ~30 s of writes; use appendfsync everysec');
    return;
  }
  const what = `Redis at ${redacted(url)}: ${describePersistence(persistence)}`;
  if (config.cluster && config.redisVolatile === 'refuse') {
    throw new ConfigError(
      'MWSE_REDIS_URL',
      `${what}. Cluster sessions would be lost with it. Run Redis with appendonly yes (docs/cluster.md), or set MWSE_REDIS_VOLATILE=allow to start anyway`,
    );
  }
  const loses = config.cluster ? 'sessions, rooms, pairs and stored state' : 'stored notifications, keys, the inbox and webhook retries';
  logger.warn({ redis: redacted(url), persistence }, `NOT DURABLE: ${what}. A Redis restart loses ${loses}; run Redis with appendonly yes`);
}

/** `url` without its password, for messages and logs. */
function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an invalid URL)';
  }
}
