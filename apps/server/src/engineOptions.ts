import type { EngineOptions } from '@mwse/engine';
import type { ServerConfig } from './config.js';

/**
 * The engine's options from the server configuration. Everything but the folders, logging and the
 * process-level settings (workers, the Redis persistence check) maps one to one (the config uses the
 * engine's option names).
 */
export function engineOptions(config: ServerConfig): EngineOptions {
  const {
    publicDir: _publicDir,
    sdkDir: _sdkDir,
    logLevel: _logLevel,
    logFormat: _logFormat,
    workers: _workers,
    redisVolatile: _redisVolatile,
    ...options
  } = config;
  return options;
}
