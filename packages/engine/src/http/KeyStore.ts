import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const digest = (key: string) => createHash('sha256').update(key).digest();

/**
 * API keys for the control plane. Only SHA-256 digests are kept (the keys are 192 random bits,
 * so a fast hash is enough), and a presented key is compared against each in constant time.
 */
export class KeyStore {
  private readonly keys: { digest: Buffer; domain: string; created: number }[] = [];

  constructor(private readonly max = 10_000) {}

  /** Mint a key for `domain`; the key itself is returned once and never stored. */
  mint(domain: string): string | undefined {
    if (this.keys.length >= this.max) return undefined;
    const key = `mwse_${randomBytes(24).toString('base64url')}`;
    this.keys.push({ digest: digest(key), domain, created: Date.now() });
    return key;
  }

  /** The domain a key was minted for, or undefined when it is not ours. */
  check(key: string): string | undefined {
    const given = digest(key);
    let domain: string | undefined;
    for (const entry of this.keys) {
      // No early exit: every stored digest is compared.
      if (timingSafeEqual(given, entry.digest)) domain = entry.domain;
    }
    return domain;
  }
}
