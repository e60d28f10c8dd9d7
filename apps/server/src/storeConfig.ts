import { accessSync, constants, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from './ConfigError.js';
import { parseChoice, type Parsed } from './parseValues.js';
import type { ReadVariable } from './readVariable.js';

/** Where the server keeps its durable state (docs/storage.md). */
export interface StoreConfig {
  /**
   * `{ sqlite: <MWSE_DATA_DIR>/mwse.db }` (default), `memory`, or `{ redis: <MWSE_REDIS_URL> }`
   * (`MWSE_STORE`; `redis` is the default once `MWSE_REDIS_URL` is set). The folder is created when
   * the server starts if it is missing.
   */
  store: 'memory' | { sqlite: string } | { redis: string };
}

const STORES = ['memory', 'sqlite', 'redis'] as const;
/** The database file inside `MWSE_DATA_DIR`. */
export const DATABASE_FILE = 'mwse.db';

/**
 * Read {@link StoreConfig}; throws a `ConfigError` naming `MWSE_STORE`, `MWSE_DATA_DIR` or
 * `MWSE_REDIS_URL`.
 */
export function readStore(read: ReadVariable, cwd: string): StoreConfig {
  const redisUrl = read<string | undefined>('MWSE_REDIS_URL', undefined, parseRedisUrl);
  const kind = read('MWSE_STORE', redisUrl ? 'redis' : 'sqlite', (text) => parseChoice(text.toLowerCase(), STORES));
  // Read (and so checked) even with `memory`: a typo should not wait for the day it is switched on.
  const dataDir = read('MWSE_DATA_DIR', resolve(cwd, 'mwse-data'), (text) => checkDataDir(resolve(cwd, text)));
  if (kind === 'redis') {
    if (!redisUrl) throw new ConfigError('MWSE_REDIS_URL', 'is required with MWSE_STORE=redis (for example redis://127.0.0.1:6379/0)');
    return { store: { redis: redisUrl } };
  }
  return { store: kind === 'memory' ? 'memory' : { sqlite: join(dataDir, DATABASE_FILE) } };
}

/** A `redis://` or `rediss://` (TLS) URL with a host; the database number, if any, 0–15 style digits. */
export function parseRedisUrl(text: string): Parsed<string | undefined> {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return { ok: false, reason: `"${text}" is not a URL (for example redis://127.0.0.1:6379/0)` };
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return { ok: false, reason: `"${url.protocol}" is not redis: or rediss:` };
  if (!url.hostname) return { ok: false, reason: 'the URL has no host' };
  if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d+$/.test(url.pathname)) {
    return { ok: false, reason: `"${url.pathname}" is not a database number (e.g. /0)` };
  }
  return { ok: true, value: text.trim() };
}

/** A folder the server can write to, or one it can create (its nearest existing parent is writable). */
function checkDataDir(path: string): Parsed<string> {
  let existing = path;
  for (;;) {
    try {
      const stats = statSync(existing);
      if (!stats.isDirectory()) return { ok: false, reason: `${existing} is not a directory` };
      break;
    } catch {
      const parent = resolve(existing, '..');
      if (parent === existing) return { ok: false, reason: `${path} cannot be created` };
      existing = parent;
    }
  }
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch {
    return { ok: false, reason: existing === path ? `${path} is not writable` : `${path} cannot be created: ${existing} is not writable` };
  }
  return { ok: true, value: path };
}

