import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${dir}package.json`, 'utf8'));

describe('the @mwse/studio package', () => {
  it('passes publint, suggestions included', async () => {
    const { messages } = await publint({ pkgDir: dir, level: 'suggestion', pack: 'pnpm' });
    expect(messages.map((message) => formatMessage(message, pkg))).toEqual([]);
  });

  it('exports its types first, the module and the theme, and says the CSS has side effects', () => {
    expect(Object.keys(pkg.exports['.'])).toEqual(['types', 'default']);
    expect(pkg.exports['./style.css']).toBe('./dist/style.css');
    expect(pkg.sideEffects).toEqual(['*.css']);
    for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/style.css', 'dist/browser/index.js', 'dist/browser/style.css']) {
      expect(statSync(`${dir}${file}`).size).toBeGreaterThan(0);
    }
  });

  it('uses the client it is given: @mwse/client is a peer, and no build carries a copy of it', () => {
    expect(pkg.dependencies).toBeUndefined();
    expect(pkg.peerDependencies).toHaveProperty('@mwse/client');
    for (const file of ['dist/index.js', 'dist/browser/index.js']) {
      const code = readFileSync(`${dir}${file}`, 'utf8');
      // The client's connection code would bring these along.
      expect(code).not.toMatch(/WebSocket|binaryType|room\/create/);
      expect(code).not.toMatch(/@mwse\/client/);
    }
    expect(statSync(`${dir}dist/browser/index.js`).size).toBeLessThan(80_000);
  });
});
