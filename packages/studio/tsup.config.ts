import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

// The theme is inlined as text too: Studio injects it when it mounts (src/StudioStyle.ts).
const common = {
  entry: { index: 'src/index.ts' },
  format: ['esm'],
  platform: 'browser',
  target: 'es2022',
  sourcemap: true,
  loader: { '.css': 'text' },
} satisfies Options;

/**
 * The theme also ships as a plain stylesheet next to each build, for a `<link>` or a bundler's
 * `import '@mwse/studio/style.css'`; its declaration file lets that import type-check.
 */
function copyStyle(dir: string, types = false): () => Promise<void> {
  return async () => {
    mkdirSync(dir, { recursive: true });
    copyFileSync('src/style.css', `${dir}/style.css`);
    if (types) writeFileSync(`${dir}/style.css.d.ts`, '// The Studio theme: imported for its side effect, it exports nothing.\nexport {};\n');
  };
}

// Cleaned once here rather than with `clean: true`: the builds below run in parallel.
rmSync(new URL('dist', import.meta.url), { recursive: true, force: true });

// Studio imports only types from @mwse/client: it works on the `mwse` instance it is given, so no
// build contains a copy of the client (tests check the served file imports nothing).
export default defineConfig([
  // For bundlers: `import Studio from '@mwse/studio'` and `import '@mwse/studio/style.css'`.
  { ...common, outDir: 'dist', dts: true, onSuccess: copyStyle('dist', true) },
  // Served by @mwse/server as /sdk/studio/index.js and /sdk/studio/style.css.
  { ...common, outDir: 'dist/browser', minify: true, onSuccess: copyStyle('dist/browser') },
]);
