import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, type Options } from 'tsup';

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

/**
 * Browser builds swap each `./x.node.js` import for its `./x.browser.ts` twin (engine.io-client's
 * pattern), so `ws` and other Node-only code never reach a browser bundle.
 */
const browserTwins: EsbuildPlugin = {
  name: 'browser-twins',
  setup(build) {
    build.onResolve({ filter: /\.node\.js$/ }, (args) => ({
      path: join(args.resolveDir, args.path.replace(/\.node\.js$/, '.browser.ts')),
    }));
  },
};

/**
 * The self-contained build is the one an MWSE server serves (`/sdk/client/index.js`): there
 * `servedFrom.ts` becomes `servedFrom.served.ts`, so `new MWSE()` connects to the server the module
 * came from instead of the page's origin.
 */
const servedTwins: EsbuildPlugin = {
  name: 'served-twins',
  setup(build) {
    build.onResolve({ filter: /^\.\/servedFrom\.js$/ }, (args) => ({
      path: join(args.resolveDir, 'servedFrom.served.ts'),
    }));
  },
};

const common = { sourcemap: true, target: 'es2022' } satisfies Options;

// Cleaned once here rather than with `clean: true`: the three builds below run in parallel, and a
// per-build clean could delete what another build already wrote.
rmSync(new URL('dist', import.meta.url), { recursive: true, force: true });

export default defineConfig([
  // Node: ESM + CJS with types; `ws` and @mwse/protocol stay external dependencies.
  {
    ...common,
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    platform: 'node',
    dts: { compilerOptions: { stripInternal: true } },
  },
  // Browser, for bundlers (the `browser` export condition): ESM, dependencies external.
  {
    ...common,
    entry: { 'index.browser': 'src/index.browser.ts' },
    format: ['esm'],
    platform: 'browser',
    esbuildPlugins: [browserTwins],
  },
  // Browser, self-contained: served by the server as /sdk/index.js for plain
  // `<script type="module">` pages. Everything bundled; only types come from @mwse/protocol.
  {
    ...common,
    entry: { 'browser/index': 'src/index.browser.ts' },
    format: ['esm'],
    platform: 'browser',
    noExternal: [/.*/],
    minify: true,
    esbuildPlugins: [browserTwins, servedTwins],
  },
]);
