#!/usr/bin/env node
// The `mwse-server` command. It lives outside dist/ so that the file a `bin` entry names exists
// in a fresh checkout too, before the build (pnpm links workspace bins at install time, and warns
// about a missing target).
import('../dist/cli.js').catch((error) => {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli.js')) {
    console.error('mwse-server: not built yet; run `pnpm --filter @mwse/server... build` first');
    process.exit(1);
  }
  throw error;
});
