import { describe, expect, it } from 'vitest';
import type { Logger } from './Logger.js';
import { RateLimitedLogger } from './RateLimitedLogger.js';

function recorder() {
  const lines: string[] = [];
  const record = (level: string) => (_fields: Record<string, unknown>, message: string) => void lines.push(`${level} ${message}`);
  const logger: Logger = { error: record('error'), warn: record('warn'), info: record('info'), debug: record('debug') };
  return { logger, lines };
}

describe('RateLimitedLogger', () => {
  it('lets each message through `burst` times a window, then says how many it held back', () => {
    let now = 0;
    const { logger, lines } = recorder();
    const log = new RateLimitedLogger(logger, { burst: 3, windowMs: 1000 }, () => now);
    for (let i = 0; i < 100; i++) log.warn({ i }, 'handler failed');
    log.warn({}, 'another message');
    expect(lines).toEqual(['warn handler failed', 'warn handler failed', 'warn handler failed', 'warn another message']);
    now = 1000;
    log.warn({}, 'handler failed');
    expect(lines.slice(4)).toEqual(['warn handler failed (repeated; 97 not logged)', 'warn handler failed']);
  });

  it('counts levels apart and forgets the oldest message past its key bound', () => {
    const { logger, lines } = recorder();
    const log = new RateLimitedLogger(logger, { burst: 1, debugBurst: 1, windowMs: 1000 }, () => 0);
    log.error({}, 'x');
    log.info({}, 'x');
    for (let i = 0; i < 5000; i++) log.debug({}, `distinct ${i}`);
    expect(lines.length).toBe(5002);
    expect((log as unknown as { windows: Map<string, unknown> }).windows.size).toBeLessThanOrEqual(1024);
  });
});
