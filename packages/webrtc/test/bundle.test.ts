import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The served builds (turbo builds before testing; skipped on a fresh checkout).
const dist = (file: string) => fileURLToPath(new URL(`../dist/${file}`, import.meta.url));
const built = existsSync(dist('browser/index.js')) && existsSync(dist('browser/webrtc/index.js'));
const imports = (code: string) => [...code.matchAll(/(?:from|import)\s*["']([^"']+)["']/g)].map((m) => m[1]).sort();

describe.skipIf(!built)('served browser modules', () => {
  it('/sdk/index.js only wraps: it imports the client and this library instead of embedding them', () => {
    const code = readFileSync(dist('browser/index.js'), 'utf8');
    expect([...new Set(imports(code))]).toEqual(['./client/index.js', './webrtc/index.js']);
    expect(code.length).toBeLessThan(1000);
  });

  it('/sdk/webrtc/index.js imports the client, embeds no second MWSE, and nothing Node-only', () => {
    const code = readFileSync(dist('browser/webrtc/index.js'), 'utf8');
    expect([...new Set(imports(code))]).toEqual(['../client/index.js']);
    expect(code).not.toMatch(/new WebSocket|Sec-WebSocket-Key|permessage-deflate|["']node:/);
  });

  it('the bundler build leaves @mwse/client to the app', () => {
    const code = readFileSync(dist('index.js'), 'utf8');
    expect([...new Set(imports(code))]).toEqual(['@mwse/client']);
  });
});
