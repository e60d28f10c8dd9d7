import { describe, expect, it } from 'vitest';
import type { Peer } from '../Peer.js';
import { AddressBook } from './AddressBook.js';

// The book only uses peers as map keys.
const peer = (n: number) => ({ id: `p${n}` }) as unknown as Peer;

describe('AddressBook', () => {
  it('refuses ranges that overlap, or a rooms range without a /24', () => {
    expect(() => new AddressBook('10.0.0.0/16', '10.0.128.0/24')).toThrow(/overlaps/);
    expect(() => new AddressBook('10.0.0.0/24', '10.0.0.0/8')).toThrow(/overlaps/);
    expect(() => new AddressBook('10.0.0.0/24', '10.1.0.0/25')).toThrow(/no \/24/);
    expect(() => new AddressBook('10.0.0.0/24', '10.1.0.0/24')).not.toThrow();
  });

  it('never hands out the network or broadcast address, and runs out after the hosts', () => {
    const book = new AddressBook('10.0.0.0/29', '10.1.0.0/24');
    const peers = Array.from({ length: 7 }, (_, i) => peer(i));
    const ips = peers.slice(0, 6).map((p) => book.claim(p)?.ip);
    expect(new Set(ips)).toEqual(new Set(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']));
    expect(book.claim(peers[6]!)).toBeUndefined();
    book.release(peers[0]!);
    expect(book.claim(peers[6]!)?.ip).toBe(ips[0]);
  });
});
