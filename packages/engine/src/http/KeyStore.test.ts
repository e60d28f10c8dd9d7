import { describe, expect, it } from 'vitest';
import { MemoryKeys } from '../store/MemoryStore.js';
import { KeyStore } from './KeyStore.js';

describe('KeyStore', () => {
  it('checks minted keys and keeps only their digests', () => {
    const records = new MemoryKeys();
    const store = new KeyStore(records);
    const key = store.mint('app.example.com') as string;
    expect(store.check(key)).toBe('app.example.com');
    expect(store.check(`${key}x`)).toBeUndefined();
    expect(store.check('')).toBeUndefined();
    expect(JSON.stringify(records)).not.toContain(key.slice(5));
  });

  it('stops minting at its bound', () => {
    const store = new KeyStore(new MemoryKeys(), 2);
    expect(store.mint('a')).toBeDefined();
    expect(store.mint('b')).toBeDefined();
    expect(store.mint('c')).toBeUndefined();
  });
});
