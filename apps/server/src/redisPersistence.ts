import { createRequire } from 'node:module';

/** What a Redis keeps on disk, as {@link checkRedisPersistence} found out. */
export interface RedisPersistence {
  /** `appendonly yes`: every write reaches the append-only file (with `appendfsync`'s delay). */
  aof: boolean;
  /** `appendfsync` (`always`, `everysec`, `no`), when CONFIG could be read. */
  fsync?: string;
  /** RDB save points (`save`), when CONFIG could be read: `''` means no snapshots. */
  save?: string;
  /**
   * `config`: read with CONFIG GET; `info`: CONFIG is disabled, read from INFO persistence (AOF
   * only); `unknown`: both are disabled or denied to this user (taken as AOF off).
   */
  source: 'config' | 'info' | 'unknown';
}

/** The part of ioredis used here. */
interface RedisClient {
  call(command: string, ...args: string[]): Promise<unknown>;
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: 'error', listener: (error: Error) => void): unknown;
}
type RedisConstructor = new (url: string, options: Record<string, unknown>) => RedisClient;

/**
 * Ask the Redis at `url` what it persists: `CONFIG GET appendonly appendfsync save`, or, where a
 * managed Redis disables CONFIG, `INFO persistence` (which says whether AOF is on, not the save
 * points). One short-lived connection; fails with the reason when Redis cannot be asked at all.
 */
export async function checkRedisPersistence(url: string, timeoutMs = 5000): Promise<RedisPersistence> {
  const Redis = createRequire(import.meta.url)('ioredis') as RedisConstructor;
  // No ready check: it is an INFO, which this check must be able to do without.
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, retryStrategy: () => null, maxRetriesPerRequest: 0, enableReadyCheck: false });
  // ioredis crashes the process on an error nobody listens to; its text is the better reason.
  let lastError: Error | undefined;
  redis.on('error', (error) => (lastError = error));
  try {
    try {
      await (redis as unknown as { connect(): Promise<void> }).connect();
    } catch (error) {
      throw lastError ?? error;
    }
    try {
      const reply = (await redis.call('CONFIG', 'GET', 'appendonly', 'appendfsync', 'save')) as string[];
      const values = new Map<string, string>();
      for (let i = 0; i + 1 < reply.length; i += 2) values.set(reply[i]!, reply[i + 1]!);
      return { aof: values.get('appendonly') === 'yes', fsync: values.get('appendfsync'), save: values.get('save') ?? '', source: 'config' };
    } catch (error) {
      // A renamed or ACL-denied CONFIG: INFO is allowed almost everywhere.
      if (!isRefusedCommand(error)) throw error;
    }
    try {
      const info = String(await redis.call('INFO', 'persistence'));
      return { aof: /^aof_enabled:1\s*$/m.test(info), source: 'info' };
    } catch (error) {
      if (!isRefusedCommand(error)) throw error;
      return { aof: false, source: 'unknown' };
    }
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

/** One line for people: what the Redis keeps, and what a restart of it would lose. */
export function describePersistence(p: RedisPersistence): string {
  if (p.aof) return `append-only file on (appendfsync ${p.fsync ?? 'unknown'})`;
  if (p.source === 'unknown') return 'persistence unknown (CONFIG and INFO are disabled or not allowed to this user)';
  if (p.source === 'info') return 'append-only file off (CONFIG is disabled, so RDB snapshots could not be checked)';
  if (p.save) return `append-only file off, RDB snapshots only (save "${p.save}"): a Redis restart loses what was written since the last one`;
  return 'append-only file off and no RDB snapshots: a Redis restart loses everything';
}

/** A command Redis does not know (renamed away) or does not allow this user (ACL). */
function isRefusedCommand(error: unknown): boolean {
  return /unknown command|NOPERM|no permissions/i.test(error instanceof Error ? error.message : String(error));
}
