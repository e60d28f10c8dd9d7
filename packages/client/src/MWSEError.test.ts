import { describe, expect, it } from 'vitest';
import { MWSEError } from './MWSEError.js';

describe('MWSEError', () => {
  it('carries its code, a readable default message and the issues', () => {
    const error = new MWSEError('timeout');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('MWSEError');
    expect(error.code).toBe('timeout');
    expect(error.message).toBe('no answer came in time');
    const refused = new MWSEError('bad-frame', 'invalid "info/set" frame', {
      issues: ['key: too long'],
    });
    expect(refused.message).toBe('invalid "info/set" frame');
    expect(refused.issues).toEqual(['key: too long']);
  });

  it('falls back to the code when it has no default message', () => {
    expect(new MWSEError('room-full').message).toBe('room-full');
  });

  it('is() recognises MWSE errors by shape and code, also from another copy of the SDK', () => {
    const copy = Object.assign(new Error('x'), { name: 'MWSEError', code: 'timeout' });
    expect(MWSEError.is(new MWSEError('unreachable'))).toBe(true);
    expect(MWSEError.is(copy, 'timeout')).toBe(true);
    expect(MWSEError.is(copy, 'unreachable')).toBe(false);
    expect(MWSEError.is(new Error('x'))).toBe(false);
    expect(MWSEError.is('timeout')).toBe(false);
  });
});
