import { statSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import type { TransportName } from '@mwse/engine';
import { readBridge, type BridgeConfig } from './bridgeConfig.js';
import { readCluster, type ClusterConfig } from './clusterConfig.js';
import { defaultSdkDir } from './defaultSdkDir.js';
import { readLimits, type LimitsConfig } from './limitsConfig.js';
import { readStore, type StoreConfig } from './storeConfig.js';
import { readMedia, type MediaConfig } from './mediaConfig.js';
import { LOG_FORMATS, LOG_LEVELS, defaultLogFormat, type LogFormat, type ServerLogLevel } from './logging/createLogger.js';
import { parseChoice, parseDuration, parseInteger, type Parsed } from './parseValues.js';
import { variableReader, type Env } from './readVariable.js';
import { readTls, type TlsConfig } from './tlsConfig.js';

/** Everything the server needs to start, read from the environment by {@link loadConfig}. */
export interface ServerConfig extends LimitsConfig, BridgeConfig, TlsConfig, StoreConfig, ClusterConfig, MediaConfig {
  /** Bind address (`MWSE_HOST`). */
  host: string;
  /** Port; 0 picks a free one (`MWSE_PORT`). */
  port: number;
  /** Static files served at `/*`, absolute (`MWSE_PUBLIC_DIR`). */
  publicDir: string;
  /** Browser SDK served at `/sdk/*`, absolute (`MWSE_SDK_DIR`). */
  sdkDir: string;
  /** Messages waiting for a connection the transport stopped taking (`MWSE_OUTBOUND_BUFFER`). */
  outboundBuffer: number;
  /** Bytes waiting likewise (`MWSE_OUTBOUND_BUFFER_BYTES`). */
  outboundBufferBytes: number;
  /** Largest inbound frame in bytes (`MWSE_MAX_MESSAGE_SIZE`). */
  maxMessageSize: number;
  /** Heartbeat interval in ms (`MWSE_PING_INTERVAL`). */
  pingInterval: number;
  /** How long a session outlives its dropped socket, in ms; 0 turns resume off (`MWSE_RESUME_GRACE`). */
  resumeGrace: number;
  /** Frames and bytes kept for one session's client (`MWSE_REPLAY_FRAMES`, `MWSE_REPLAY_BYTES`); unset: the outbound bounds. */
  replayFrames: number | undefined;
  replayBytes: number | undefined;
  /** Longest graceful shutdown in ms (`MWSE_SHUTDOWN_TIMEOUT`). */
  shutdownTimeout: number;
  /** WebSocket library: `auto` takes uWebSockets.js when installed, else ws (`MWSE_TRANSPORT`). */
  transport: TransportName;
  /** Least severe level logged (`MWSE_LOG_LEVEL`). */
  logLevel: ServerLogLevel;
  /** `json` or `pretty` (`MWSE_LOG_FORMAT`; default pretty on a terminal, else json). */
  logFormat: LogFormat;
}

/** Where {@link loadConfig} resolves relative directories (default `process.cwd()`). */
export interface LoadConfigOptions {
  cwd?: string;
}

const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const TRANSPORTS = ['auto', 'uws', 'ws'] as const;
/** uWebSockets.js keeps the payload limit in a signed 32-bit int. */
const MAX_MESSAGE_SIZE_CEILING = 2_147_483_647;

/**
 * Read the server configuration from environment variables (SPEC §6; every variable is listed in
 * the README). Unset or empty variables take their defaults; a bad value throws a
 * {@link ConfigError} naming the variable.
 *
 * @example
 * const config = loadConfig(process.env);
 * const server = await startServer(config);
 */
export function loadConfig(env: Env = process.env, options: LoadConfigOptions = {}): ServerConfig {
  const cwd = options.cwd ?? process.cwd();
  const read = variableReader(env);
  const directory = (name: string, fallback: string): string =>
    read(name, fallback, (text) => checkDirectory(resolve(cwd, text)));

  const store = readStore(read, cwd);
  return {
    host: read('MWSE_HOST', '0.0.0.0', parseHost),
    port: read('MWSE_PORT', 7707, (text) => parseInteger(text, 0, 65_535)),
    // The defaults may be missing (nothing to serve then); a directory set on purpose must exist.
    publicDir: directory('MWSE_PUBLIC_DIR', resolve(cwd, 'public')),
    sdkDir: directory('MWSE_SDK_DIR', defaultSdkDir()),
    outboundBuffer: read('MWSE_OUTBOUND_BUFFER', 1024, (text) =>
      parseInteger(text, 1, Number.MAX_SAFE_INTEGER),
    ),
    outboundBufferBytes: read('MWSE_OUTBOUND_BUFFER_BYTES', 8_388_608, (text) =>
      parseInteger(text, 1, Number.MAX_SAFE_INTEGER),
    ),
    maxMessageSize: read('MWSE_MAX_MESSAGE_SIZE', 16_777_216, (text) =>
      parseInteger(text, 1, MAX_MESSAGE_SIZE_CEILING),
    ),
    pingInterval: read('MWSE_PING_INTERVAL', 10_000, (text) => parseDuration(text, { min: 1 })),
    resumeGrace: read('MWSE_RESUME_GRACE', 120_000, (text) => parseDuration(text)),
    replayFrames: read<number | undefined>('MWSE_REPLAY_FRAMES', undefined, (text) => parseInteger(text, 1, Number.MAX_SAFE_INTEGER)),
    replayBytes: read<number | undefined>('MWSE_REPLAY_BYTES', undefined, (text) => parseInteger(text, 1, Number.MAX_SAFE_INTEGER)),
    shutdownTimeout: read('MWSE_SHUTDOWN_TIMEOUT', 10_000, (text) => parseDuration(text)),
    transport: read('MWSE_TRANSPORT', 'auto', (text) => parseChoice(text, TRANSPORTS)),
    logLevel: read('MWSE_LOG_LEVEL', 'info', (text) => parseChoice(text, LOG_LEVELS)),
    logFormat: read('MWSE_LOG_FORMAT', defaultLogFormat(), (text) => parseChoice(text, LOG_FORMATS)),
    ...readLimits(read),
    ...readBridge(read),
    ...readTls(read, cwd),
    ...store,
    ...readCluster(read, store.store),
    ...readMedia(read),
  };
}

function parseHost(text: string): Parsed<string> {
  const host = text.trim();
  if (isIP(host) !== 0 || HOSTNAME.test(host)) return { ok: true, value: host };
  return { ok: false, reason: `"${text}" is not an IP address or host name` };
}

function checkDirectory(path: string): Parsed<string> {
  try {
    if (statSync(path).isDirectory()) return { ok: true, value: path };
    return { ok: false, reason: `${path} is not a directory` };
  } catch {
    return { ok: false, reason: `${path} does not exist` };
  }
}
