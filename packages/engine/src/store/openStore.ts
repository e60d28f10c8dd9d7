import { MemoryStore } from './MemoryStore.js';
import { SqliteStore, type SqliteStoreOptions } from './SqliteStore.js';
import type { Store } from './Store.js';

/**
 * Where the engine keeps its durable state: `memory` (the default: nothing written), a SQLite
 * file, or a {@link Store} of your own (the engine then leaves closing it to you).
 */
export type StoreOption = 'memory' | ({ sqlite: string } & SqliteStoreOptions) | Store;

/** The store `option` names, and whether the engine opened it (and so closes it). */
export function openStore(option: StoreOption): { store: Store; owned: boolean } {
  if (option === 'memory') return { store: new MemoryStore(), owned: true };
  if ('sqlite' in option) return { store: SqliteStore.open(option.sqlite, option), owned: true };
  return { store: option, owned: false };
}
