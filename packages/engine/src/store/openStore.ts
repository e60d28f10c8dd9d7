import { MemoryStore } from './MemoryStore.js';
import { RedisStore, type RedisStoreOptions } from './RedisStore.js';
import { SqliteStore, type SqliteStoreOptions } from './SqliteStore.js';
import type { Awaitable, Store } from './Store.js';

/**
 * Where the engine keeps its durable state: `memory` (the default: nothing written), a SQLite
 * file, a Redis (`{ redis: url }`), or a {@link Store} of your own (the engine then leaves closing
 * it to you).
 */
export type StoreOption = 'memory' | ({ sqlite: string } & SqliteStoreOptions) | ({ redis: string } & RedisStoreOptions) | Store;

/** The store `option` names, and whether the engine opened it (and so closes it). */
export function openStore(option: StoreOption): Awaitable<{ store: Store; owned: boolean }> {
  if (option === 'memory') return { store: new MemoryStore(), owned: true };
  if ('sqlite' in option) return { store: SqliteStore.open(option.sqlite, option), owned: true };
  if ('redis' in option) return RedisStore.open(option.redis, option).then((store) => ({ store, owned: true }));
  return { store: option, owned: false };
}
