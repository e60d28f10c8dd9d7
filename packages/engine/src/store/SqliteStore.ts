import { createRequire } from 'node:module';
import { NotificationStore } from '../services/NotificationStore.js';
import { SQLITE_SCHEMA, SQLITE_SCHEMA_VERSION, type SqliteDatabase } from './sqliteSchema.js';
import { SqliteInbox, SqliteKeys, SqliteNotifications, SqliteRoutes, SqliteWebhooks } from './sqliteTables.js';
import type { Store } from './Store.js';

/** Options of {@link SqliteStore.open}. */
export interface SqliteStoreOptions {
  /**
   * `normal` (default): a commit is in the WAL before the call returns, so a killed process loses
   * nothing, and a power cut may lose the last commits (never corrupts). `full` also fsyncs each
   * commit, for power cuts too, at a few hundred commits a second on common disks.
   */
  synchronous?: 'normal' | 'full';
}

type DatabaseConstructor = new (path: string) => SqliteDatabase;

/** libsql, loaded on first use: the engine does not need it unless a SQLite store is asked for. */
function loadLibsql(): DatabaseConstructor {
  try {
    return createRequire(import.meta.url)('libsql') as DatabaseConstructor;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`the sqlite store needs the "libsql" package (npm install libsql): ${reason}`);
  }
}

/**
 * Durable state in one SQLite file (WAL mode), through libsql. The memory indexes are loaded on
 * open and every change is committed before the call that made it returns: what the engine
 * acknowledged (a notification `stored`, a key minted, a webhook queued) survives kill -9.
 *
 * @example
 * const engine = await createEngine({ store: SqliteStore.open('./mwse-data/mwse.db') });
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly routes: SqliteRoutes;
  readonly notifications: SqliteNotifications;
  readonly keys: SqliteKeys;
  readonly inbox: SqliteInbox;
  readonly webhooks: SqliteWebhooks;

  private constructor(private readonly db: SqliteDatabase, now: number) {
    this.routes = new SqliteRoutes(db, now);
    this.notifications = new SqliteNotifications(db, new NotificationStore(), this.routes, now);
    this.keys = new SqliteKeys(db);
    this.inbox = new SqliteInbox(db);
    this.webhooks = new SqliteWebhooks(db);
  }

  /** Open (creating if needed) the database at `path`; its folder must exist. */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    const Database = loadLibsql();
    const db = new Database(path);
    try {
      db.exec('PRAGMA journal_mode = WAL');
      db.exec(`PRAGMA synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      db.exec('PRAGMA busy_timeout = 5000');
      const [row] = db.prepare('PRAGMA user_version').all();
      const version = Number(row?.user_version ?? 0);
      if (version > SQLITE_SCHEMA_VERSION) {
        throw new Error(`${path} was written by a newer engine (schema ${version}, this one knows ${SQLITE_SCHEMA_VERSION})`);
      }
      db.exec(SQLITE_SCHEMA);
      db.exec(`PRAGMA user_version = ${SQLITE_SCHEMA_VERSION}`);
      return new SqliteStore(db, Date.now());
    } catch (error) {
      db.close();
      throw error;
    }
  }

  close(): void {
    this.db.close();
  }
}
