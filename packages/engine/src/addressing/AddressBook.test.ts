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

  it('names what an address text is, for a lookup on another node', () => {
    const book = new AddressBook('10.0.0.0/29', '10.1.0.0/23');
    expect(book.keyOf(' 10.0.0.1 ')).toEqual({ kind: 'host', host: 0 });
    expect(book.keyOf('10.0.0.6')).toEqual({ kind: 'host', host: 5 });
    // The network and broadcast addresses, addresses outside both ranges, and bad octets name nothing.
    for (const text of ['10.0.0.0', '10.0.0.7', '10.2.0.1', '10.0.0.256', '10.0.0.01']) expect(book.keyOf(text)).toBeUndefined();
    expect(book.keyOf('10.1.1.9')).toEqual({ kind: 'subnet', subnet: 1 });
    expect(book.keyOf('4820316')).toEqual({ kind: 'number', number: '4820316' });
    expect(book.keyOf('0820316')).toBeUndefined();
    expect(book.keyOf('k7rwtm')).toEqual({ kind: 'code', code: 'K7RWTM' });
    expect(book.keyOf('K7RWT0')).toBeUndefined();
  });

  it('adopts addresses claimed elsewhere without taking them from its own pool', () => {
    const book = new AddressBook('10.0.0.0/30', '10.1.0.0/24');
    const held = peer(1);
    const adopted = book.adopt(held, 1, '4820316', 'K7RWTM');
    expect(adopted).toEqual({ ip: '10.0.0.2', number: '4820316', code: 'K7RWTM' });
    expect(book.resolve('k7rwtm')).toBe(held);
    expect(book.addressOf(held)).toEqual(adopted);
    // Its own pool is untouched: both hosts are still its to give.
    expect([book.claim(peer(2))?.ip, book.claim(peer(3))?.ip].sort()).toEqual(['10.0.0.1', '10.0.0.2']);
    book.release(held);
    expect(book.resolve('4820316')).toBeUndefined();
  });
});
