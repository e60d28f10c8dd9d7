/**
 * Where the engine reports what happened: the shape of pino's methods (`logger.warn(fields, msg)`),
 * so a pino logger can be passed as is. Fields are plain data; an `err` field holds an Error.
 */
export interface Logger {
  error(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  debug(fields: Record<string, unknown>, message: string): void;
}

export type LogLevel = keyof Logger;

/** One line per event on stderr: `mwse <level>: <message> {fields}`. Debug is dropped. */
export const consoleLogger: Logger = {
  error: (fields, message) => write('error', fields, message),
  warn: (fields, message) => write('warn', fields, message),
  info: (fields, message) => write('info', fields, message),
  debug: () => {},
};

function write(level: LogLevel, fields: Record<string, unknown>, message: string): void {
  const { err, ...rest } = fields;
  const extra = Object.keys(rest).length > 0 ? ` ${safeJson(rest)}` : '';
  const error = err instanceof Error ? `\n${err.stack ?? err.message}` : '';
  console.error(`mwse ${level}: ${message}${extra}${error}`);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return '[unserialisable fields]';
  }
}
