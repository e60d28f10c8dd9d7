import { pino, type Logger as Pino } from 'pino';
import { prettyStream } from './prettyStream.js';

/** Levels `MWSE_LOG_LEVEL` takes; `silent` logs nothing. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type ServerLogLevel = (typeof LOG_LEVELS)[number];

/** `json`: one pino JSON object per line; `pretty`: one short line for people. */
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** The format when `MWSE_LOG_FORMAT` is unset: people read a terminal, machines read the rest. */
export function defaultLogFormat(stream: { isTTY?: boolean } = process.stderr): LogFormat {
  return stream.isTTY ? 'pretty' : 'json';
}

/**
 * The server's logger: pino writing to stderr (stdout carries the start line that scripts read).
 * The engine rate-limits what it sends here, so clients cannot flood it.
 */
export function createLogger(
  level: ServerLogLevel,
  format: LogFormat,
  destination: { write(line: string): unknown } = process.stderr,
): Pino {
  const options = { level, base: { name: 'mwse' } };
  return pino(options, format === 'pretty' ? prettyStream(destination) : destination);
}
