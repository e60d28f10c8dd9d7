import { ServiceError } from '../ServiceError.js';

/**
 * Bytes one key adds to a pool: its name and its value as JSON, in UTF-8 as they travel (a
 * string's length counts UTF-16 units: text outside ASCII would hold up to three times more).
 */
function entrySize(key: string, value: unknown): number {
  return Buffer.byteLength(key) + Buffer.byteLength(JSON.stringify(value) ?? '');
}

/**
 * A bounded key/value pool (SPEC §4, data sync): peer info and room info. Setting null or
 * undefined removes a key. Over either limit the write is refused and the pool is unchanged.
 */
export class InfoPool {
  /** Made on the first key: most pools stay empty. */
  private values: Map<string, unknown> | undefined;
  private bytes = 0;

  constructor(
    private readonly maxKeys: number,
    private readonly maxBytes: number,
  ) {}

  /** Apply one write; false when it changed nothing (removing a missing key). */
  set(key: string, value: unknown): boolean {
    const values = this.values;
    const previous = values?.get(key);
    const had = previous !== undefined; // undefined is never stored: writing it removes the key
    const before = had ? entrySize(key, previous) : 0;
    if (value === null || value === undefined) {
      if (!had) return false;
      values!.delete(key);
      this.bytes -= before;
      return true;
    }
    const bytes = this.bytes - before + entrySize(key, value);
    if (!had && (values?.size ?? 0) >= this.maxKeys) {
      throw new ServiceError('too-large', `holds at most ${this.maxKeys} keys`);
    }
    if (bytes > this.maxBytes) throw new ServiceError('too-large', `holds at most ${this.maxBytes} bytes`);
    (this.values ??= new Map()).set(key, value);
    this.bytes = bytes;
    return true;
  }

  get(key: string): unknown {
    return this.values?.get(key);
  }

  toObject(): Record<string, unknown> {
    return this.values ? Object.fromEntries(this.values) : {};
  }
}
