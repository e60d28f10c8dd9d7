import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(`${dir}package.json`, 'utf8'));
const run = promisify(execFile);

/**
 * `tsc --noEmit` over a tiny bundled app (`main.ts` as given) that has @mwse/studio and
 * @mwse/client installed (linked to this package and its client). Side-effect imports are checked
 * (`noUncheckedSideEffectImports`), as a strict app does: an import TypeScript cannot resolve fails.
 */
async function typecheckApp(main: string): Promise<{ ok: boolean; output: string }> {
  const app = mkdtempSync(join(tmpdir(), 'mwse-studio-app-'));
  try {
    mkdirSync(join(app, 'node_modules/@mwse'), { recursive: true });
    symlinkSync(dir, join(app, 'node_modules/@mwse/studio'), 'dir');
    symlinkSync(join(dir, 'node_modules/@mwse/client'), join(app, 'node_modules/@mwse/client'), 'dir');
    writeFileSync(join(app, 'main.ts'), main);
    const compilerOptions = {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      lib: ['ES2022', 'DOM'],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      noUncheckedSideEffectImports: true,
      types: [],
    };
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['main.ts'] }));
    const tsc = join(dir, 'node_modules/typescript/bin/tsc');
    try {
      const { stdout } = await run(process.execPath, [tsc, '--noEmit', '-p', app], { cwd: app });
      return { ok: true, output: stdout };
    } catch (error) {
      return { ok: false, output: String((error as { stdout?: string }).stdout ?? error) };
    }
  } finally {
    rmSync(app, { recursive: true, force: true });
  }
}

describe('the @mwse/studio package', () => {
  it('passes publint, suggestions included', async () => {
    const { messages } = await publint({ pkgDir: dir, level: 'suggestion', pack: 'pnpm' });
    expect(messages.map((message) => formatMessage(message, pkg))).toEqual([]);
  });

  it('exports its types first, the module and the theme, and says the CSS has side effects', () => {
    expect(Object.keys(pkg.exports['.'])).toEqual(['types', 'default']);
    expect(pkg.exports['./style.css']).toEqual({ types: './dist/style.css.d.ts', default: './dist/style.css' });
    expect(pkg.sideEffects).toEqual(['*.css']);
    for (const file of ['dist/index.js', 'dist/index.d.ts', 'dist/style.css', 'dist/style.css.d.ts', 'dist/browser/index.js', 'dist/browser/style.css']) {
      expect(statSync(`${dir}${file}`).size).toBeGreaterThan(0);
    }
  });

  it("`import '@mwse/studio/style.css'` type-checks in a bundled TypeScript app", async () => {
    const app = await typecheckApp(
      "import Studio from '@mwse/studio';\nimport '@mwse/studio/style.css';\nexport const studio: typeof Studio = Studio;\n",
    );
    expect(app.output).toBe('');
    expect(app.ok).toBe(true);
    // The same app with a stylesheet the package does not export fails: the check is real.
    const missing = await typecheckApp("import '@mwse/studio/theme.css';\n");
    expect(missing.ok).toBe(false);
    expect(missing.output).toMatch(/TS2882|TS2307|Cannot find module/);
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
