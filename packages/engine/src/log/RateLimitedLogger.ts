import type { Logger, LogLevel } from './Logger.js';

/** Distinct messages remembered at once; past it the oldest window is forgotten. */
const MAX_KEYS = 1024;

interface Window {
  start: number;
  count: number;
}

/** How often each distinct message may be logged. */
export interface LogRates {
  /** Lines per window of each error, warn and info message (default 10). */
  burst?: number;
  /** Lines per window of each debug message (default 1000): debug is asked for to see traffic. */
  debugBurst?: number;
  windowMs?: number;
}

/**
 * A logger that lets each distinct message (level + text; fields do not count) through at most
 * `burst` times per `windowMs`, and says how many it held back when the next window opens.
 * Clients can make the server log (refused frames, handler failures); they must not be able to
 * fill its disk or drown the one line that matters.
 */
export class RateLimitedLogger implements Logger {
  private readonly windows = new Map<string, Window>();

  private readonly burst: number;
  private readonly debugBurst: number;
  private readonly windowMs: number;

  constructor(
    private readonly inner: Logger,
    rates: LogRates = {},
    private readonly now: () => number = Date.now,
  ) {
    this.burst = rates.burst ?? 10;
    this.debugBurst = rates.debugBurst ?? 1000;
    this.windowMs = rates.windowMs ?? 60_000;
  }

  error(fields: Record<string, unknown>, message: string): void {
    this.log('error', fields, message);
  }
  warn(fields: Record<string, unknown>, message: string): void {
    this.log('warn', fields, message);
  }
  info(fields: Record<string, unknown>, message: string): void {
    this.log('info', fields, message);
  }
  debug(fields: Record<string, unknown>, message: string): void {
    this.log('debug', fields, message);
  }

  private log(level: LogLevel, fields: Record<string, unknown>, message: string): void {
    const key = `${level}\u0000${message}`;
    const burst = level === 'debug' ? this.debugBurst : this.burst;
    const now = this.now();
    let window = this.windows.get(key);
    if (window && now - window.start >= this.windowMs) {
      const suppressed = window.count - burst;
      this.windows.delete(key);
      window = undefined;
      if (suppressed > 0) this.inner[level]({ suppressed }, `${message} (repeated; ${suppressed} not logged)`);
    }
    if (!window) {
      if (this.windows.size >= MAX_KEYS) this.windows.delete(this.windows.keys().next().value!);
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    if (++window.count <= burst) this.inner[level](fields, message);
  }
}
