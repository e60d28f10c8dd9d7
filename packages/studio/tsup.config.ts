import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

const common = { entry: { index: 'src/index.ts' }, format: ['esm'], platform: 'browser', target: 'es2022', sourcemap: true } satisfies Options;

/** The theme ships as a plain stylesheet next to each build. */
function copyStyle(dir: string): () => Promise<void> {
  return async () => {
    mkdirSync(dir, { recursive: true });
    copyFileSync('src/style.css', `${dir}/style.css`);
  };
}

// Cleaned once here rather than with `clean: true`: the builds below run in parallel.
rmSync(new URL('dist', import.meta.url), { recursive: true, force: true });

// Studio imports only types from @mwse/client: it works on the `mwse` instance it is given, so no
// build contains a copy of the client (tests check the served file imports nothing).
export default defineConfig([
  // For bundlers: `import Studio from '@mwse/studio'` and `import '@mwse/studio/style.css'`.
  { ...common, outDir: 'dist', dts: true, onSuccess: copyStyle('dist') },
  // Served by @mwse/server as /sdk/studio/index.js and /sdk/studio/style.css.
  { ...common, outDir: 'dist/browser', minify: true, onSuccess: copyStyle('dist/browser') },
]);
