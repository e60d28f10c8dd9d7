import { accessSync, constants, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseChoice, type Parsed } from './parseValues.js';
import type { ReadVariable } from './readVariable.js';

/** Where the server keeps its durable state (docs/storage.md). */
export interface StoreConfig {
  /**
   * `{ sqlite: <MWSE_DATA_DIR>/mwse.db }` (default) or `memory` (`MWSE_STORE`). The folder is
   * created when the server starts if it is missing.
   */
  store: 'memory' | { sqlite: string };
}

const STORES = ['memory', 'sqlite'] as const;
/** The database file inside `MWSE_DATA_DIR`. */
export const DATABASE_FILE = 'mwse.db';

/** Read {@link StoreConfig}; throws a `ConfigError` naming `MWSE_STORE` or `MWSE_DATA_DIR`. */
export function readStore(read: ReadVariable, cwd: string): StoreConfig {
  const kind = read('MWSE_STORE', 'sqlite', (text) => parseChoice(text.toLowerCase(), STORES));
  // Read (and so checked) even with `memory`: a typo should not wait for the day it is switched on.
  const dataDir = read('MWSE_DATA_DIR', resolve(cwd, 'mwse-data'), (text) => checkDataDir(resolve(cwd, text)));
  return { store: kind === 'memory' ? 'memory' : { sqlite: join(dataDir, DATABASE_FILE) } };
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

