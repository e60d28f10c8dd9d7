import { describe, expect, it } from 'vitest';
import { parseRequestPath } from './parseRequestPath.js';

describe('parseRequestPath', () => {
  it('decodes segments and notes a trailing slash', () => {
    expect(parseRequestPath('/a%20b/c.txt')).toEqual({ segments: ['a b', 'c.txt'], trailingSlash: false });
    expect(parseRequestPath('/docs/')).toEqual({ segments: ['docs'], trailingSlash: true });
    expect(parseRequestPath('/')).toEqual({ segments: [], trailingSlash: true });
  });

  it('drops empty segments, so a doubled slash cannot make the path absolute', () => {
    expect(parseRequestPath('//etc//passwd')).toEqual({ segments: ['etc', 'passwd'], trailingSlash: false });
  });

  it.each([
    '/../package.json',
    '/a/../../package.json',
    '/%2e%2e/package.json',
    '/%2E%2E/package.json',
    '/.%2e/package.json',
    '/./index.html',
    '/..%2fpackage.json',
    '/a%2F..%2F..%2Fpackage.json',
    '/..%5cpackage.json',
    '/..\\package.json',
    '/index.html%00.txt',
    '/%zz',
    '/%E0%A4%A',
    'index.html',
  ])('refuses %s', (raw) => {
    expect(parseRequestPath(raw)).toBeUndefined();
  });
});
