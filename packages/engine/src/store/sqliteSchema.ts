/**
 * The SQLite schema (docs/storage.md). Rows of tables with a text key keep their rowid, so
 * `ORDER BY rowid` is arrival order: notifications are delivered, and the inbox drained, oldest first.
 * `frame` has no type affinity: a text frame stays text and a binary one stays a blob.
 */
export const SQLITE_SCHEMA = `
CREATE TABLE IF NOT EXISTS notifications (
  nid TEXT PRIMARY KEY,
  identity TEXT NOT NULL,
  sender TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  frame BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS notifications_expiry ON notifications (expires_at);
CREATE TABLE IF NOT EXISTS reply_routes (
  nid TEXT PRIMARY KEY,
  route TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS reply_routes_expiry ON reply_routes (expires_at);
CREATE TABLE IF NOT EXISTS api_keys (
  digest BLOB PRIMARY KEY,
  domain TEXT NOT NULL,
  created INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS inbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS webhooks (
  id TEXT PRIMARY KEY,
  body TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  next_at INTEGER NOT NULL
);
`;

/** `PRAGMA user_version` of this schema; a database from a newer engine is refused, not guessed at. */
export const SQLITE_SCHEMA_VERSION = 1;

/** The part of libsql's (better-sqlite3's) API the store uses, so the engine's types need neither. */
export interface SqliteDatabase {
  exec(sql: string): unknown;
  prepare(sql: string): SqliteStatement;
  transaction<F extends (...args: never[]) => unknown>(fn: F): F;
  close(): void;
}

/**
 * A prepared statement. Parameters always go in one array: libsql 0.5 takes a lone Buffer
 * argument for named parameters and aborts the process (a Rust panic) on it.
 */
export interface SqliteStatement {
  run(params?: unknown[]): { changes: number };
  all(params?: unknown[]): Record<string, unknown>[];
}
