import { afterEach, describe, expect, it } from 'vitest';
import { resolveEndpoint } from './resolveEndpoint.js';

const global = globalThis as { location?: unknown };

afterEach(() => {
  delete global.location;
});

describe('resolveEndpoint', () => {
  it('requires an endpoint outside a page, naming the option', () => {
    expect(() => resolveEndpoint()).toThrow(/options\.endpoint is required/);
  });

  it('keeps ws URLs and maps http(s) to ws(s)', () => {
    expect(resolveEndpoint('ws://127.0.0.1:7707')).toBe('ws://127.0.0.1:7707/');
    expect(resolveEndpoint('http://example.test:80/x')).toBe('ws://example.test/x');
    expect(resolveEndpoint('https://example.test/')).toBe('wss://example.test/');
  });

  it('refuses other schemes and garbage', () => {
    expect(() => resolveEndpoint('ftp://example.test')).toThrow(/ws:, wss:/);
    expect(() => resolveEndpoint('not a url')).toThrow(/not a valid URL/);
  });

  it("uses the page's origin in a browser, wss under https", () => {
    global.location = {
      protocol: 'https:',
      host: 'chat.example.test:8443',
      href: 'https://chat.example.test:8443/demos/chat.html',
    };
    expect(resolveEndpoint()).toBe('wss://chat.example.test:8443/');
    expect(resolveEndpoint('/ws')).toBe('wss://chat.example.test:8443/ws');
    global.location = { protocol: 'http:', host: 'localhost:7707', href: 'http://localhost:7707/' };
    expect(resolveEndpoint()).toBe('ws://localhost:7707/');
  });

  it('connects the SDK an MWSE server served to that server, not to the page that imported it', () => {
    global.location = { protocol: 'http:', host: 'app.example.test', href: 'http://app.example.test/page.html' };
    expect(resolveEndpoint(undefined, 'http://localhost:7707/')).toBe('ws://localhost:7707/');
    expect(resolveEndpoint(undefined, 'https://example.test/mwse/')).toBe('wss://example.test/mwse/');
    // An explicit endpoint still wins, and relative ones still mean the page.
    expect(resolveEndpoint('/ws', 'http://localhost:7707/')).toBe('ws://app.example.test/ws');
  });
});
