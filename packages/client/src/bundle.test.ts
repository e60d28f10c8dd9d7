import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fakeServer, ids } from './test/fakeServer.js';

// Checks the built browser artifacts (turbo builds before testing; skipped on a fresh checkout).
const dist = (file: string) => fileURLToPath(new URL(`../dist/${file}`, import.meta.url));
const built = existsSync(dist('browser/index.js')) && existsSync(dist('index.browser.js'));

describe.skipIf(!built)('browser bundles', () => {
  it('the self-contained /sdk/index.js imports nothing and contains neither ws nor zod', () => {
    const code = readFileSync(dist('browser/index.js'), 'utf8');
    expect(code).not.toMatch(/\bfrom\s*["']/);
    expect(code).not.toMatch(/\bimport\s*\(|\brequire\s*\(/);
    expect(code).not.toMatch(/zod|ZodType|\$ZodObject/);
    expect(code).not.toMatch(/permessage-deflate|Sec-WebSocket-Key/); // ws internals
  });

  it('only the served build defaults to the server it was loaded from (its import.meta.url)', () => {
    expect(readFileSync(dist('browser/index.js'), 'utf8')).toContain('import.meta.url');
    expect(readFileSync(dist('index.browser.js'), 'utf8')).not.toContain('import.meta');
    expect(readFileSync(dist('index.js'), 'utf8')).not.toContain('import.meta');
  });

  it('the bundler build imports neither ws nor @mwse/protocol at runtime', () => {
    const code = readFileSync(dist('index.browser.js'), 'utf8');
    expect(code).not.toMatch(/from\s*["'](ws|@mwse\/protocol)["']/);
  });

  it('/sdk/index.js default-exports a working MWSE', async () => {
    const sdk = (await import(dist('browser/index.js'))) as typeof import('./index.js');
    expect(sdk.default).toBe(sdk.MWSE);
    const server = fakeServer();
    const mwse = new sdk.default({ endpoint: 'ws://mwse.test', WebSocket: server.WebSocket });
    let scoped = false;
    mwse.on('scope', () => (scoped = true));
    server.socket.hello(ids.me);
    expect(scoped).toBe(true);
    expect(mwse.peer('me').socketId).toBe(ids.me);
    mwse.close();
  });
});
