import { createHash, randomBytes } from 'node:crypto';
import { MemoryKeys } from '../store/MemoryStore.js';
import { andThen, type Awaitable, type KeyRecords } from '../store/Store.js';

const digest = (key: string) => createHash('sha256').update(key).digest();

/**
 * API keys for the control plane. Only SHA-256 digests are kept (the keys are 192 random bits,
 * so a fast hash is enough), in the engine's store: with a durable one, keys outlive restarts.
 */
export class KeyStore {
  constructor(
    private readonly records: KeyRecords = new MemoryKeys(),
    private readonly max = 10_000,
  ) {}

  /** Mint a key for `domain`; the key itself is returned once (after its digest is stored) and never kept. */
  mint(domain: string): Awaitable<string | undefined> {
    const key = `mwse_${randomBytes(24).toString('base64url')}`;
    const added = this.records.add({ digest: digest(key), domain, created: Date.now() }, this.max);
    return andThen(added, (ok) => (ok ? key : undefined));
  }

  /** The domain a key was minted for, or undefined when it is not ours. */
  check(key: string): Awaitable<string | undefined> {
    return this.records.find(digest(key));
  }
}
