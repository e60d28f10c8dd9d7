import { rmSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

/**
 * The served modules import each other by URL, as they sit in the server's /sdk/ folder:
 *
 *   /sdk/index.js          dist/browser/index.js         (MWSE with peer.rtc)
 *   /sdk/client/index.js   @mwse/client's dist/browser/   (the client, once)
 *   /sdk/webrtc/index.js   dist/browser/webrtc/index.js  (this library, once)
 *
 * This plugin turns the package imports into those relative URLs and leaves them unbundled, so no
 * module embeds another's code. apps/server/scripts/copy-sdk.mjs assembles the folder.
 */
function servedImports(map: Record<string, string>): EsbuildPlugin {
  const filter = new RegExp(`^(${Object.keys(map).map((k) => k.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})$`);
  return {
    name: 'served-imports',
    setup(build) {
      build.onResolve({ filter }, (args) => ({ path: map[args.path]!, external: true }));
    },
  };
}

const browser = { format: ['esm'], platform: 'browser', target: 'es2022', sourcemap: true } satisfies Options;

// Cleaned once here rather than with `clean: true`: the builds below run in parallel.
rmSync(new URL('dist', import.meta.url), { recursive: true, force: true });

export default defineConfig([
  // For bundlers: `import { attachRTC } from '@mwse/webrtc'`; @mwse/client stays a peer dependency.
  {
    ...browser,
    entry: { index: 'src/index.ts' },
    dts: { compilerOptions: { stripInternal: true } },
  },
  // Served as /sdk/webrtc/index.js.
  {
    ...browser,
    entry: { 'browser/webrtc/index': 'src/index.ts' },
    minify: true,
    noExternal: ['@mwse/client'], // else tsup marks it external before the plugin can map it
    esbuildPlugins: [servedImports({ '@mwse/client': '../client/index.js' })],
  },
  // Served as /sdk/index.js.
  {
    ...browser,
    entry: { 'browser/index': 'src/browser/sdk.ts' },
    minify: true,
    noExternal: ['@mwse/client'],
    esbuildPlugins: [servedImports({ '@mwse/client': './client/index.js', '../index.js': './webrtc/index.js' })],
  },
]);
