import { describe, expect, it } from 'vitest';
import { clientAddress, isForwarded } from './clientAddress.js';

const xff = (value: string) => ({ 'x-forwarded-for': value });

describe('clientAddress', () => {
  it.each([
    [0, '6.6.6.6, 203.0.113.9', '10.0.0.1'],
    [1, '6.6.6.6, 203.0.113.9', '203.0.113.9'],
    [2, '6.6.6.6, 203.0.113.9, 10.1.0.2', '203.0.113.9'],
    [3, '203.0.113.9, 10.1.0.3', '203.0.113.9'],
    [1, ' , ::ffff:203.0.113.9 ', '203.0.113.9'],
    [1, '', '10.0.0.1'],
    [true, '6.6.6.6, 203.0.113.9', '203.0.113.9'],
    [false, '6.6.6.6, 203.0.113.9', '10.0.0.1'],
  ] as const)('with trustProxy %s reads "%s" as %s', (hops, header, expected) => {
    expect(clientAddress(xff(header), '::ffff:10.0.0.1', hops)).toBe(expected);
  });

  it('uses the socket address when no header came', () => {
    expect(clientAddress({}, '::ffff:127.0.0.1', 1)).toBe('127.0.0.1');
  });

  it('counts any forwarding header as forwarded', () => {
    expect(isForwarded(xff('127.0.0.1'))).toBe(true);
    expect(isForwarded({ forwarded: 'for=127.0.0.1' })).toBe(true);
    expect(isForwarded({ 'x-real-ip': '127.0.0.1' })).toBe(true);
    expect(isForwarded({ host: 'localhost' })).toBe(false);
  });
});
